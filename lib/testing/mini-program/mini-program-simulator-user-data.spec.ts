import { createDecipheriv, createHash } from 'node:crypto';
import { APP, OTHER_APP, advanceClock, expectError, miniProgramBench } from './mini-program-simulator.spec-kit';
import type { Json } from './mini-program-simulator.spec-kit';

describe('WeChatSimulator (mini program side)', () => {
  const { sim, post, simLogin, stableToken } = miniProgramBench();

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
});
