import { APP, DEV_PUSH, encryptOf, independentDecrypt, pushBench, queryNames, sha1Signature } from './push-simulator.spec-kit';
import type { Received } from './push-simulator.spec-kit';

const OTHER = { appId: 'wxpushother00001', appSecret: 'otherpushsecret', originalId: 'gh_0123456789ab' };
const TEXT = { MsgType: 'text', Content: '你好 <b>&', MsgId: 1234567890123456 };

/** Checks the plaintext-mode query of a push independently and returns it. */
function expectPlainQuery(request: Received, openId: string) {
  expect(queryNames(request)).toEqual(['signature', 'timestamp', 'nonce', 'openid']);
  const timestamp = request.query.get('timestamp') as string;
  const nonce = request.query.get('nonce') as string;
  expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(5);
  expect(nonce).toMatch(/^\d{10}$/);
  expect(request.query.get('signature')).toBe(sha1Signature(DEV_PUSH.token, timestamp, nonce));
  expect(request.query.get('openid')).toBe(openId);
  return { timestamp, nonce };
}

/** Checks the encrypted-mode query of a push independently and decrypts its `Encrypt` independently. */
function expectEncrypted(request: Received, openId: string) {
  expect(queryNames(request)).toEqual(['signature', 'timestamp', 'nonce', 'openid', 'encrypt_type', 'msg_signature']);
  const timestamp = request.query.get('timestamp') as string;
  const nonce = request.query.get('nonce') as string;
  expect(request.query.get('signature')).toBe(sha1Signature(DEV_PUSH.token, timestamp, nonce));
  expect(request.query.get('openid')).toBe(openId);
  expect(request.query.get('encrypt_type')).toBe('aes');
  const encrypt = encryptOf(request.body);
  expect(request.query.get('msg_signature')).toBe(sha1Signature(DEV_PUSH.token, timestamp, nonce, encrypt));
  const decrypted = independentDecrypt(DEV_PUSH.encodingAesKey, encrypt);
  expect(decrypted.appId).toBe(APP.appId);
  return decrypted;
}

describe('WeChatSimulator (message push): modes and formats', () => {
  const { sim, receiver, configure, control } = pushBench({ apps: [APP, OTHER] });

  it('pushes a plaintext JSON message, signed, to the configured URL, and reports it', async () => {
    const settings = configure();
    expect(settings).toEqual({
      appId: APP.appId,
      originalId: expect.stringMatching(/^gh_[0-9a-f]{12}$/),
      url: receiver.url(),
      token: DEV_PUSH.token,
      format: 'json',
      mode: 'plain',
    });
    // Configuring a push gives the app an original id, the same every run.
    expect(sim.apps[0].originalId).toBe(settings.originalId);
    const before = Math.floor(Date.now() / 1000);
    const [push] = await sim.push({ openId: 'oUser1', message: TEXT });
    expect(receiver.received).toHaveLength(1);
    const request = receiver.received[0];
    expect(request).toMatchObject({ method: 'POST', path: '/miniprogram_auth/wechatPush' });
    expect(request.headers['content-type']).toBe('application/json');
    expectPlainQuery(request, 'oUser1');
    const body = JSON.parse(request.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Content', 'MsgId']);
    expect(body).toEqual({ ...TEXT, ToUserName: settings.originalId, FromUserName: 'oUser1', CreateTime: expect.any(Number) });
    expect(body.CreateTime).toBeGreaterThanOrEqual(before);
    expect(push).toEqual({
      id: expect.any(String),
      appId: APP.appId,
      kind: 'genuine',
      message: body,
      format: 'json',
      mode: 'plain',
      url: receiver.url(),
      acknowledged: true,
      attempts: [{ at: expect.any(Number), status: 200, body: 'success' }],
      done: true,
      refused: false,
    });
    expect(sim.pushes).toEqual([push]);
    expect((await control('GET', '/__sim/pushes')).json).toEqual({ pushes: [push] });
    expect(await control('DELETE', '/__sim/pushes')).toEqual({ status: 200, json: { ok: true } });
    expect(sim.pushes).toEqual([]);
  });

  it("writes WeChat's XML: CDATA text, bare numbers, nested elements, repeated elements", async () => {
    configure({ format: 'xml' });
    const message = {
      FromUserName: 'oUser2',
      CreateTime: 1700000000,
      MsgType: 'event',
      Event: 'subscribe_msg_popup_event',
      Note: 'a ]]> inside',
      SubscribeMsgPopupEvent: {
        List: [
          { TemplateId: 'T1', SubscribeStatusString: 'accept', PopupScene: 2 },
          { TemplateId: 'T2', SubscribeStatusString: 'reject', PopupScene: 2 },
        ],
      },
    };
    const [push] = await sim.push({ message });
    const request = receiver.received[0];
    expect(request.headers['content-type']).toBe('text/xml');
    expectPlainQuery(request, 'oUser2');
    const to = sim.pushConfigs[0].originalId;
    expect(request.body).toBe(
      `<xml><ToUserName><![CDATA[${to}]]></ToUserName><FromUserName><![CDATA[oUser2]]></FromUserName>` +
        '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType>' +
        '<Event><![CDATA[subscribe_msg_popup_event]]></Event><Note><![CDATA[a ]]]]><![CDATA[> inside]]></Note>' +
        '<SubscribeMsgPopupEvent>' +
        '<List><TemplateId><![CDATA[T1]]></TemplateId><SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List>' +
        '<List><TemplateId><![CDATA[T2]]></TemplateId><SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List>' +
        '</SubscribeMsgPopupEvent></xml>',
    );
    expect(push).toMatchObject({ format: 'xml', mode: 'plain', acknowledged: true, message: { ...message, ToUserName: to } });
  });

  it('encrypts in safe mode (the default with a key): ToUserName and Encrypt only, for the app, signed twice', async () => {
    const settings = configure({ encodingAesKey: DEV_PUSH.encodingAesKey });
    expect(settings.mode).toBe('safe');
    const [push] = await sim.push({ openId: 'oUser3', message: TEXT });
    const request = receiver.received[0];
    expect(request.headers['content-type']).toBe('application/json');
    const body = JSON.parse(request.body) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['ToUserName', 'Encrypt']);
    expect(body.ToUserName).toBe(settings.originalId);
    const decrypted = expectEncrypted(request, 'oUser3');
    expect(JSON.parse(decrypted.message)).toEqual(push.message);
    expect(push.message).toMatchObject({ ...TEXT, FromUserName: 'oUser3', ToUserName: settings.originalId });
    expect(push).toMatchObject({ mode: 'safe', format: 'json', acknowledged: true });
    // Another push of the same message: fresh random bytes, so another ciphertext.
    await sim.push({ openId: 'oUser3', message: TEXT });
    const again = independentDecrypt(DEV_PUSH.encodingAesKey, encryptOf(receiver.received[1].body));
    expect(again.random.equals(decrypted.random)).toBe(false);
  });

  it('encrypts the XML of the message in a safe-mode XML envelope', async () => {
    const settings = configure({ encodingAesKey: DEV_PUSH.encodingAesKey, format: 'xml' });
    await sim.push({ openId: 'oUser4', message: { MsgType: 'event', Event: 'user_enter_tempsession', CreateTime: 1700000001 } });
    const request = receiver.received[0];
    expect(request.headers['content-type']).toBe('text/xml');
    const encrypt = encryptOf(request.body);
    expect(request.body).toBe(
      `<xml><ToUserName><![CDATA[${settings.originalId}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    );
    expect(expectEncrypted(request, 'oUser4').message).toBe(
      `<xml><ToUserName><![CDATA[${settings.originalId}]]></ToUserName><FromUserName><![CDATA[oUser4]]></FromUserName>` +
        '<CreateTime>1700000001</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[user_enter_tempsession]]></Event></xml>',
    );
  });

  it.each(['json', 'xml'] as const)('sends the plaintext fields and Encrypt together in compatible mode (%s)', async (format) => {
    configure({ encodingAesKey: DEV_PUSH.encodingAesKey, format, mode: 'compatible' });
    const [push] = await sim.push({ openId: 'oUser5', message: { MsgType: 'text', Content: 'hi', CreateTime: 1700000002 } });
    const request = receiver.received[0];
    const decrypted = expectEncrypted(request, 'oUser5');
    const plain = `<ToUserName><![CDATA[${push.message.ToUserName}]]></ToUserName><FromUserName><![CDATA[oUser5]]></FromUserName><CreateTime>1700000002</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>`;
    if (format === 'json') {
      expect(JSON.parse(request.body)).toEqual({ ...push.message, Encrypt: encryptOf(request.body) });
      expect(JSON.parse(decrypted.message)).toEqual(push.message);
    } else {
      expect(request.body).toBe(`<xml>${plain}<Encrypt><![CDATA[${encryptOf(request.body)}]]></Encrypt></xml>`);
      expect(decrypted.message).toBe(`<xml>${plain}</xml>`);
    }
    expect(push).toMatchObject({ mode: 'compatible', format, acknowledged: true });
  });

  it('takes FromUserName and ToUserName from the message, and leaves openid out without a user string', async () => {
    configure();
    await sim.push({ openId: 'oIgnored', message: { MsgType: 'event', FromUserName: 'oGiven', ToUserName: 'gh_given' } });
    expect(receiver.received[0].query.get('openid')).toBe('oGiven');
    expect(JSON.parse(receiver.received[0].body)).toMatchObject({ FromUserName: 'oGiven', ToUserName: 'gh_given' });
    await sim.push({ message: { MsgType: 'event', FromUserName: 7 } });
    expect(queryNames(receiver.received[1])).toEqual(['signature', 'timestamp', 'nonce']);
  });

  it('pushes over the control API and sets the configuration there', async () => {
    const config = await control('POST', '/__sim/pushConfig', { url: receiver.url('/p?x=1'), token: DEV_PUSH.token, format: 'xml' });
    expect(config).toEqual({ status: 200, json: expect.objectContaining({ appId: APP.appId, format: 'xml', mode: 'plain' }) });
    expect((await control('GET', '/__sim/pushConfig')).json).toEqual({ configs: [config.json] });
    const answer = await control('POST', '/__sim/push', { openId: 'oUser6', message: { MsgType: 'text', Content: 'x' } });
    expect(answer).toEqual({ status: 200, json: { pushes: [expect.objectContaining({ kind: 'genuine', acknowledged: true })] } });
    // The signed query joins the URL's own.
    expect(receiver.received[0].path).toBe('/p');
    expect(queryNames(receiver.received[0])).toEqual(['x', 'signature', 'timestamp', 'nonce', 'openid']);
  });

  it.each([
    [{ openId: 'o1', message: { Content: 'no type' } }, /MsgType/],
    [{ message: { MsgType: 'text' } }, /FromUserName or openId/],
    [{ openId: 'o1', message: 'text' }, /message must be an object/],
    [{ openId: 'o1', message: { MsgType: 'text', 'bad name': 'x' } }, /not a field name/],
    [{ openId: 'o1', message: { MsgType: 'text', Content: null } }, /message.Content must be/],
    [{ openId: 'o1', message: { MsgType: 'text', List: [[1]] } }, /message.List must be/],
    [{ openId: 'o1', message: { MsgType: 'text', N: Number.NaN } }, /message.N must be/],
    [{ openId: 'bad id!', message: { MsgType: 'text' } }, /openId/],
    [{ openId: 'o1', message: { MsgType: 'text' }, kind: 'bogus' }, /kind must be one of/],
    [{ openId: 'o1', message: { MsgType: 'text' }, copies: 0 }, /copies/],
    [{ appId: 'wxunknown', openId: 'o1', message: { MsgType: 'text' } }, /unknown appId/],
  ])('refuses bad input %j', async (input, error) => {
    configure();
    await expect(sim.push(input as never)).rejects.toMatchObject({
      name: 'SimulatorInputError',
      status: 400,
      message: expect.stringMatching(error),
    });
    expect(receiver.received).toEqual([]);
  });

  it("answers 409 while the app has no push configured, and pushes another app's with its own original id", async () => {
    const answer = await control('POST', '/__sim/push', { appId: OTHER.appId, openId: 'o1', message: { MsgType: 'text' } });
    expect(answer).toEqual({ status: 409, json: { error: expect.stringMatching(/no message push configured/) } });
    expect(await control('POST', '/__sim/pushCheck', { appId: OTHER.appId })).toMatchObject({ status: 409 });
    sim.configurePush({ url: receiver.url('/other'), token: 'otherToken' }, OTHER.appId);
    const [push] = await sim.push({ appId: OTHER.appId, openId: 'o1', message: { MsgType: 'text' } });
    expect(push).toMatchObject({ appId: OTHER.appId, message: { ToUserName: OTHER.originalId }, acknowledged: true });
    const request = receiver.received[0];
    expect(request.path).toBe('/other');
    const [timestamp, nonce] = [request.query.get('timestamp') as string, request.query.get('nonce') as string];
    expect(request.query.get('signature')).toBe(sha1Signature('otherToken', timestamp, nonce));
  });
});
