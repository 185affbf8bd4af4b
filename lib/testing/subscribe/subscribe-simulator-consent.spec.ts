import { SimulatorInputError } from '../index';
import { APP, DEV_PUSH, subscribeBench } from './subscribe-simulator.spec-kit';

describe('WeChatSimulator (subscribe messages): the consent pop-up and the settings', () => {
  const { sim, receiver, configure, control, starting, api } = subscribeBench();
  const login = (openId = 'oSubscriber1') => sim.login({ openId }).openId;

  it('records each answer, counts one-time acceptances, and answers like wx.requestSubscribeMessage', async () => {
    const openId = login();
    const { oneTime } = starting();
    const added = await api('POST', '/wxaapi/newtmpl/addtemplate', { body: { tid: '401', kidList: [1, 2] } });
    const second = added.json.priTmplId as string;
    const first = await sim.subscribe({ openId, templateIds: [oneTime.templateId, second], accept: { [second]: false } });
    expect(first).toEqual({
      answers: { [oneTime.templateId]: 'accept', [second]: 'reject' },
      subscriptions: [
        { appId: APP.appId, openId, templateId: oneTime.templateId, kind: 'one-time', status: 'accept', acceptancesLeft: 1 },
        { appId: APP.appId, openId, templateId: second, kind: 'one-time', status: 'reject', acceptancesLeft: 0 },
      ],
      pushes: [],
    });
    // A later "no" leaves the acceptance already given; each "yes" adds one (a template asked for twice, once).
    await sim.subscribe({ openId, templateIds: [oneTime.templateId], accept: false });
    await control('POST', '/__sim/subscribe', { openId, templateIds: [oneTime.templateId, oneTime.templateId] });
    await sim.subscribe({ openId, templateIds: [oneTime.templateId, second] });
    expect(sim.subscriptions(openId)).toEqual([
      expect.objectContaining({ templateId: oneTime.templateId, status: 'accept', acceptancesLeft: 3 }),
      expect.objectContaining({ templateId: second, status: 'accept', acceptancesLeft: 1 }),
    ]);
    expect((await control('GET', `/__sim/subscriptions?openId=${openId}`)).json).toEqual({ subscriptions: sim.subscriptions(openId) });
    expect(sim.subscriptions('oSomebodyElse')).toEqual([]);
  });

  it('keeps a long-term acceptance until the user turns the template off in the settings', async () => {
    const openId = login();
    const { longTerm } = starting();
    await sim.subscribe({ openId, templateIds: [longTerm.templateId] });
    await sim.subscribe({ openId, templateIds: [longTerm.templateId] });
    expect(sim.subscriptions(openId)).toEqual([expect.objectContaining({ kind: 'long-term', status: 'accept', acceptancesLeft: 0 })]);
    const change = await control('POST', '/__sim/subscribeChange', { openId, templateId: longTerm.templateId });
    expect(change).toEqual({
      status: 200,
      json: { subscription: expect.objectContaining({ status: 'reject', acceptancesLeft: 0 }), pushes: [] },
    });
  });

  it('pushes subscribe_msg_popup_event and subscribe_msg_change_event in JSON as WeChat writes them', async () => {
    configure({ encodingAesKey: DEV_PUSH.encodingAesKey, mode: 'plain' });
    const openId = login();
    const { oneTime } = starting();
    const result = await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
    expect(result.pushes).toEqual([expect.objectContaining({ acknowledged: true, kind: 'genuine' })]);
    const popup = JSON.parse(receiver.received[0].body) as Record<string, unknown>;
    // One item: the object itself (若 List 只有一个对象，则只返回对象本身), its numbers quoted.
    expect(popup).toEqual({
      ToUserName: expect.stringMatching(/^gh_/),
      FromUserName: openId,
      CreateTime: expect.any(Number),
      MsgType: 'event',
      Event: 'subscribe_msg_popup_event',
      List: { TemplateId: oneTime.templateId, SubscribeStatusString: 'accept', PopupScene: '0' },
    });
    await sim.subscribeChange({ openId, templateId: oneTime.templateId });
    expect(JSON.parse(receiver.received[1].body)).toMatchObject({
      Event: 'subscribe_msg_change_event',
      List: { TemplateId: oneTime.templateId, SubscribeStatusString: 'reject' },
    });
    expect(sim.subscriptions(openId)).toEqual([expect.objectContaining({ status: 'reject', acceptancesLeft: 0 })]);
  });

  it('pushes several answers as a list, and in XML inside the element named after the event', async () => {
    configure({ format: 'xml' });
    const openId = login();
    const added = await api('POST', '/wxaapi/newtmpl/addtemplate', { body: { tid: '401', kidList: [1, 2] } });
    const { oneTime } = starting();
    await sim.subscribe({ openId, templateIds: [oneTime.templateId, added.json.priTmplId], accept: { [oneTime.templateId]: false } });
    expect(receiver.received[0].body).toContain(
      '<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent>' +
        `<List><TemplateId><![CDATA[${oneTime.templateId}]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>0</PopupScene></List>` +
        `<List><TemplateId><![CDATA[${added.json.priTmplId}]]></TemplateId>`,
    );
    configure({ format: 'json' });
    await sim.subscribe({ openId, templateIds: [oneTime.templateId, added.json.priTmplId] });
    expect(JSON.parse(receiver.received[1].body).List).toEqual([
      { TemplateId: oneTime.templateId, SubscribeStatusString: 'accept', PopupScene: '0' },
      { TemplateId: added.json.priTmplId, SubscribeStatusString: 'accept', PopupScene: '0' },
    ]);
  });

  it.each([
    [{ templateIds: ['T'] }, 400, /openId must be/],
    [{ openId: 'oNobody', templateIds: ['T'] }, 404, /unknown user oNobody/],
    [{ openId: 'oSubscriber1', templateIds: [] }, 400, /templateIds must be a non-empty array/],
    [{ openId: 'oSubscriber1', templateIds: 'T' }, 400, /templateIds must be a non-empty array/],
    [{ openId: 'oSubscriber1', templateIds: ['unknownTemplate'] }, 404, /has no template unknownTemplate/],
    [{ openId: 'oSubscriber1', templateIds: ['a b'] }, 400, /templateIds\[\] must be/],
    [{ openId: 'oSubscriber1', templateIds: ['1', '2', '3', '4', '5', '6'] }, 400, /at most 5 templates/],
    [{ openId: 'oSubscriber1', accept: 'yes' }, 400, /accept must be a boolean/],
    [{ openId: 'oSubscriber1', accept: { other: true } }, 400, /accept names templates not asked for: other/],
    [{ openId: 'oSubscriber1', accept: { ONE: 'no' } }, 400, /accept values must be booleans/],
    [{ openId: 'oSubscriber1', templateIds: ['ONE', 'LONG'] }, 400, /cannot be asked for together/],
  ])('refuses the pop-up %j', async (input, status, error) => {
    login();
    const { oneTime, longTerm } = starting();
    const named = JSON.parse(
      JSON.stringify({ templateIds: ['ONE'], ...input })
        .replaceAll('ONE', oneTime.templateId)
        .replaceAll('LONG', longTerm.templateId),
    );
    await expect(sim.subscribe(named)).rejects.toThrow(SimulatorInputError);
    expect(await control('POST', '/__sim/subscribe', named)).toEqual({ status, json: { error: expect.stringMatching(error) } });
    expect(sim.subscriptions()).toEqual([]);
  });

  it('refuses a change for an unknown user or template', async () => {
    login();
    expect((await control('POST', '/__sim/subscribeChange', { openId: 'oNobody', templateId: starting().oneTime.templateId })).status).toBe(
      404,
    );
    expect((await control('POST', '/__sim/subscribeChange', { openId: 'oSubscriber1', templateId: 'unknownTemplate' })).status).toBe(404);
    expect((await control('POST', '/__sim/subscribeChange', { openId: 'oSubscriber1' })).status).toBe(400);
  });

  it('forgets consent on reset', async () => {
    const openId = login();
    await sim.subscribe({ openId, templateIds: [starting().oneTime.templateId] });
    expect(sim.subscriptions()).toHaveLength(1);
    await control('POST', '/__sim/reset');
    expect(sim.subscriptions()).toEqual([]);
  });
});
