import { MiniProgramOptionsError, resolveMiniProgramOptions, WeChatPayError, WeChatPayInputError, WeChatPayService } from '../lib';
import { SIMULATOR_DEV_APP, SIMULATOR_DEV_CERTIFICATES, SIMULATOR_DEV_MERCHANT, WeChatSimulator } from '../lib/testing';
import { startHarness } from './utils/harness';

const payBase = {
  mchId: SIMULATOR_DEV_MERCHANT.mchId,
  apiKey: SIMULATOR_DEV_MERCHANT.apiKey,
  notifyUrl: 'http://127.0.0.1:1/miniprogram_auth/wechatPayCallback',
};

describe('WeChat Pay configuration', () => {
  const sim = new WeChatSimulator();
  beforeAll(() => sim.start());
  afterAll(() => sim.stop());

  function options(pay: object) {
    return { ...SIMULATOR_DEV_APP, pay: { ...payBase, baseUrl: sim.payUrl, ca: SIMULATOR_DEV_CERTIFICATES.ca, ...pay } };
  }

  it('validates the pay options at boot, naming every bad key', () => {
    let error: unknown;
    try {
      resolveMiniProgramOptions({
        ...SIMULATOR_DEV_APP,
        pay: { mchId: 'abc', apiKey: 'short', notifyUrl: 'not a url', signType: 'SHA1' } as never,
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MiniProgramOptionsError);
    expect((error as MiniProgramOptionsError).problems.map((p) => p.key).sort()).toEqual([
      'pay.apiKey',
      'pay.mchId',
      'pay.notifyUrl',
      'pay.signType',
    ]);
    expect((error as Error).message).not.toContain('short');
  });

  it('explains a legacy PKCS#12 file that OpenSSL 3 cannot read', () => {
    const pfx = Buffer.from(SIMULATOR_DEV_CERTIFICATES.legacyClientPfxBase64, 'base64');
    expect(() => resolveMiniProgramOptions(options({ clientCert: { pfx } }))).toThrow(/legacy.*openssl pkcs12/s);
  });

  it('explains a wrong PKCS#12 passphrase and a key that does not match the certificate', () => {
    const pfx = Buffer.from(SIMULATOR_DEV_CERTIFICATES.clientPfxBase64, 'base64');
    expect(() => resolveMiniProgramOptions(options({ clientCert: { pfx, passphrase: 'wrong' } }))).toThrow(/passphrase/);
    expect(() =>
      resolveMiniProgramOptions(
        options({ clientCert: { cert: SIMULATOR_DEV_CERTIFICATES.clientCert, key: SIMULATOR_DEV_CERTIFICATES.serverKey } }),
      ),
    ).toThrow(/does not belong/);
  });

  it.each([
    ['PEM', { cert: SIMULATOR_DEV_CERTIFICATES.clientCert, key: SIMULATOR_DEV_CERTIFICATES.clientKey }],
    ['PKCS#12 with the mch_id as passphrase', { pfx: Buffer.from(SIMULATOR_DEV_CERTIFICATES.clientPfxBase64, 'base64') }],
  ])('uses a %s client certificate for the certificate APIs', async (_name, clientCert) => {
    const h = await startHarness({ sim, options: options({ clientCert }) });
    try {
      const pay = h.app.get(WeChatPayService);
      // A refund of an unknown order reaches WeChat's business checks only through mutual TLS.
      await expect(pay.refund({ outTradeNo: 'nosuchorder1', outRefundNo: 'r1', totalFee: 1, refundFee: 1 })).rejects.toMatchObject({
        name: 'WeChatPayError',
        detail: { returnCode: 'SUCCESS' },
      });
    } finally {
      await h.close();
    }
  });

  it('refuses certificate APIs without a client certificate, sending nothing', async () => {
    const h = await startHarness({ sim, options: options({}) });
    try {
      const calls = sim.calls.length;
      await expect(
        h.app.get(WeChatPayService).refund({ outTradeNo: 'order0001', outRefundNo: 'r1', totalFee: 1, refundFee: 1 }),
      ).rejects.toBeInstanceOf(WeChatPayInputError);
      expect(sim.calls.length).toBe(calls);
    } finally {
      await h.close();
    }
  });

  it('reports a wrong API key as WeChat does (signature error)', async () => {
    const h = await startHarness({ sim, options: options({ apiKey: 'x'.repeat(32) }) });
    try {
      const error = await h.app
        .get(WeChatPayService)
        .orderQuery({ outTradeNo: 'order0001' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WeChatPayError);
      expect((error as WeChatPayError).detail.returnCode).toBe('FAIL');
    } finally {
      await h.close();
    }
  });

  it('refuses pay calls when pay is not configured', async () => {
    const h = await startHarness({ sim });
    try {
      const pay = h.app.get(WeChatPayService);
      await expect(pay.orderQuery({ outTradeNo: 'order0001' })).rejects.toBeInstanceOf(WeChatPayInputError);
      expect(() => pay.jsapiParams('wx123')).toThrow(WeChatPayInputError);
      const res = await h.http().post('/miniprogram_auth/wechatPayCallback').set('content-type', 'text/xml').send('<xml><a>1</a></xml>');
      expect(res.text).toContain('FAIL');
    } finally {
      await h.close();
    }
  });

  it('signs with HMAC-SHA256 when configured and verifies HMAC answers', async () => {
    const h = await startHarness({ sim, options: options({ signType: 'HMAC-SHA256' }) });
    try {
      const login = await h.login();
      const result = await h.app
        .get(WeChatPayService)
        .unifiedOrder({ outTradeNo: `hmac${Date.now()}`, body: 'HMAC order', totalFee: 1, openId: login.openId });
      expect(result.prepayId).toBeTruthy();
      expect(h.app.get(WeChatPayService).jsapiParams(result.prepayId).signType).toBe('HMAC-SHA256');
    } finally {
      await h.close();
    }
  });
});
