import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { decryptPayV3Resource } from '../../crypto/pay-v3.crypto';
import { WeChatSimulator, parseSimulatorArgs } from '../index';
import { M, RFC3339_BJ, V3, payV3Bench, verifies } from './pay-v3-simulator.spec-kit';
import type { Json } from './pay-v3-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay API v3)', () => {
  const { sim, target, control, urls, v3, paidOrder } = payV3Bench();
  let payBase = '';
  beforeAll(() => {
    ({ payBase } = urls());
  });

  describe('bills', () => {
    function today(): string {
      return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    }

    it('answers hash and download_url; the download (authenticated, unsigned) matches the hash', async () => {
      await paidOrder();
      for (const [path, query] of [
        ['/v3/bill/tradebill', `bill_date=${today()}&bill_type=ALL`],
        ['/v3/bill/tradebill', `bill_date=${today()}&bill_type=SUCCESS&tar_type=GZIP`],
        ['/v3/bill/fundflowbill', `bill_date=${today()}&account_type=BASIC`],
      ]) {
        const answer = await v3('GET', `${path}?${query}`);
        expect(answer.status).toBe(200);
        expect(answer.json).toEqual({
          hash_type: 'SHA1',
          hash_value: expect.stringMatching(/^[0-9a-f]{40}$/),
          download_url: expect.any(String),
        });
        const url = new URL(answer.json.download_url as string);
        expect(url.origin).toBe(payBase);
        expect(url.pathname).toBe('/v3/billdownload/file');
        const file = await v3('GET', `${url.pathname}${url.search}`);
        expect(file.status).toBe(200);
        expect(file.headers['content-type']).toBe('application/octet-stream');
        expect(file.headers['wechatpay-signature']).toBeUndefined();
        expect(createHash('sha1').update(file.body).digest('hex')).toBe(answer.json.hash_value);
        const text = query.includes('GZIP') ? gunzipSync(file.body).toString('utf8') : file.text;
        expect(text).toContain(path.endsWith('tradebill') ? '交易时间' : '记账时间');
        const unauthenticated = await v3('GET', `${url.pathname}${url.search}`, undefined, { auth: null });
        expect(unauthenticated.status).toBe(401);
      }
      const badToken = await v3('GET', '/v3/billdownload/file?token=nope');
      expect(badToken.status).toBe(400);
      const noBill = await v3('GET', '/v3/bill/tradebill?bill_date=2020-01-01');
      expect(noBill.status).toBe(400);
      expect(noBill.json.code).toBe('NO_STATEMENT_EXIST');
      const badDate = await v3('GET', '/v3/bill/tradebill?bill_date=20200101');
      expect(badDate.json.code).toBe('PARAM_ERROR');
      const badAccount = await v3('GET', `/v3/bill/fundflowbill?bill_date=${today()}&account_type=Basic`);
      expect(badAccount.json.code).toBe('PARAM_ERROR');
    });
  });

  describe('signing modes and certificates', () => {
    it('answers 404 for /v3/certificates in public-key mode', async () => {
      const answer = await v3('GET', '/v3/certificates');
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ code: 'NOT_FOUND', message: '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥' });
    });

    it('lists the encrypted platform certificate in certificate mode and signs with it; rotation lists both', async () => {
      const switched = await control('POST', '/__sim/v3', { mode: 'certificate' });
      expect(switched.json).toEqual({ mode: 'certificate', rotated: false, serial: V3.platformSerialNo });
      const answer = await v3('GET', '/v3/certificates');
      expect(answer.status).toBe(200);
      expect(answer.headers['wechatpay-serial']).toBe(V3.platformSerialNo);
      expect(verifies(answer, V3.platformCertificate)).toBe(true);
      expect(verifies(answer, V3.wechatPayPublicKey)).toBe(false);
      expect(answer.json.data).toHaveLength(1);
      const [entry] = answer.json.data as Json[];
      expect(entry).toMatchObject({
        serial_no: V3.platformSerialNo,
        effective_time: expect.stringMatching(RFC3339_BJ),
        expire_time: expect.stringMatching(RFC3339_BJ),
        encrypt_certificate: {
          algorithm: 'AEAD_AES_256_GCM',
          associated_data: 'certificate',
          nonce: expect.any(String),
          ciphertext: expect.any(String),
        },
      });
      expect(decryptPayV3Resource(entry.encrypt_certificate, V3.apiV3Key)).toBe(V3.platformCertificate);

      const rotated = await control('POST', '/__sim/v3', { rotate: true });
      expect(rotated.json).toEqual({ mode: 'certificate', rotated: true, serial: V3.nextPlatformSerialNo });
      const both = await v3('GET', '/v3/certificates');
      expect(verifies(both, V3.nextPlatformCertificate)).toBe(true);
      const listed = (both.json.data as Json[]).map((e) => [e.serial_no, decryptPayV3Resource(e.encrypt_certificate, V3.apiV3Key)]);
      expect(listed).toEqual([
        [V3.platformSerialNo, V3.platformCertificate],
        [V3.nextPlatformSerialNo, V3.nextPlatformCertificate],
      ]);

      // Notifications follow the mode.
      await paidOrder();
      const note = target.received.at(-1) as { body: string; headers: IncomingHttpHeaders };
      expect(note.headers['wechatpay-serial']).toBe(V3.nextPlatformSerialNo);

      expect((await control('POST', '/__sim/v3', { mode: 'nope' })).status).toBe(400);
      expect((await control('POST', '/__sim/v3', { rotate: 'yes' })).status).toBe(400);
      expect((await control('GET', '/__sim/v3')).json).toEqual(sim.payV3Settings);
    });

    it('takes payV3Mode as an option and refuses unknown modes and bad v3 credentials', () => {
      expect(new WeChatSimulator({ payV3Mode: 'certificate' }).payV3Settings).toEqual({
        mode: 'certificate',
        rotated: false,
        serial: V3.platformSerialNo,
      });
      expect(() => new WeChatSimulator({ payV3Mode: 'x' as never })).toThrow(TypeError);
      expect(
        () => new WeChatSimulator({ merchants: [{ ...M, v3: { apiV3Key: 'short', merchantCertificate: V3.merchantCertificate } }] }),
      ).toThrow(TypeError);
      expect(M.v3).toEqual({ apiV3Key: V3.apiV3Key, merchantCertificate: V3.merchantCertificate });
      expect(parseSimulatorArgs(['--pay-v3-mode', 'certificate'])).toMatchObject({ options: { payV3Mode: 'certificate' } });
      expect(parseSimulatorArgs([], { SIMULATOR_PAY_V3_MODE: 'public-key' })).toMatchObject({ options: { payV3Mode: 'public-key' } });
      expect(() => parseSimulatorArgs(['--pay-v3-mode', 'rsa'])).toThrow(/pay v3 mode/);
    });
  });
});
