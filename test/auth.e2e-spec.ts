import { createHash } from 'node:crypto';
import { AuthToken, encryptUserData, WeChatAccount } from '../lib';
import { SIMULATOR_DEV_APP } from '../lib/testing';
import { Harness, startHarness, testDbEngine } from './utils/harness';

describe(`auth endpoints (fixture host + simulator + ${testDbEngine()})`, () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ options: { token: { cacheTtlSeconds: 0 } } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.clearFaults());

  describe('POST /miniprogram_auth/login', () => {
    it('exchanges a wx.login code for a token and user_id, with status 200', async () => {
      const wx = h.sim.login();
      const res = await h.http().post('/miniprogram_auth/login').send({ code: wx.code }).expect(200);
      expect(res.body).toEqual({
        token: expect.stringMatching(/^[A-Za-z0-9_-]{40}$/),
        user_id: expect.any(Number),
        expires_at: expect.any(String),
      });
      const account = await h.dataSource
        .getRepository(WeChatAccount)
        .findOne({ where: { id: res.body.user_id }, select: { id: true, openId: true, sessionKey: true } });
      expect(account).toMatchObject({ openId: wx.openId, sessionKey: wx.sessionKey });
    });

    it('stores only the SHA-256 hash of the token', async () => {
      const { token, userId } = await h.login();
      const rows = await h.dataSource.getRepository(AuthToken).find({ where: { accountId: userId } });
      expect(rows).toHaveLength(1);
      expect(rows[0].tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
      expect(JSON.stringify(rows)).not.toContain(token);
    });

    it('keeps one account per openId, issues one token per device and keeps other devices logged in', async () => {
      const first = await h.login({ openId: 'oDeviceUser000000000000000001' });
      const second = await h.login({ openId: 'oDeviceUser000000000000000001' });
      expect(second.userId).toBe(first.userId);
      expect(second.token).not.toBe(first.token);
      await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${first.token}`).expect(200);
      await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${second.token}`).expect(200);
      expect(await h.dataSource.getRepository(WeChatAccount).countBy({ openId: 'oDeviceUser000000000000000001' })).toBe(1);
    });

    it('updates the session key on each login and never wipes a stored unionId', async () => {
      const openId = 'oUnionUser0000000000000000001';
      await h.login({ openId, unionId: 'oUnion000000000000000000000001' });
      const again = h.sim.login({ openId });
      const res = await h.http().post('/miniprogram_auth/login').send({ code: again.code }).expect(200);
      const account = await h.dataSource
        .getRepository(WeChatAccount)
        .findOne({ where: { id: res.body.user_id }, select: { id: true, unionId: true, sessionKey: true } });
      expect(account?.unionId).toBe('oUnion000000000000000000000001');
      expect(account?.sessionKey).toBe(again.sessionKey);
    });

    it('accepts a trailing slash', async () => {
      const wx = h.sim.login();
      await h.http().post('/miniprogram_auth/login/').send({ code: wx.code }).expect(200);
    });

    it.each([
      ['missing', {}],
      ['empty', { code: '' }],
      ['a number', { code: 42 }],
      ['null', { code: null }],
    ])('answers 400 naming the field when code is %s', async (_name, body) => {
      const res = await h.http().post('/miniprogram_auth/login').send(body).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('code');
    });

    it('answers 400 for a body that is not a JSON object', async () => {
      await h.http().post('/miniprogram_auth/login').set('content-type', 'application/json').send('[1,2]').expect(400);
      await h.http().post('/miniprogram_auth/login').set('content-type', 'application/json').send('{"code":').expect(400);
    });

    it('answers 400 with errcode 40029 for an unknown code', async () => {
      const res = await h.http().post('/miniprogram_auth/login').send({ code: 'no-such-code' }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, errcode: 40029 });
      expect(res.body.message).toMatch(/wx\.login/);
    });

    it('answers 400 with errcode 40163 when a code is used twice', async () => {
      const wx = h.sim.login();
      await h.http().post('/miniprogram_auth/login').send({ code: wx.code }).expect(200);
      const res = await h.http().post('/miniprogram_auth/login').send({ code: wx.code }).expect(400);
      expect(res.body.errcode).toBe(40163);
    });

    it('answers 429 when WeChat rate-limits the user (45011)', async () => {
      h.sim.addFault({ path: '/sns/jscode2session', errcode: 45011, errmsg: 'api minute-quota reach limit' });
      const res = await h.http().post('/miniprogram_auth/login').send({ code: h.sim.login().code }).expect(429);
      expect(res.body.errcode).toBe(45011);
    });

    it('retries errcode -1 and succeeds when WeChat recovers', async () => {
      h.sim.addFault({ path: '/sns/jscode2session', errcode: -1, errmsg: 'system error', count: 2 });
      const before = h.sim.calls.length;
      await h.http().post('/miniprogram_auth/login').send({ code: h.sim.login().code }).expect(200);
      expect(h.sim.calls.slice(before).filter((c) => c.path === '/sns/jscode2session')).toHaveLength(3);
    });

    it('answers 503 when WeChat stays busy after the retries', async () => {
      h.sim.addFault({ path: '/sns/jscode2session', errcode: -1, count: 10 });
      const before = h.sim.calls.length;
      await h.http().post('/miniprogram_auth/login').send({ code: h.sim.login().code }).expect(503);
      expect(h.sim.calls.slice(before).filter((c) => c.path === '/sns/jscode2session')).toHaveLength(3);
    });

    it('answers 504 without retrying when code2Session times out (the code may be spent)', async () => {
      h.sim.addFault({ path: '/sns/jscode2session', delayMs: 1500, count: 5 });
      const before = h.sim.calls.length;
      await h.http().post('/miniprogram_auth/login').send({ code: h.sim.login().code }).expect(504);
      expect(h.sim.calls.slice(before).filter((c) => c.path === '/sns/jscode2session')).toHaveLength(1);
    });

    it('retries a 503 from WeChat and answers 502 when it persists', async () => {
      h.sim.addFault({ path: '/sns/jscode2session', status: 503, count: 1 });
      await h.http().post('/miniprogram_auth/login').send({ code: h.sim.login().code }).expect(200);
      h.sim.addFault({ path: '/sns/jscode2session', status: 503, count: 10 });
      await h.http().post('/miniprogram_auth/login').send({ code: h.sim.login().code }).expect(502);
    });

    it('answers 502 when WeChat drops the connection', async () => {
      h.sim.addFault({ path: '/sns/jscode2session', close: true, count: 10 });
      await h.http().post('/miniprogram_auth/login').send({ code: h.sim.login().code }).expect(502);
    });
  });

  describe('token guard', () => {
    it('accepts Token and Bearer on a host route and on GET me', async () => {
      const { token, userId, openId } = await h.login();
      const res = await h.http().get('/host/whoami').set('Authorization', `Token ${token}`).expect(200);
      expect(res.body).toEqual({ id: userId, openId });
      await h.http().get('/host/whoami').set('Authorization', `Bearer ${token}`).expect(200);
      const me = await h.http().get('/miniprogram_auth/me/').set('Authorization', `token ${token}`).expect(200);
      expect(me.body).toMatchObject({ id: userId, openId });
      expect(me.body).not.toHaveProperty('sessionKey');
    });

    it.each([
      ['no header', undefined, /not provided/],
      ['an empty header', '', /not provided/],
      ['another scheme', 'Basic dXNlcjpwYXNz', /Invalid token/],
      ['a malformed token', 'Token abc', /Invalid token/],
      ['an unknown token', `Token ${'A'.repeat(40)}`, /Invalid token/],
      ['two tokens', `Token ${'A'.repeat(40)} ${'B'.repeat(40)}`, /Invalid token/],
    ])('answers 401 for %s', async (_name, header, message) => {
      const req = h.http().get('/host/whoami');
      if (header !== undefined) req.set('Authorization', header);
      const res = await req.expect(401);
      expect(res.body.message).toMatch(message);
    });

    it('answers 401 for a revoked token after logout, and other devices stay logged in', async () => {
      const a = await h.login({ openId: 'oLogoutUser000000000000000001' });
      const b = await h.login({ openId: 'oLogoutUser000000000000000001' });
      const res = await h.http().post('/miniprogram_auth/logout').set('Authorization', `Token ${a.token}`).expect(200);
      expect(res.body).toEqual({ revoked: true });
      const denied = await h.http().get('/host/whoami').set('Authorization', `Token ${a.token}`).expect(401);
      expect(denied.body.message).toMatch(/revoked/);
      await h.http().get('/host/whoami').set('Authorization', `Token ${b.token}`).expect(200);
    });

    it('answers 401 for an expired token', async () => {
      const { token } = await h.login();
      const hash = createHash('sha256').update(token).digest('hex');
      await h.dataSource.getRepository(AuthToken).update({ tokenHash: hash }, { expiresAt: new Date(Date.now() - 1000) });
      const res = await h.http().get('/host/whoami').set('Authorization', `Token ${token}`).expect(401);
      expect(res.body.message).toMatch(/expired/);
    });
  });

  describe('POST /miniprogram_auth/updateUserInfo', () => {
    const profile = {
      nickName: '小明',
      avatarUrl: 'https://example.com/a.png',
      gender: 1,
      city: 'Guangzhou',
      province: 'Guangdong',
      country: 'CN',
      language: 'zh_CN',
    };

    it('decrypts the data with the stored session key and saves every profile field', async () => {
      const user = await h.login();
      const data = h.sim.userInfo({ openId: user.openId, userInfo: profile });
      const res = await h
        .http()
        .post('/miniprogram_auth/updateUserInfo')
        .set('Authorization', `Token ${user.token}`)
        .send({ iv: data.iv, encryptedData: data.encryptedData, rawData: data.rawData, signature: data.signature })
        .expect(200);
      expect(res.body).toEqual({ token: user.token, wechat: { id: user.userId, ...profile, user: user.userId } });
      const stored = await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ id: user.userId });
      expect(stored).toMatchObject(profile);
    });

    it('takes a unionId from the data only where the account has none, and answers with the account as stored', async () => {
      const send = async (user: { token: string; openId: string; sessionKey: string }, unionId: string) => {
        const watermark = { appid: SIMULATOR_DEV_APP.appId, timestamp: 1 };
        const data = encryptUserData({ ...profile, openId: user.openId, unionId, watermark }, user.sessionKey);
        return h
          .http()
          .post('/miniprogram_auth/updateUserInfo')
          .set('Authorization', `Token ${user.token}`)
          .send({ iv: data.iv, encryptedData: data.encryptedData })
          .expect(200);
      };
      const repository = h.dataSource.getRepository(WeChatAccount);
      const bare = await h.login({ openId: 'oNoUnionYet000000000000000001' });
      await send(bare, 'oUnionFromData000000000000001');
      expect((await repository.findOneByOrFail({ id: bare.userId })).unionId).toBe('oUnionFromData000000000000001');
      await send(bare, 'oUnionFromData000000000000002');
      expect((await repository.findOneByOrFail({ id: bare.userId })).unionId).toBe('oUnionFromData000000000000001');

      const bound = await h.login({ openId: 'oBoundUnion0000000000000000001', unionId: 'oUnionFromLogin00000000000001' });
      await send(bound, 'oUnionFromData000000000000003');
      const stored = await repository.findOneByOrFail({ id: bound.userId });
      expect(stored).toMatchObject({ unionId: 'oUnionFromLogin00000000000001', ...profile });
      const me = await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${bound.token}`).expect(200);
      expect(me.body).toMatchObject({ id: bound.userId, openId: bound.openId, ...profile });
      expect(new Date(me.body.updatedAt).getTime()).toBe(stored.updatedAt.getTime());
      expect(new Date(me.body.createdAt).getTime()).toBe(stored.createdAt.getTime());
    });

    it('stores profile texts without U+0000 and cut to their column in code points, never halving a character', async () => {
      const user = await h.login();
      const watermark = { appid: SIMULATOR_DEV_APP.appId, timestamp: 1 };
      const long = { ...profile, nickName: `a\u0000${'😀'.repeat(150)}`, city: 'Guang\u0000zhou', language: 'zh_CN_but_far_too_long' };
      const data = encryptUserData({ ...long, openId: user.openId, watermark }, user.sessionKey);
      const res = await h
        .http()
        .post('/miniprogram_auth/updateUserInfo')
        .set('Authorization', `Token ${user.token}`)
        .send(data)
        .expect(200);
      const expected = { nickName: `a${'😀'.repeat(99)}`, city: 'Guangzhou', language: 'zh_CN_but_far_too_lo' };
      expect(res.body.wechat).toMatchObject(expected);
      expect(await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ id: user.userId })).toMatchObject(expected);
    });

    it('answers 401 without a token', async () => {
      await h.http().post('/miniprogram_auth/updateUserInfo').send({ iv: 'x', encryptedData: 'y' }).expect(401);
    });

    it.each([
      ['iv', { encryptedData: 'AAAA' }],
      ['encryptedData', { iv: 'r7BXXKkLb8qrSNn05n0qiA==' }],
    ])('answers 400 naming %s when it is missing', async (field, body) => {
      const user = await h.login();
      const res = await h
        .http()
        .post('/miniprogram_auth/updateUserInfo')
        .set('Authorization', `Token ${user.token}`)
        .send(body)
        .expect(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('answers 400 asking to log in again when the session key has rotated', async () => {
      const user = await h.login();
      h.sim.login({ openId: user.openId }); // wx.login again, but the app never saw the new code
      const data = h.sim.userInfo({ openId: user.openId, userInfo: profile });
      const res = await h
        .http()
        .post('/miniprogram_auth/updateUserInfo')
        .set('Authorization', `Token ${user.token}`)
        .send({ iv: data.iv, encryptedData: data.encryptedData })
        .expect(400);
      expect(res.body.message).toMatch(/log in again/);
      expect(JSON.stringify(res.body)).not.toContain(user.sessionKey);
    });

    it('answers 400 for data encrypted for another mini program', async () => {
      const user = await h.login();
      const foreign = encryptUserData(
        { ...profile, openId: user.openId, watermark: { appid: 'wx0000000000000000', timestamp: 1 } },
        user.sessionKey,
      );
      const res = await h
        .http()
        .post('/miniprogram_auth/updateUserInfo')
        .set('Authorization', `Token ${user.token}`)
        .send(foreign)
        .expect(400);
      expect(res.body.reason).toBe('APPID_MISMATCH');
    });

    it('answers 400 for data of another user of the same mini program', async () => {
      const user = await h.login();
      const other = encryptUserData(
        { ...profile, openId: 'oSomeoneElse', watermark: { appid: SIMULATOR_DEV_APP.appId, timestamp: 1 } },
        user.sessionKey,
      );
      await h.http().post('/miniprogram_auth/updateUserInfo').set('Authorization', `Token ${user.token}`).send(other).expect(400);
    });

    it.each([
      ['bad base64', { iv: 'r7BXXKkLb8qrSNn05n0qiA==', encryptedData: '***not base64***' }, 'INVALID_ENCRYPTED_DATA'],
      ['a short IV', { iv: 'AAAAAAAAAAAAAAAAAAAA', encryptedData: 'qJ3AQxeKzsJ9mDC9BRN4YQ==' }, 'INVALID_IV'],
      ['a partial block', { iv: 'r7BXXKkLb8qrSNn05n0qiA==', encryptedData: 'qJ3AQxeKzsJ9mDC9BRN4' }, 'INVALID_ENCRYPTED_DATA'],
    ])('answers 400 for %s', async (_name, body, reason) => {
      const user = await h.login();
      const res = await h
        .http()
        .post('/miniprogram_auth/updateUserInfo')
        .set('Authorization', `Token ${user.token}`)
        .send(body)
        .expect(400);
      expect(res.body.reason).toBe(reason);
    });
  });

  describe('POST /miniprogram_auth/phoneNumber', () => {
    it('resolves the button code, stores and returns the number', async () => {
      const user = await h.login();
      const { code } = h.sim.phoneCode({ openId: user.openId, phoneNumber: '13800138000' });
      const res = await h
        .http()
        .post('/miniprogram_auth/phoneNumber')
        .set('Authorization', `Token ${user.token}`)
        .send({ code })
        .expect(200);
      expect(res.body).toMatchObject({ phoneNumber: '13800138000', purePhoneNumber: '13800138000', countryCode: '86' });
      const stored = await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ id: user.userId });
      expect(stored.phoneNumber).toBe('13800138000');
      const me = await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${user.token}`).expect(200);
      expect(me.body.phoneNumber).toBe('13800138000');
    });

    it('answers 400 with errcode 40029 for a used code', async () => {
      const user = await h.login();
      const { code } = h.sim.phoneCode({ openId: user.openId, phoneNumber: '13900139000' });
      await h.http().post('/miniprogram_auth/phoneNumber').set('Authorization', `Token ${user.token}`).send({ code }).expect(200);
      const res = await h
        .http()
        .post('/miniprogram_auth/phoneNumber')
        .set('Authorization', `Token ${user.token}`)
        .send({ code })
        .expect(400);
      expect(res.body.errcode).toBe(40029);
    });

    it('answers 400 naming code when it is missing, and 401 without a token', async () => {
      const user = await h.login();
      const res = await h.http().post('/miniprogram_auth/phoneNumber').set('Authorization', `Token ${user.token}`).send({}).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('code');
      await h.http().post('/miniprogram_auth/phoneNumber').send({ code: 'x' }).expect(401);
    });
  });
});
