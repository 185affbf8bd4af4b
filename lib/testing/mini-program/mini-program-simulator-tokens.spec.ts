import { createHmac } from 'node:crypto';
import { APP, OTHER_APP, advanceClock, checkSignature, expectError, miniProgramBench } from './mini-program-simulator.spec-kit';

describe('WeChatSimulator (mini program side)', () => {
  const { get, post, simLogin, stableToken } = miniProgramBench();

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
});
