import { createDecipheriv, createHash, createHmac } from 'node:crypto';
import { SIMULATOR_DEV_APP, WeChatSimulator } from './index';

/** Answers of the simulator, read without trusting its types. */
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const APP = SIMULATOR_DEV_APP;
const OTHER_APP = { appId: 'wxothersimulator02', appSecret: 'othersimulatorsecret000000000002' };

describe('WeChatSimulator (mini program side)', () => {
  const sim = new WeChatSimulator({ apps: [APP, OTHER_APP] });
  let base: string;

  beforeAll(async () => {
    base = await sim.start();
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());
  afterEach(() => jest.restoreAllMocks());

  async function get(path: string, query: Record<string, string> = {}): Promise<{ status: number; json: Json; type: string | null }> {
    const url = new URL(path, base);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const res = await fetch(url);
    return { status: res.status, json: (await res.json()) as Json, type: res.headers.get('content-type') };
  }

  async function post(path: string, body: unknown, raw = false): Promise<{ status: number; json: Json }> {
    const res = await fetch(new URL(path, base), {
      method: 'POST',
      headers: { 'content-type': raw ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: raw ? String(body) : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Json };
  }

  async function simLogin(input: Json = {}): Promise<Json> {
    const res = await post('/__sim/login', input);
    expect(res.status).toBe(200);
    return res.json;
  }

  function code2session(code: string, overrides: Record<string, string> = {}) {
    return get('/sns/jscode2session', {
      appid: APP.appId,
      secret: APP.appSecret,
      js_code: code,
      grant_type: 'authorization_code',
      ...overrides,
    });
  }

  async function stableToken(body: Json = {}): Promise<Json> {
    const res = await post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: APP.appId,
      secret: APP.appSecret,
      ...body,
    });
    expect(res.status).toBe(200);
    return res.json;
  }

  function expectError(json: Json, errcode: number, wording: string): void {
    expect(json.errcode).toBe(errcode);
    expect(json.errmsg).toMatch(new RegExp(`^${wording}, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`));
  }

  function checkSignature(sessionKey: string): string {
    return createHmac('sha256', sessionKey).update('').digest('hex');
  }

  /** Moves the clock `Date.now()` of the in-process simulator forward. */
  function advanceClock(ms: number): void {
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
  }

  describe('control basics', () => {
    it('answers health, apps and url', async () => {
      expect(sim.url).toBe(base);
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await get('/__sim/health')).json).toEqual({ ok: true });
      expect((await get('/__sim/apps')).json).toEqual({ apps: [APP, OTHER_APP] });
    });

    it('throws from url before start', () => {
      expect(() => new WeChatSimulator().url).toThrow(/not started/);
    });
  });

  describe('login and jscode2session', () => {
    it('exchanges a code for the openid and the session key of the login, once', async () => {
      const login = await simLogin();
      expect(login.openId).toMatch(/^o[A-Za-z0-9_-]{27}$/);
      expect(login.appId).toBe(APP.appId);
      expect(Buffer.from(login.sessionKey, 'base64')).toHaveLength(16);
      expect(login).not.toHaveProperty('unionId');

      const first = await code2session(login.code);
      expect(first.status).toBe(200);
      expect(first.type).toMatch(/^application\/json/);
      expect(first.json).toEqual({ openid: login.openId, session_key: login.sessionKey });
      expect(sim.session(login.openId)).toEqual({ sessionKey: login.sessionKey });

      const second = await code2session(login.code);
      expect(second.status).toBe(200);
      expectError(second.json, 40163, 'code been used');
    });

    it('keeps the openid and returns the unionid once given', async () => {
      const first = await simLogin({ openId: 'oFixedUser_1', unionId: 'uUnion_1' });
      expect(first).toMatchObject({ openId: 'oFixedUser_1', unionId: 'uUnion_1' });
      const again = await simLogin({ openId: 'oFixedUser_1' });
      expect(again.unionId).toBe('uUnion_1');
      expect((await code2session(again.code)).json).toEqual({
        openid: 'oFixedUser_1',
        session_key: again.sessionKey,
        unionid: 'uUnion_1',
      });
      const conflict = await post('/__sim/login', { openId: 'oFixedUser_1', unionId: 'uOther' });
      expect(conflict.status).toBe(400);
    });

    it('rotates the session key on every login', async () => {
      const first = await simLogin({ openId: 'oRotating' });
      const second = await simLogin({ openId: 'oRotating' });
      expect(second.sessionKey).not.toBe(first.sessionKey);
      expect(sim.session('oRotating')).toEqual({ sessionKey: second.sessionKey });
      // Each code carries the key current when it was issued.
      expect((await code2session(first.code)).json.session_key).toBe(first.sessionKey);
      expect((await code2session(second.code)).json.session_key).toBe(second.sessionKey);
    });

    it('checks appid, secret, grant_type and code', async () => {
      const login = await simLogin();
      expectError((await code2session(login.code, { appid: 'wxunknown' })).json, 40013, 'invalid appid');
      expectError((await code2session(login.code, { secret: `${APP.appSecret}x` })).json, 40125, 'invalid appsecret');
      expectError((await code2session(login.code, { secret: OTHER_APP.appSecret })).json, 40125, 'invalid appsecret');
      expectError((await code2session(login.code, { grant_type: 'client_credential' })).json, 40002, 'invalid grant_type');
      expectError((await code2session('', {})).json, 41008, 'missing code');
      expectError((await code2session('nosuchcode')).json, 40029, 'invalid code');
      // A code belongs to the app it was issued for.
      expectError((await code2session(login.code, { appid: OTHER_APP.appId, secret: OTHER_APP.appSecret })).json, 40029, 'invalid code');
      // None of the failures above used the code up.
      expect((await code2session(login.code)).json.openid).toBe(login.openId);
    });

    it('expires codes after codeTtlSeconds', async () => {
      const login = await simLogin();
      advanceClock(300_000 + 1);
      expectError((await code2session(login.code)).json, 40029, 'invalid code');
    });

    it('accepts codes until just before expiry', async () => {
      const login = await simLogin();
      advanceClock(299_000);
      expect((await code2session(login.code)).json.openid).toBe(login.openId);
    });

    it('logs in for another app and rejects unknown apps', async () => {
      const login = await simLogin({ appId: OTHER_APP.appId });
      expect(login.appId).toBe(OTHER_APP.appId);
      const res = await code2session(login.code, { appid: OTHER_APP.appId, secret: OTHER_APP.appSecret });
      expect(res.json.openid).toBe(login.openId);
      const bad = await post('/__sim/login', { appId: 'wxnope' });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatch(/unknown appId/);
    });

    it('rejects bad control input with 400', async () => {
      expect((await post('/__sim/login', { openId: 'has spaces' })).status).toBe(400);
      expect((await post('/__sim/login', [1, 2])).status).toBe(400);
      expect((await post('/__sim/login', 'not json', true)).json).toEqual({ error: expect.stringMatching(/JSON object/) });
    });
  });

  describe('access tokens', () => {
    it('returns the same stable token while valid, with the remaining lifetime', async () => {
      const first = await stableToken();
      expect(first.access_token).toMatch(/^[A-Za-z0-9_-]{64,}$/);
      expect(first.expires_in).toBe(7200);
      expect(first).not.toHaveProperty('errcode');
      advanceClock(100_000);
      const second = await stableToken();
      expect(second.access_token).toBe(first.access_token);
      expect(second.expires_in).toBeGreaterThanOrEqual(7099);
      expect(second.expires_in).toBeLessThanOrEqual(7100);
    });

    it('force_refresh issues a new stable token and revokes the old one at once', async () => {
      const user = await simLogin();
      const old = (await stableToken()).access_token as string;
      const fresh = (await stableToken({ force_refresh: true })).access_token as string;
      expect(fresh).not.toBe(old);
      const query = { openid: user.openId, signature: checkSignature(user.sessionKey), sig_method: 'hmac_sha256' };
      const withOld = await get('/wxa/checksession', { ...query, access_token: old });
      expectError(withOld.json, 40001, 'invalid credential, access_token is invalid or not latest');
      expect((await get('/wxa/checksession', { ...query, access_token: fresh })).json).toEqual({ errcode: 0, errmsg: 'ok' });
      expect((await stableToken()).access_token).toBe(fresh);
    });

    it('issues a new stable token after expiry, and refuses the expired one with 42001', async () => {
      const user = await simLogin();
      const old = (await stableToken()).access_token as string;
      advanceClock(7200_000 + 1);
      const query = { openid: user.openId, signature: checkSignature(user.sessionKey), sig_method: 'hmac_sha256' };
      expectError((await get('/wxa/checksession', { ...query, access_token: old })).json, 42001, 'access_token expired');
      const renewed = await stableToken();
      expect(renewed.access_token).not.toBe(old);
      expect(renewed.expires_in).toBe(7200);
    });

    it('checks the stable_token request', async () => {
      expectError(await stableToken({ appid: 'wxunknown' }), 40013, 'invalid appid');
      expectError(await stableToken({ secret: 'wrong' }), 40125, 'invalid appsecret');
      expectError(await stableToken({ grant_type: 'authorization_code' }), 40002, 'invalid grant_type');
      const form = await post('/cgi-bin/stable_token', `grant_type=client_credential&appid=${APP.appId}&secret=${APP.appSecret}`, true);
      expectError(form.json, 47001, 'data format error');
      const get43002 = await get('/cgi-bin/stable_token');
      expectError(get43002.json, 43002, 'require POST method');
    });

    it('/cgi-bin/token issues a new token on each call, revoking the previous one but not the stable token', async () => {
      const user = await simLogin();
      const stable = (await stableToken()).access_token as string;
      const query = { grant_type: 'client_credential', appid: APP.appId, secret: APP.appSecret };
      const first = (await get('/cgi-bin/token', query)).json;
      const second = (await get('/cgi-bin/token', query)).json;
      expect(first.expires_in).toBe(7200);
      expect(second.access_token).not.toBe(first.access_token);
      expect(second.access_token).not.toBe(stable);
      const check = { openid: user.openId, signature: checkSignature(user.sessionKey), sig_method: 'hmac_sha256' };
      expect((await get('/wxa/checksession', { ...check, access_token: first.access_token })).json.errcode).toBe(40001);
      expect((await get('/wxa/checksession', { ...check, access_token: second.access_token })).json.errcode).toBe(0);
      expect((await get('/wxa/checksession', { ...check, access_token: stable })).json.errcode).toBe(0);
      expectError((await get('/cgi-bin/token', { ...query, secret: 'nope' })).json, 40125, 'invalid appsecret');
    });

    it('refuses missing and unknown tokens', async () => {
      expectError((await get('/wxa/checksession', { openid: 'x' })).json, 41001, 'access_token missing');
      expectError(
        (await get('/wxa/checksession', { access_token: 'x'.repeat(80) })).json,
        40001,
        'invalid credential, access_token is invalid or not latest',
      );
    });

    it('tokens of one app do not see users of another', async () => {
      const user = await simLogin({ appId: OTHER_APP.appId });
      const token = (await stableToken()).access_token as string;
      const res = await get('/wxa/checksession', {
        access_token: token,
        openid: user.openId,
        signature: checkSignature(user.sessionKey),
        sig_method: 'hmac_sha256',
      });
      expectError(res.json, 87009, 'invalid signature');
    });
  });

  describe('checksession', () => {
    it('accepts the current session key and refuses the rotated one', async () => {
      const token = (await stableToken()).access_token as string;
      const first = await simLogin({ openId: 'oCheck' });
      const check = (sessionKey: string, extra: Record<string, string> = {}) =>
        get('/wxa/checksession', {
          access_token: token,
          openid: 'oCheck',
          signature: checkSignature(sessionKey),
          sig_method: 'hmac_sha256',
          ...extra,
        });
      expect((await check(first.sessionKey)).json).toEqual({ errcode: 0, errmsg: 'ok' });
      const second = await simLogin({ openId: 'oCheck' });
      expectError((await check(first.sessionKey)).json, 87009, 'invalid signature');
      expect((await check(second.sessionKey)).json).toEqual({ errcode: 0, errmsg: 'ok' });
      expectError((await check(second.sessionKey, { openid: 'oNobody' })).json, 87009, 'invalid signature');
      expectError((await check(second.sessionKey, { sig_method: 'md5' })).json, 87009, 'invalid signature');
      // Keyed by the session key string, not its decoded bytes.
      const byBytes = createHmac('sha256', Buffer.from(second.sessionKey, 'base64')).update('').digest('hex');
      expectError((await check('', { signature: byBytes })).json, 87009, 'invalid signature');
    });
  });

  describe('userInfo', () => {
    it('encrypts the profile with the current session key and signs rawData', async () => {
      await simLogin({ openId: 'oProfile', unionId: 'uProfile' });
      const login = await simLogin({ openId: 'oProfile' });
      const before = Math.floor(Date.now() / 1000);
      const res = await post('/__sim/userInfo', {
        openId: 'oProfile',
        userInfo: { nickName: '小明', gender: 1, city: 'Shenzhen' },
      });
      expect(res.status).toBe(200);
      const { encryptedData, iv, rawData, signature, userInfo } = res.json;

      const decipher = createDecipheriv('aes-128-cbc', Buffer.from(login.sessionKey, 'base64'), Buffer.from(iv, 'base64'));
      const plain = JSON.parse(Buffer.concat([decipher.update(Buffer.from(encryptedData, 'base64')), decipher.final()]).toString('utf8'));
      expect(plain).toMatchObject({
        openId: 'oProfile',
        unionId: 'uProfile',
        nickName: '小明',
        gender: 1,
        city: 'Shenzhen',
        language: 'zh_CN',
        watermark: { appid: APP.appId },
      });
      expect(plain.watermark.timestamp).toBeGreaterThanOrEqual(before);
      expect(plain.watermark.timestamp).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
      expect(Buffer.from(iv, 'base64')).toHaveLength(16);

      expect(JSON.parse(rawData)).toEqual(userInfo);
      expect(userInfo).toEqual({
        nickName: '小明',
        gender: 1,
        language: 'zh_CN',
        city: 'Shenzhen',
        province: '',
        country: '',
        avatarUrl: '',
      });
      expect(JSON.parse(rawData)).not.toHaveProperty('openId');
      expect(signature).toBe(
        createHash('sha1')
          .update(rawData + login.sessionKey, 'utf8')
          .digest('hex'),
      );

      const again = await post('/__sim/userInfo', { openId: 'oProfile' });
      expect(again.json.iv).not.toBe(iv);
      expect(again.json.userInfo.nickName).toBe('WeChat User');
      expect(again.json.userInfo.gender).toBe(0);
    });

    it('no longer decrypts with the previous session key', async () => {
      const old = await simLogin({ openId: 'oStale' });
      await simLogin({ openId: 'oStale' });
      const { encryptedData, iv } = (await post('/__sim/userInfo', { openId: 'oStale' })).json;
      const decipher = createDecipheriv('aes-128-cbc', Buffer.from(old.sessionKey, 'base64'), Buffer.from(iv, 'base64'));
      let text = '';
      try {
        text = Buffer.concat([decipher.update(Buffer.from(encryptedData, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        text = '';
      }
      expect(text).not.toContain('oStale');
    });

    it('answers 404 for unknown users and 400 for bad fields', async () => {
      expect((await post('/__sim/userInfo', { openId: 'oNobody' })).status).toBe(404);
      expect((await post('/__sim/userInfo', {})).status).toBe(400);
      await simLogin({ openId: 'oBad' });
      expect((await post('/__sim/userInfo', { openId: 'oBad', userInfo: { gender: 3 } })).status).toBe(400);
      expect((await post('/__sim/userInfo', { openId: 'oBad', userInfo: { nickName: 5 } })).status).toBe(400);
    });

    it('has a programmatic twin', () => {
      const login = sim.login({ openId: 'oTwin' });
      const result = sim.userInfo({ openId: 'oTwin', userInfo: { nickName: 'Twin' } });
      expect(result.signature).toBe(
        createHash('sha1')
          .update(result.rawData + login.sessionKey)
          .digest('hex'),
      );
      expect(() => sim.userInfo({ openId: 'oMissing' })).toThrow(/unknown user/);
    });
  });

  describe('getuserphonenumber', () => {
    async function phoneNumber(token: string, body: unknown, raw = false): Promise<Json> {
      const res = await post(`/wxa/business/getuserphonenumber?access_token=${encodeURIComponent(token)}`, body, raw);
      expect(res.status).toBe(200);
      return res.json;
    }

    it('gives the phone number once per code', async () => {
      const token = (await stableToken()).access_token as string;
      const { code } = (await post('/__sim/phoneCode', { phoneNumber: '13800138000' })).json;
      expect(typeof code).toBe('string');
      const before = Math.floor(Date.now() / 1000);
      const res = await phoneNumber(token, { code });
      expect(res).toMatchObject({
        errcode: 0,
        errmsg: 'ok',
        phone_info: { phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86', watermark: { appid: APP.appId } },
      });
      expect(res.phone_info.watermark.timestamp).toBeGreaterThanOrEqual(before);
      expectError(await phoneNumber(token, { code }), 40029, 'invalid code');
    });

    it('prefixes other country codes with +', async () => {
      const token = (await stableToken()).access_token as string;
      const { code } = sim.phoneCode({ phoneNumber: '4155550100', countryCode: '1' });
      const res = await phoneNumber(token, { code });
      expect(res.phone_info).toMatchObject({ phoneNumber: '+14155550100', purePhoneNumber: '4155550100', countryCode: '1' });
    });

    it('checks openid, body format, expiry and app', async () => {
      const token = (await stableToken()).access_token as string;
      const user = await simLogin();
      const bound = (await post('/__sim/phoneCode', { phoneNumber: '13900139000', openId: user.openId })).json.code as string;
      expectError(await phoneNumber(token, { code: bound, openid: 'oSomeoneElse' }), 40003, 'invalid openid');
      expectError(await phoneNumber(token, `code=${bound}`, true), 47001, 'data format error');
      expect((await phoneNumber(token, { code: bound, openid: user.openId })).phone_info.purePhoneNumber).toBe('13900139000');

      const expiring = sim.phoneCode({ phoneNumber: '13900139001' }).code;
      advanceClock(300_001);
      const fresh = (await stableToken()).access_token as string;
      expectError(await phoneNumber(fresh, { code: expiring }), 40029, 'invalid code');
      jest.restoreAllMocks();

      const otherApp = sim.phoneCode({ phoneNumber: '13900139002', appId: OTHER_APP.appId }).code;
      expectError(await phoneNumber(token, { code: otherApp }), 40029, 'invalid code');
      expectError(await phoneNumber(token, {}), 40029, 'invalid code');
      expectError(await phoneNumber('bogus', { code: otherApp }), 40001, 'invalid credential, access_token is invalid or not latest');
    });

    it('validates phoneCode input', async () => {
      expect((await post('/__sim/phoneCode', {})).status).toBe(400);
      expect((await post('/__sim/phoneCode', { phoneNumber: '+8613800138000' })).status).toBe(400);
      expect((await post('/__sim/phoneCode', { phoneNumber: '13800138000', openId: 'oNobody' })).status).toBe(404);
    });
  });

  describe('unknown paths and reset', () => {
    it('answers 404 with errcode 40066 for unknown API paths and 404 for unknown control paths', async () => {
      const res = await get('/cgi-bin/nothing');
      expect(res.status).toBe(404);
      expectError(res.json, 40066, 'invalid url');
      expect((await get('/__sim/nothing')).status).toBe(404);
      const wrongMethod = await fetch(new URL('/__sim/health', base), { method: 'DELETE' });
      expect(wrongMethod.status).toBe(405);
    });

    it('reset forgets users, codes and tokens', async () => {
      const login = await simLogin();
      const token = (await stableToken()).access_token as string;
      expect((await post('/__sim/reset', {})).json).toEqual({ ok: true });
      expect(sim.session(login.openId)).toBeUndefined();
      expectError((await code2session(login.code)).json, 40029, 'invalid code');
      expect((await get('/wxa/checksession', { access_token: token })).json.errcode).toBe(40001);
      expect(sim.calls).toHaveLength(2);
    });
  });
});

describe('WeChatSimulator options', () => {
  it('adds errcode 0 to successful answers when successErrcode is zero, and honours TTLs', async () => {
    const sim = new WeChatSimulator({ successErrcode: 'zero', codeTtlSeconds: 10, accessTokenTtlSeconds: 60 });
    const base = await sim.start();
    try {
      const login = sim.login();
      const q = new URLSearchParams({ appid: APP.appId, secret: APP.appSecret, js_code: login.code, grant_type: 'authorization_code' });
      expect(await (await fetch(`${base}/sns/jscode2session?${q}`)).json()).toEqual({
        errcode: 0,
        errmsg: 'ok',
        session_key: login.sessionKey,
        openid: login.openId,
      });
      const token = (await (
        await fetch(`${base}/cgi-bin/stable_token`, {
          method: 'POST',
          body: JSON.stringify({ grant_type: 'client_credential', appid: APP.appId, secret: APP.appSecret }),
        })
      ).json()) as Json;
      expect(token).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 60 });

      const later = sim.login();
      const realNow = Date.now.bind(Date);
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 10_001);
      q.set('js_code', later.code);
      expect(((await (await fetch(`${base}/sns/jscode2session?${q}`)).json()) as Json).errcode).toBe(40029);
    } finally {
      jest.restoreAllMocks();
      await sim.stop();
    }
  });

  it('rejects invalid options', () => {
    expect(() => new WeChatSimulator({ apps: [] })).toThrow(TypeError);
    expect(() => new WeChatSimulator({ apps: [APP, APP] })).toThrow(/duplicate/);
    expect(() => new WeChatSimulator({ port: 70000 })).toThrow(RangeError);
    expect(() => new WeChatSimulator({ codeTtlSeconds: 0 })).toThrow(RangeError);
  });

  it('can restart after stop and stop twice', async () => {
    const sim = new WeChatSimulator();
    const first = await sim.start();
    expect(await sim.start()).toBe(first);
    await sim.stop();
    await sim.stop();
    expect(() => sim.url).toThrow();
    const second = await sim.start();
    expect((await fetch(`${second}/__sim/health`)).status).toBe(200);
    await sim.stop();
  });
});
