import { APP, expectRefusal, subscribeBench, waitFor } from '../subscribe/subscribe-simulator.spec-kit';

const OTHER = { appId: 'wxsecurityother01', appSecret: 'othersecuritysecret0000000000001' };
const TRACE_ID = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

describe('WeChatSimulator (content security)', () => {
  const { sim, api, accessToken, control, configure, receiver } = subscribeBench({ apps: [APP, OTHER], timeScale: 0.01 });
  const login = (openId = 'oAuthor1') => sim.login({ openId }).openId;
  const checkText = (body: Record<string, unknown>) => api('POST', '/wxa/msg_sec_check', { body: { version: 2, scene: 2, ...body } });
  const checkMedia = (body: Record<string, unknown>) =>
    api('POST', '/wxa/media_check_async', {
      body: { version: 2, scene: 1, media_type: 2, media_url: 'https://cdn.example.com/a.png', ...body },
    });

  it('passes every text until told otherwise, answering as WeChat does, and records the check', async () => {
    const openid = login();
    const { json } = await checkText({ openid, content: 'hello world!' });
    expect(json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      detail: [
        { strategy: 'content_model', errcode: 0, suggest: 'pass', label: 100, prob: 90 },
        { strategy: 'keyword', errcode: 0 },
      ],
      trace_id: expect.stringMatching(TRACE_ID),
      result: { suggest: 'pass', label: 100 },
    });
    expect(sim.securityChecks()).toEqual([
      {
        kind: 'text',
        traceId: json.trace_id,
        appId: APP.appId,
        openId: openid,
        scene: 2,
        content: 'hello world!',
        suggest: 'pass',
        label: 100,
        errcode: 0,
        at: expect.any(Number),
      },
    ]);
  });

  it('gives the scripted verdicts: the first rule found in the content, title or nickname (the signature in profiles only)', async () => {
    const openid = login();
    const set = await control('POST', '/__sim/securityVerdicts', {
      text: [
        { contains: '广告', suggest: 'review', label: 10001 },
        { contains: '辱骂', suggest: 'risky' },
      ],
    });
    expect(set).toEqual({
      status: 200,
      json: {
        text: [
          { contains: '广告', suggest: 'review', label: 10001 },
          { contains: '辱骂', suggest: 'risky', label: 21000 },
        ],
        media: [],
        delayMs: 1000,
      },
    });
    const verdict = async (body: Record<string, unknown>) => (await checkText({ openid, content: '正文', ...body })).json.result;
    expect(await verdict({ title: '有辱骂' })).toEqual({ suggest: 'risky', label: 21000 });
    expect(await verdict({ content: '广告与辱骂' })).toEqual({ suggest: 'review', label: 10001 });
    expect(await verdict({ nickname: '辱骂者' })).toEqual({ suggest: 'risky', label: 21000 });
    expect(await verdict({ signature: '辱骂' })).toEqual({ suggest: 'pass', label: 100 });
    expect(await verdict({ scene: 1, signature: '辱骂' })).toEqual({ suggest: 'risky', label: 21000 });
    expect(sim.securityVerdicts.text).toHaveLength(2);
    sim.reset();
    expect(sim.securityVerdicts).toEqual({ text: [], media: [], delayMs: 1000 });
    expect(sim.securityChecks()).toEqual([]);
  });

  it("answers WeChat's errcodes in order: body, format, scene, user; and the access token and faults as every route", async () => {
    const openid = login();
    sim.login({ appId: OTHER.appId, openId: 'oOfTheOtherApp' });
    expectRefusal((await api('POST', '/wxa/msg_sec_check', { body: '' })).json, 44002, 'empty post data');
    expect((await api('POST', '/wxa/msg_sec_check', { body: '[1]' })).json.errcode).toBe(47001);
    expect((await checkText({ openid, content: 'x', version: 1 })).json.errcode).toBe(47001);
    expect((await checkText({ content: 'x' })).json.errcode).toBe(47001);
    expect((await checkText({ openid, content: '' })).json.errcode).toBe(47001);
    expect((await checkText({ openid, content: '字'.repeat(2501) })).json.errcode).toBe(47001);
    expect((await checkText({ openid, content: 'x', title: 1 })).json.errcode).toBe(47001);
    expectRefusal((await checkText({ openid, content: 'x', scene: 5 })).json, 40129, 'invalid scene');
    expectRefusal((await checkText({ openid: 'oOfTheOtherApp', content: 'x' })).json, 43104, 'The openid does not match the appid');
    expectRefusal((await checkText({ openid: 'oNobody', content: 'x' })).json, 40003, 'invalid openid');
    expect((await checkText({ openid, content: '字'.repeat(2500) })).json.errcode).toBe(0);
    expect((await api('POST', '/wxa/msg_sec_check', { body: { version: 2 }, token: null })).json.errcode).toBe(41001);
    expect((await api('GET', '/wxa/msg_sec_check')).json.errcode).toBe(43002);
    sim.addFault({ path: '/wxa/media_check_async', errcode: 61010, errmsg: 'code is expired' });
    expect((await checkMedia({ openid })).json).toEqual({ errcode: 61010, errmsg: 'code is expired' });
    expectRefusal((await checkMedia({ openid, media_type: 3 })).json, 40004, 'invalid media type');
    expect(sim.securityChecks()).toHaveLength(1);
  });

  it('pushes the media verdict after the delay as wxa_media_check, scripted by URL', async () => {
    configure();
    const openid = login();
    await control('POST', '/__sim/securityVerdicts', {
      media: [{ urlContains: '/nsfw/', suggest: 'risky', label: 20002 }],
      delayMs: 50_000,
    });
    const started = Date.now();
    const { json } = await checkMedia({ openid, media_url: 'https://cdn.example.com/nsfw/a.png', scene: 3 });
    expect(json).toEqual({ errcode: 0, errmsg: 'ok', trace_id: expect.stringMatching(TRACE_ID) });
    expect(receiver.received).toHaveLength(0);
    await waitFor(() => receiver.received.length === 1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(450); // 50 s at time scale 0.01: long enough that the answer comes first on a busy machine
    expect(JSON.parse(receiver.received[0].body)).toEqual({
      ToUserName: expect.stringMatching(/^gh_/),
      FromUserName: openid,
      CreateTime: expect.any(Number),
      MsgType: 'event',
      Event: 'wxa_media_check',
      appid: APP.appId,
      trace_id: json.trace_id,
      version: 2,
      detail: [{ strategy: 'content_model', errcode: 0, suggest: 'risky', label: 20002, prob: 90 }],
      errcode: 0,
      errmsg: 'ok',
      result: { suggest: 'risky', label: 20002 },
    });
    await waitFor(() => sim.securityChecks()[0]?.pushId !== undefined);
    const [check] = (await control('GET', '/__sim/securityChecks')).json.checks;
    expect(check).toEqual({
      kind: 'media',
      traceId: json.trace_id,
      appId: APP.appId,
      openId: openid,
      scene: 3,
      mediaUrl: 'https://cdn.example.com/nsfw/a.png',
      mediaType: 2,
      suggest: 'risky',
      label: 20002,
      errcode: 0,
      at: expect.any(Number),
      pushAt: check.at + 50_000,
      pushId: sim.pushes[0].id,
    });
    expect(sim.pushes[0]).toMatchObject({ acknowledged: true, kind: 'genuine' });
  });

  it('pushes a failure (-1008) for media WeChat cannot download, or as scripted; pushes nothing without a push configured', async () => {
    // The other app never has a push configured.
    const other = sim.login({ appId: OTHER.appId, openId: 'oOfTheOtherApp' }).openId;
    const token = await accessToken(OTHER.appId, OTHER.appSecret);
    const inOther = (body: Record<string, unknown>) =>
      api('POST', '/wxa/media_check_async', { token, body: { version: 2, scene: 1, openid: other, media_type: 2, ...body } });
    sim.setSecurityVerdicts({ media: [{ urlContains: 'broken', errcode: -1008 }], delayMs: 0 });
    await inOther({ media_url: 'https://cdn.example.com/broken.mp3', media_type: 1 });
    await inOther({ media_url: 'wxfile://tmp_abc.png' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(sim.securityChecks().map(({ suggest, label, errcode, pushId }) => ({ suggest, label, errcode, pushId }))).toEqual([
      { suggest: null, label: null, errcode: -1008, pushId: undefined },
      { suggest: null, label: null, errcode: -1008, pushId: undefined },
    ]);
    configure({ format: 'xml' });
    await checkMedia({ openid: login(), media_url: 'broken' });
    await waitFor(() => receiver.received.length === 1);
    expect(receiver.received[0].body).toContain('<errcode>-1008</errcode>');
    expect(receiver.received[0].body).not.toContain('<result>');
    sim.clearSecurityChecks();
    expect((await control('DELETE', '/__sim/securityChecks')).json).toEqual({ ok: true });
    expect(sim.securityChecks()).toEqual([]);
  });

  it('refuses rules that are not ones', async () => {
    for (const [body, error] of [
      [{ text: [{ contains: '', suggest: 'risky' }] }, 'text[0].contains must be a non-empty string of at most 1000 characters'],
      [{ text: [{ contains: 'x', suggest: 'block' }] }, 'text[0].suggest must be pass, review or risky'],
      [
        { media: [{ urlContains: 'x', errcode: -1008, suggest: 'pass' }] },
        'media[0] has an errcode: a failed check has no suggest or label',
      ],
      [{ media: [{ urlContains: 'x' }] }, 'media[0].suggest must be pass, review or risky'],
      [{ media: {} }, 'media must be an array of rule objects'],
      [{ delayMs: -1 }, 'delayMs must be a number from 0 to 1800000'],
      [{ rules: [] }, 'unknown fields: rules'],
    ] as const) {
      expect(await control('POST', '/__sim/securityVerdicts', body)).toEqual({ status: 400, json: { error } });
    }
    expect((await control('GET', '/__sim/securityVerdicts')).json).toEqual({ text: [], media: [], delayMs: 1000 });
  });
});
