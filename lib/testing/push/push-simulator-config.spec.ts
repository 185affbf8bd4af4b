import { SimulatorInputError, SIMULATOR_DEV_PUSH, WeChatSimulator } from '../index';
import { APP, DEV_PUSH, pushBench, queryNames, sha1Signature } from './push-simulator.spec-kit';

describe('WeChatSimulator (message push): configuration and URL check', () => {
  const { sim, receiver, configure, control } = pushBench();

  it('publishes development values a push configuration and the app both take', () => {
    expect(SIMULATOR_DEV_PUSH).toEqual({
      token: expect.stringMatching(/^[A-Za-z0-9]{3,32}$/),
      encodingAesKey: expect.stringMatching(/^[A-Za-z0-9]{43}$/),
    });
    expect(Object.isFrozen(SIMULATOR_DEV_PUSH)).toBe(true);
  });

  it.each([
    'http://192.0.2.1/push',
    'http://10.0.0.1/push',
    'http://0.0.0.0/push',
    'http://[::]/push',
    'http://example.com/push',
    'http://localhost.example.com/push',
    'http://127.0.0.1.nip.io/push',
    'ftp://127.0.0.1/push',
    'file:///etc/passwd',
    'not a url',
  ])('refuses to push anywhere but loopback: %s', async (url) => {
    expect(() => sim.configurePush({ url, token: DEV_PUSH.token })).toThrow(SimulatorInputError);
    const answer = await control('POST', '/__sim/pushConfig', { url, token: DEV_PUSH.token });
    expect(answer).toEqual({ status: 400, json: { error: expect.stringMatching(/^url must be an/) } });
    expect(sim.pushConfigs).toEqual([]);
  });

  it('takes loopback addresses in every spelling the URL parser knows', () => {
    for (const url of ['http://localhost:1/p', 'http://[::1]:1/p', 'http://127.1.2.3/p', 'http://2130706433/p', 'https://127.0.0.1/p']) {
      expect(sim.configurePush({ url, token: DEV_PUSH.token }).url).toBe(url);
    }
  });

  it.each([
    [{ token: 'ab' }, /token/],
    [{ token: 'has space' }, /token/],
    [{ token: 'x'.repeat(33) }, /token/],
    [{ token: 7 }, /token/],
    [{ encodingAesKey: 'short' }, /encodingAesKey/],
    [{ encodingAesKey: `${'a'.repeat(42)}+` }, /encodingAesKey/],
    [{ format: 'yaml' }, /format/],
    [{ mode: 'secret' }, /mode/],
    [{ mode: 'safe' }, /mode safe needs an encodingAesKey/],
    [{ mode: 'compatible' }, /mode compatible needs an encodingAesKey/],
    [{ url: 3 }, /url must be a string/],
    [{ appId: 'wxnobody' }, /unknown appId/],
  ])('refuses the configuration %j', async (change, error) => {
    const answer = await control('POST', '/__sim/pushConfig', { url: receiver.url(), token: DEV_PUSH.token, ...change });
    expect(answer).toEqual({ status: 400, json: { error: expect.stringMatching(error) } });
  });

  it('fills in the defaults and lets plaintext mode be chosen with a key', () => {
    expect(configure({ encodingAesKey: DEV_PUSH.encodingAesKey, mode: 'plain' })).toMatchObject({ mode: 'plain', format: 'json' });
    expect(configure({ encodingAesKey: DEV_PUSH.encodingAesKey, format: 'xml', mode: 'compatible' })).toMatchObject({
      mode: 'compatible',
      format: 'xml',
      encodingAesKey: DEV_PUSH.encodingAesKey,
    });
    expect(sim.pushConfigs).toHaveLength(1);
  });

  it('takes the push option for the first app, and checks it when the simulator is built', () => {
    const configured = new WeChatSimulator({ push: { url: receiver.url(), ...SIMULATOR_DEV_PUSH } });
    expect(configured.pushConfigs).toEqual([
      expect.objectContaining({
        appId: APP.appId,
        mode: 'safe',
        format: 'json',
        token: DEV_PUSH.token,
        encodingAesKey: DEV_PUSH.encodingAesKey,
      }),
    ]);
    expect(() => new WeChatSimulator({ push: { url: 'http://192.0.2.1/', token: DEV_PUSH.token } })).toThrow(/loopback/);
    expect(() => new WeChatSimulator({ apps: [{ ...APP, originalId: 'nope' }] })).toThrow(/originalId/);
  });

  it("makes WeChat's URL check: a signed GET whose echostr the app must echo", async () => {
    configure({ encodingAesKey: DEV_PUSH.encodingAesKey });
    const check = await sim.checkPushUrl();
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request.method).toBe('GET');
    expect(request.body).toBe('');
    expect(queryNames(request)).toEqual(['signature', 'echostr', 'timestamp', 'nonce']);
    const q = (name: string) => request.query.get(name) as string;
    expect(q('signature')).toBe(sha1Signature(DEV_PUSH.token, q('timestamp'), q('nonce')));
    expect(Math.abs(Number(q('timestamp')) - Date.now() / 1000)).toBeLessThan(5);
    expect(q('echostr')).toMatch(/^\d{19}$/);
    expect(check).toEqual({ ok: true, status: 200, body: q('echostr'), echostr: q('echostr') });
    // The URL check is no push: nothing is recorded.
    expect(sim.pushes).toEqual([]);
  });

  it('fails the URL check unless the app answers 200 with exactly the echostr', async () => {
    configure();
    receiver.fallback = (request) => ({ status: 200, body: `${request.query.get('echostr')}\n` });
    expect(await sim.checkPushUrl()).toMatchObject({ ok: false, status: 200 });
    receiver.fallback = (request) => ({ status: 201, body: request.query.get('echostr') as string });
    expect(await sim.checkPushUrl()).toMatchObject({ ok: false, status: 201 });
    receiver.fallback = () => ({ status: 200, body: 'success' });
    const answer = await control('POST', '/__sim/pushCheck', {});
    expect(answer).toEqual({ status: 200, json: { ok: false, status: 200, body: 'success', echostr: expect.stringMatching(/^\d{19}$/) } });
    receiver.reset();
    expect((await control('POST', '/__sim/pushCheck', { appId: APP.appId })).json).toMatchObject({ ok: true });
  });

  it('reports a URL check that reached no app', async () => {
    configure({ url: 'http://127.0.0.1:1/push' });
    expect(await sim.checkPushUrl()).toEqual({
      ok: false,
      status: 0,
      body: '',
      echostr: expect.any(String),
      error: expect.stringMatching(/ECONNREFUSED/),
    });
  });
});
