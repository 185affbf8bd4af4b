import { APP, expectRefusal, subscribeBench } from './subscribe-simulator.spec-kit';

const OTHER = { appId: 'wxsubscribeother1', appSecret: 'othersubscribesecret000000000001' };

describe('WeChatSimulator (subscribe messages): templates', () => {
  const { sim, api, accessToken, starting, control } = subscribeBench({ apps: [APP, OTHER] });

  it('gives every app two starting templates, the same every run, listed by gettemplate', async () => {
    const { oneTime, longTerm } = starting();
    expect(oneTime).toEqual({
      appId: APP.appId,
      templateId: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      tid: 99,
      title: '付款成功通知',
      content: '物品名称:{{thing1.DATA}}\n付款金额:{{amount2.DATA}}\n付款时间:{{time3.DATA}}\n',
      example: '物品名称:月票\n付款金额:¥99.00\n付款时间:2019年10月1日 15:01\n',
      type: 2,
      kind: 'one-time',
      kidList: [1, 2, 3],
    });
    expect(longTerm).toMatchObject({ tid: 1002, type: 3, kind: 'long-term', content: expect.stringContaining('{{car_number1.DATA}}') });
    expect(sim.subscribeTemplates(OTHER.appId).map((t) => t.templateId)).not.toContain(oneTime.templateId);
    const listed = await api('GET', '/wxaapi/newtmpl/gettemplate');
    expect(listed.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      data: [oneTime, longTerm].map((t) => ({
        priTmplId: t.templateId,
        title: t.title,
        content: t.content,
        example: t.example,
        type: t.type,
      })),
    });
    expect((await control('GET', '/__sim/subscribeTemplates')).json).toEqual({ templates: [oneTime, longTerm] });
    expect((await control('GET', `/__sim/subscribeTemplates?appId=${OTHER.appId}`)).json.templates).toHaveLength(2);
  });

  it('lists the categories, their public titles page by page, and the keywords of a title', async () => {
    expect((await api('GET', '/wxaapi/newtmpl/getcategory')).json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      data: [
        { id: 2, name: '快递、物流' },
        { id: 616, name: '公交' },
      ],
    });
    const page = await api('GET', '/wxaapi/newtmpl/getpubtemplatetitles', { query: { ids: '2,616', start: '1', limit: '2' } });
    expect(page.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      count: 4,
      data: [
        { tid: 401, title: '订单发货提醒', type: 2, categoryId: '2' },
        { tid: 1002, title: '车辆出站提醒', type: 3, categoryId: '616' },
      ],
    });
    const keywords = await api('GET', '/wxaapi/newtmpl/getpubtemplatekeywords', { query: { tid: '99' } });
    expect(keywords.json).toMatchObject({
      errcode: 0,
      count: 6,
      data: expect.arrayContaining([{ kid: 1, name: '物品名称', example: '月票', rule: 'thing' }]),
    });
  });

  it.each([
    [{ start: '0', limit: '1' }, 200018, 'missing parameter ids'],
    [{ ids: '"2,616"', start: '0', limit: '1' }, 200019, 'invalid parameter ids'],
    [{ ids: '999', start: '0', limit: '1' }, 200019, 'invalid parameter ids'],
    [{ ids: '2', start: '-1', limit: '1' }, 200016, 'invalid parameter start'],
    [{ ids: '2', limit: '1' }, 200016, 'invalid parameter start'],
    [{ ids: '2', start: '0', limit: '31' }, 200017, 'invalid parameter limit'],
    [{ ids: '2', start: '0', limit: '0' }, 200017, 'invalid parameter limit'],
  ])('refuses the titles query %j with %i', async (query, errcode, wording) => {
    expectRefusal((await api('GET', '/wxaapi/newtmpl/getpubtemplatetitles', { query })).json, errcode, wording);
  });

  it('adds a template of chosen keywords (or the fixed ones), and deletes it', async () => {
    const added = await api('POST', '/wxaapi/newtmpl/addtemplate', { body: { tid: '401', kidList: [7, 1, 5], sceneDesc: '发货通知' } });
    expect(added.json).toEqual({ errcode: 0, errmsg: 'ok', priTmplId: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    const template = sim.subscribeTemplates().find((t) => t.templateId === added.json.priTmplId);
    expect(template).toMatchObject({
      tid: 401,
      kind: 'one-time',
      content: '状态:{{phrase7.DATA}}\n订单号:{{character_string1.DATA}}\n收货人:{{name5.DATA}}\n',
      kidList: [7, 1, 5],
      sceneDesc: '发货通知',
    });
    const fixed = await api('POST', '/wxaapi/newtmpl/addtemplate', { body: { tid: 10000123, kidList: [] } });
    expect(sim.subscribeTemplates().find((t) => t.templateId === fixed.json.priTmplId)?.content).toBe(
      '取件码:{{character_string1.DATA}}\n取件地点:{{thing2.DATA}}\n截止日期:{{date3.DATA}}\n',
    );
    expect((await api('POST', '/wxaapi/newtmpl/deltemplate', { body: { priTmplId: added.json.priTmplId } })).json).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    expect(sim.subscribeTemplates()).toHaveLength(3);
    expectRefusal(
      (await api('POST', '/wxaapi/newtmpl/deltemplate', { body: { priTmplId: added.json.priTmplId } })).json,
      20002,
      'invalid priTmplId',
    );
    sim.reset();
    expect(sim.subscribeTemplates()).toHaveLength(2);
  });

  it.each([
    [{ tid: '12345', kidList: [1, 2] }, 200014, 'tid does not exist'],
    [{ tid: 'abc', kidList: [1, 2] }, 200014, 'tid does not exist'],
    [{ tid: '99', kidList: [1] }, 200020, 'invalid parameter kidList'],
    [{ tid: '99', kidList: [1, 2, 3, 4, 5, 6] }, 200020, 'invalid parameter kidList'],
    [{ tid: '99', kidList: [1, 1] }, 200020, 'invalid parameter kidList'],
    [{ tid: '99', kidList: [1, 9] }, 200020, 'invalid parameter kidList'],
    [{ tid: '99', kidList: '1,2' }, 200020, 'invalid parameter kidList'],
    [{ tid: '10000123', kidList: [1, 2] }, 200020, 'invalid parameter kidList'],
    [{ tid: '99', kidList: [1, 2], sceneDesc: '一二三四五六七八九十一二三四五六' }, 200021, 'invalid parameter sceneDesc'],
  ])('refuses to add %j with %i', async (body, errcode, wording) => {
    expectRefusal((await api('POST', '/wxaapi/newtmpl/addtemplate', { body })).json, errcode, wording);
    expect(sim.subscribeTemplates()).toHaveLength(2);
  });

  it('refuses more than 25 templates (200012), a body that is not JSON (47001) and an unknown title (200014)', async () => {
    const token = await accessToken();
    for (let i = 0; i < 23; i++) await api('POST', '/wxaapi/newtmpl/addtemplate', { body: { tid: '99', kidList: [1, 2] }, token });
    expect(sim.subscribeTemplates()).toHaveLength(25);
    expectRefusal(
      (await api('POST', '/wxaapi/newtmpl/addtemplate', { body: { tid: '99', kidList: [1, 2] }, token })).json,
      200012,
      'private template count reach limit',
    );
    expectRefusal(
      (await api('POST', '/wxaapi/newtmpl/addtemplate', { body: 'tid=99&kidList=1&kidList=2', token })).json,
      47001,
      'data format error',
    );
    expectRefusal(
      (await api('GET', '/wxaapi/newtmpl/getpubtemplatekeywords', { query: { tid: '7' }, token })).json,
      200014,
      'tid does not exist',
    );
  });

  it("requires an access token, answers for the token's app, and takes faults like every route", async () => {
    expectRefusal((await api('GET', '/wxaapi/newtmpl/gettemplate', { token: null })).json, 41001, 'access_token missing');
    expectRefusal(
      (await api('GET', '/wxaapi/newtmpl/getcategory', { token: 'forged' })).json,
      40001,
      'invalid credential, access_token is invalid or not latest',
    );
    const other = await api('GET', '/wxaapi/newtmpl/gettemplate', { token: await accessToken(OTHER.appId, OTHER.appSecret) });
    expect(other.json.data.map((t: { priTmplId: string }) => t.priTmplId)).toEqual(
      sim.subscribeTemplates(OTHER.appId).map((t) => t.templateId),
    );
    sim.addFault({ path: '/wxaapi/newtmpl/gettemplate', errcode: -1 });
    const token = await accessToken();
    expect((await api('GET', '/wxaapi/newtmpl/gettemplate', { token })).json).toMatchObject({ errcode: -1 });
    expect((await api('GET', '/wxaapi/newtmpl/gettemplate', { token })).json).toMatchObject({ errcode: 0 });
    expect(sim.calls.filter((call) => call.path === '/wxaapi/newtmpl/gettemplate').map((call) => call.appId)).toContain(APP.appId);
  });
});
