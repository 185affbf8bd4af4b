import { DEV_PUSH, expectRefusal, subscribeBench, waitFor } from './subscribe-simulator.spec-kit';
import type { Json } from './subscribe-simulator.spec-kit';

const SEND = '/cgi-bin/message/subscribe/send';

describe('WeChatSimulator (subscribe messages): sending', () => {
  const { sim, receiver, configure, control, starting, api, oneTimeData, longTermData } = subscribeBench();
  const login = (openId = 'oReceiver1') => sim.login({ openId }).openId;
  const send = (body: Json) => api('POST', SEND, { body });

  it('delivers one message per one-time acceptance, then answers 43101', async () => {
    const openId = login();
    const { oneTime } = starting();
    const body = { touser: openId, template_id: oneTime.templateId, data: oneTimeData, page: 'pages/order/detail?id=42' };
    expectRefusal((await send(body)).json, 43101, 'user refuse to accept the msg');
    await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
    await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
    const first = await send(body);
    // msgid is a bare 19-digit number, as WeChat writes it: the raw text keeps it whole.
    expect(first.text).toMatch(/^\{"errcode":0,"errmsg":"ok","msgid":\d{19}\}$/);
    expect((await send({ ...body, miniprogram_state: 'trial', lang: 'en_US' })).json.errcode).toBe(0);
    expectRefusal((await send(body)).json, 43101, 'user refuse to accept the msg');
    const messages = sim.messages(openId);
    expect(messages).toEqual([
      {
        msgId: first.text.match(/\d{19}/)?.[0],
        appId: sim.apps[0].appId,
        openId,
        templateId: oneTime.templateId,
        title: '付款成功通知',
        data: { thing1: '月票', amount2: '¥99.00', time3: '2019年10月1日 15:01' },
        text: '物品名称:月票\n付款金额:¥99.00\n付款时间:2019年10月1日 15:01\n',
        page: 'pages/order/detail?id=42',
        miniprogramState: 'formal',
        lang: 'zh_CN',
        at: expect.any(Number),
      },
      expect.objectContaining({ miniprogramState: 'trial', lang: 'en_US' }),
    ]);
    expect(sim.subscriptions(openId)).toEqual([expect.objectContaining({ acceptancesLeft: 0 })]);
  });

  it('delivers any number of messages of an accepted long-term template, until it is turned off', async () => {
    const openId = login();
    const { longTerm } = starting();
    await sim.subscribe({ openId, templateIds: [longTerm.templateId] });
    const body = { touser: openId, template_id: longTerm.templateId, data: longTermData };
    for (let i = 0; i < 3; i++) expect((await send(body)).json.errcode).toBe(0);
    await sim.subscribeChange({ openId, templateId: longTerm.templateId });
    expect((await send(body)).json.errcode).toBe(43101);
    expect(sim.messages(openId)).toHaveLength(3);
  });

  it('pushes subscribe_msg_sent_event after each delivery, in JSON with the msgid as text', async () => {
    configure();
    const openId = login();
    const { oneTime } = starting();
    await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
    receiver.received.length = 0;
    await send({ touser: openId, template_id: oneTime.templateId, data: oneTimeData });
    await waitFor(() => receiver.received.length === 1);
    expect(JSON.parse(receiver.received[0].body)).toEqual({
      ToUserName: expect.stringMatching(/^gh_/),
      FromUserName: openId,
      CreateTime: expect.any(Number),
      MsgType: 'event',
      Event: 'subscribe_msg_sent_event',
      List: { TemplateId: oneTime.templateId, MsgID: sim.messages(openId)[0].msgId, ErrorCode: '0', ErrorStatus: 'success' },
    });
    configure({ encodingAesKey: DEV_PUSH.encodingAesKey, format: 'xml', mode: 'plain' });
    await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
    await send({ touser: openId, template_id: oneTime.templateId, data: oneTimeData });
    await waitFor(() => receiver.received.length === 3);
    expect(receiver.received[2].body).toContain(
      `<SubscribeMsgSentEvent><List><TemplateId><![CDATA[${oneTime.templateId}]]></TemplateId><MsgID><![CDATA[${sim.messages(openId)[1].msgId}]]></MsgID><ErrorCode>0</ErrorCode>`,
    );
  });

  it.each([
    [{ touser: undefined }, 40003, 'invalid openid'],
    [{ touser: 'oNotAUser' }, 40003, 'invalid openid'],
    [{ template_id: 'unknownTemplate' }, 40037, 'invalid template_id'],
    [{ template_id: 7 }, 40037, 'invalid template_id'],
    [{ page: 'https://example.com/x' }, 41030, 'invalid page'],
    [{ page: 'pages/a b' }, 41030, 'invalid page'],
    [{ miniprogram_state: 'release' }, 47003, 'argument invalid! miniprogram_state invalid'],
    [{ lang: 'fr_FR' }, 47003, 'argument invalid! lang invalid'],
    [{ data: 'thing1=x' }, 47003, 'argument invalid! data invalid'],
    [{ data: { thing1: { value: '月票' }, amount2: { value: '¥99.00' } } }, 47003, 'argument invalid! data.time3.value is emtpy'],
    [
      { data: { thing1: { value: '' }, amount2: { value: '¥99.00' }, time3: { value: '15:01' } } },
      47003,
      'argument invalid! data.thing1.value is emtpy',
    ],
    [
      { data: { thing1: { value: 'x'.repeat(21) }, amount2: { value: '1' }, time3: { value: '15:01' } } },
      47003,
      'argument invalid! data.thing1.value invalid',
    ],
    [
      { data: { thing1: { value: '月票' }, amount2: { value: '九十九' }, time3: { value: '15:01' } } },
      47003,
      'argument invalid! data.amount2.value invalid',
    ],
    [
      { data: { thing1: { value: '月票' }, amount2: { value: 99 }, time3: { value: 'noon' } } },
      47003,
      'argument invalid! data.time3.value invalid',
    ],
  ])('refuses %j with %i and delivers nothing', async (change, errcode, wording) => {
    const openId = login();
    const { oneTime } = starting();
    await sim.subscribe({ openId, templateIds: [oneTime.templateId] });
    expectRefusal((await send({ touser: openId, template_id: oneTime.templateId, data: oneTimeData, ...change })).json, errcode, wording);
    expect(sim.messages()).toEqual([]);
    expect(sim.subscriptions(openId)).toEqual([expect.objectContaining({ acceptancesLeft: 1 })]);
  });

  it('checks each value against its keyword type: every type of the library', async () => {
    const openId = login();
    const added = await api('POST', '/wxaapi/newtmpl/addtemplate', { body: { tid: '401', kidList: [5, 6, 7, 4] } });
    const templateId = added.json.priTmplId as string;
    const good = {
      name5: { value: '张三' },
      phone_number6: { value: '13800138000' },
      phrase7: { value: '已发货' },
      date4: { value: '2019-10-01' },
    };
    await sim.subscribe({ openId, templateIds: [templateId] });
    for (const [key, value] of [
      ['name5', 'R2D2'],
      ['phone_number6', 'call me'],
      ['phrase7', 'shipped'],
      ['date4', '15:01'],
    ]) {
      const json = (await send({ touser: openId, template_id: templateId, data: { ...good, [key]: { value } } })).json;
      expectRefusal(json, 47003, `argument invalid! data.${key}.value invalid`);
    }
    expect((await send({ touser: openId, template_id: templateId, data: { ...good, extra9: { value: 'ignored' } } })).json.errcode).toBe(0);
    expect(sim.messages(openId)[0].data).toEqual({ name5: '张三', phone_number6: '13800138000', phrase7: '已发货', date4: '2019-10-01' });
  });

  it('requires an access token, refuses a body that is not JSON, and lists and forgets messages by the control API', async () => {
    const openId = login();
    const other = login('oReceiver2');
    const { longTerm } = starting();
    expectRefusal((await api('POST', SEND, { body: {}, token: null })).json, 41001, 'access_token missing');
    expectRefusal((await api('POST', SEND, { body: 'touser=x' })).json, 47001, 'data format error');
    for (const user of [openId, other]) {
      await sim.subscribe({ openId: user, templateIds: [longTerm.templateId] });
      await send({ touser: user, template_id: longTerm.templateId, data: longTermData });
    }
    expect((await control('GET', `/__sim/messages?openId=${other}`)).json.messages).toEqual([expect.objectContaining({ openId: other })]);
    expect((await control('GET', '/__sim/messages')).json.messages).toHaveLength(2);
    expect(await control('DELETE', '/__sim/messages')).toEqual({ status: 200, json: { ok: true } });
    expect(sim.messages()).toEqual([]);
    sim.addFault({ path: SEND, errcode: 43101 });
    expect((await send({ touser: openId, template_id: longTerm.templateId, data: longTermData })).json.errcode).toBe(43101);
    expect(sim.messages()).toEqual([]);
  });
});
