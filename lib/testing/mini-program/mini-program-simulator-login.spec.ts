import { APP, OTHER_APP, advanceClock, expectError, miniProgramBench } from './mini-program-simulator.spec-kit';

describe('WeChatSimulator (mini program side)', () => {
  const { sim, post, simLogin, code2session } = miniProgramBench();

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
});
