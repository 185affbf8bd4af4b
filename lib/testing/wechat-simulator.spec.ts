import { WeChatSimulator } from './index';
import { APP, OTHER_APP, expectError, miniProgramBench } from './mini-program/mini-program-simulator.spec-kit';
import type { Json } from './mini-program/mini-program-simulator.spec-kit';

describe('WeChatSimulator (mini program side)', () => {
  const { sim, url, get, post, simLogin, code2session, stableToken } = miniProgramBench();
  let base: string;

  beforeAll(() => {
    base = url();
  });

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
