import { createHash } from 'node:crypto';
import { payV3Message, signPayV3 } from '../../crypto/pay-v3.crypto';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import { resolveMiniProgramOptions } from '../../options/mini-program-options.validation';
import { MemoryAccessTokenStore } from '../../wechat/access-token.store';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { WeChatPayV3Api } from './wechat-pay-v3.api';
import { header, type HeaderBag } from './pay-v3-headers';
import { PayV3SignatureError, WeChatPayV3Client } from './wechat-pay-v3.client';
import { build, certificatesBody, K, MCH, signedHeaders, Stub } from './wechat-pay-v3.client.spec-kit';

describe('WeChatPayV3Client (against a local signed stub)', () => {
  const stub = new Stub();
  let built: ReturnType<typeof build>;
  beforeAll(() => stub.start());
  afterAll(() => stub.stop());
  beforeEach(() => {
    stub.requests = [];
    stub.mode = 'public-key';
  });
  afterEach(() => built?.http.onModuleDestroy());

  it('reads headers case-insensitively and treats repeated ones as missing', () => {
    expect(header({ 'WeChatPay-Serial': 'a' }, 'wechatpay-serial')).toBe('a');
    expect(header({ 'wechatpay-serial': ['a', 'b'] }, 'wechatpay-serial')).toBeUndefined();
  });

  it('treats a header value that is not a string as missing: verify throws PayV3SignatureError, not a TypeError', async () => {
    expect(header({ 'wechatpay-serial': 5 } as unknown as HeaderBag, 'wechatpay-serial')).toBeUndefined();
    expect(header({ 'wechatpay-serial': [{}] } as unknown as HeaderBag, 'wechatpay-serial')).toBeUndefined();
    built = build(stub, 'public-key');
    const good = signedHeaders(K.wechatPayPrivateKey, K.publicKeyId);
    await expect(built.client.verify('notify', good, Buffer.from('{}'))).resolves.toBeUndefined();
    for (const [name, value] of [
      ['wechatpay-signature', 12345],
      ['wechatpay-signature', { length: 1 }],
      ['wechatpay-serial', 7],
      ['wechatpay-nonce', ['n', 1]],
    ] as const) {
      const headers = { ...good, [name]: value } as unknown as HeaderBag;
      await expect(built.client.verify('notify', headers, Buffer.from('{}'))).rejects.toBeInstanceOf(PayV3SignatureError);
    }
  });

  it('signs requests and accepts a well-signed answer (public-key mode)', async () => {
    built = build(stub, 'public-key');
    stub.handler = () => ({ body: JSON.stringify({ prepay_id: 'wx123' }) });
    const result = await built.api.jsapi({ outTradeNo: 'order0001', description: 'd', total: 1, openId: 'o1' });
    expect(result.prepayId).toBe('wx123');
    expect(stub.requests[0]).toMatchObject({ method: 'POST', url: '/v3/pay/transactions/jsapi', authOk: true });
    expect(JSON.parse(stub.requests[0].body)).toMatchObject({ mchid: MCH, amount: { total: 1, currency: 'CNY' }, payer: { openid: 'o1' } });
  });

  it.each([
    ['an unsigned answer', { sign: 'none' }],
    ['a tampered answer', { sign: 'bad' }],
    ['a stale answer', { sign: 'stale' }],
    ['a SIGNTEST probe', { sign: 'signtest' }],
    ['an unknown public key id', { serial: 'PUB_KEY_ID_0000000000000000000000000000' }],
    ['a key other than WeChat Pay’s', { key: K.platformPrivateKey }],
  ] as const)('refuses %s (fail-closed, not retried as a success)', async (_name, reply) => {
    built = build(stub, 'public-key');
    stub.handler = () => ({ body: '{"trade_state":"SUCCESS","out_trade_no":"order0001"}', ...reply });
    const error = await built.api.queryOrder({ outTradeNo: 'order0001' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatUnavailableError);
    expect((error as WeChatUnavailableError).kind).toBe('invalid-response');
    expect(stub.requests).toHaveLength(1);
  });

  it('maps error answers to WeChatPayError with code, message and HTTP status; retries 5xx', async () => {
    built = build(stub, 'public-key');
    stub.handler = () => ({ status: 400, body: '{"code":"PARAM_ERROR","message":"bad field"}' });
    const error = (await built.api.closeOrder('order0001').catch((e: unknown) => e)) as WeChatPayError;
    expect(error).toBeInstanceOf(WeChatPayError);
    expect(error).toMatchObject({ errCode: 'PARAM_ERROR', httpStatus: 400 });
    expect(error.detail.errCodeDes).toBe('bad field');
    expect(stub.requests).toHaveLength(1);
    stub.requests = [];
    stub.handler = () => ({ status: 500, body: '{"code":"SYSTEM_ERROR","message":"busy"}' });
    await expect(built.api.closeOrder('order0001')).rejects.toMatchObject({ errCode: 'SYSTEM_ERROR', httpStatus: 500 });
    expect(stub.requests).toHaveLength(2);
  });

  it.each([
    ['a tampered', { sign: 'bad' }],
    ['a stale', { sign: 'stale' }],
    ['a SIGNTEST', { sign: 'signtest' }],
    ['a wrongly keyed', { key: K.platformPrivateKey }],
  ] as const)('refuses %s signed error answer as invalid-response, not WeChatPayError (not retried)', async (_name, reply) => {
    built = build(stub, 'public-key');
    stub.handler = () => ({ status: 500, body: '{"code":"SYSTEM_ERROR","message":"busy"}', ...reply });
    const error = await built.api.closeOrder('order0001').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatUnavailableError);
    expect((error as WeChatUnavailableError).kind).toBe('invalid-response');
    expect(stub.requests).toHaveLength(1);
  });

  it('keeps an unsigned error answer a WeChatPayError (it comes over TLS from the pay API)', async () => {
    built = build(stub, 'public-key');
    stub.handler = () => ({ status: 400, body: '{"code":"PARAM_ERROR","message":"bad field"}', sign: 'none' });
    await expect(built.api.closeOrder('order0001')).rejects.toMatchObject({ errCode: 'PARAM_ERROR', httpStatus: 400 });
  });

  it('answers 204 for close with an empty signed body', async () => {
    built = build(stub, 'public-key');
    stub.handler = () => ({ status: 204, body: '' });
    await expect(built.api.closeOrder('order0001')).resolves.toEqual({ raw: {} });
    expect(JSON.parse(stub.requests[0].body)).toEqual({ mchid: MCH });
  });

  it('certificate mode: downloads the platform certificates once for concurrent calls and refreshes on an unknown serial', async () => {
    built = build(stub, 'certificate');
    stub.mode = 'certificate';
    let certs = [{ pem: K.platformCertificate, serial: K.platformSerialNo }];
    let signer = { key: K.platformPrivateKey, serial: K.platformSerialNo };
    stub.handler = (req) =>
      req.url === '/v3/certificates'
        ? { body: certificatesBody(certs), ...signer }
        : { body: '{"trade_state":"NOTPAY","out_trade_no":"order0001"}', ...signer };
    await Promise.all([1, 2, 3].map(() => built.api.queryOrder({ outTradeNo: 'order0001' })));
    expect(stub.requests.filter((r) => r.url === '/v3/certificates')).toHaveLength(1);
    expect(built.client.platformCertificateSerials()).toEqual([K.platformSerialNo]);

    certs = [...certs, { pem: K.nextPlatformCertificate, serial: K.nextPlatformSerialNo }];
    signer = { key: K.nextPlatformPrivateKey, serial: K.nextPlatformSerialNo };
    await built.api.queryOrder({ outTradeNo: 'order0001' });
    expect(stub.requests.filter((r) => r.url === '/v3/certificates')).toHaveLength(2);
    expect(built.client.platformCertificateSerials().sort()).toEqual([K.platformSerialNo, K.nextPlatformSerialNo].sort());
  });

  it('certificate mode: refuses a certificate list not signed by a certificate it holds', async () => {
    built = build(stub, 'certificate');
    stub.mode = 'certificate';
    stub.handler = (req) =>
      req.url === '/v3/certificates'
        ? { body: certificatesBody([{ pem: K.platformCertificate, serial: K.platformSerialNo }]), key: K.nextPlatformPrivateKey }
        : { body: '{}' };
    await expect(built.api.queryOrder({ outTradeNo: 'order0001' })).rejects.toBeInstanceOf(WeChatUnavailableError);
    expect(built.client.platformCertificateSerials()).toEqual([]);
  });

  it('notifications: a flood of unknown serials costs at most one download per interval', async () => {
    built = build(stub, 'certificate');
    stub.mode = 'certificate';
    stub.handler = () => ({ body: certificatesBody([{ pem: K.platformCertificate, serial: K.platformSerialNo }]) });
    const body = Buffer.from('{}');
    const ts = String(Math.floor(Date.now() / 1000));
    const headers = (serial: string) => ({
      'wechatpay-timestamp': ts,
      'wechatpay-nonce': 'n',
      'wechatpay-serial': serial,
      'wechatpay-signature': signPayV3(payV3Message(ts, 'n', '{}'), K.platformPrivateKey),
    });
    await expect(built.client.verify('notify', headers(K.platformSerialNo), body)).resolves.toBeUndefined();
    for (let i = 0; i < 5; i++) {
      await expect(built.client.verify('notify', headers(`AB${i}`), body)).rejects.toBeInstanceOf(PayV3SignatureError);
    }
    expect(stub.requests.filter((r) => r.url === '/v3/certificates')).toHaveLength(1);
  });

  it('bills: checks the SHA1 of the download and never sends Authorization to another origin', async () => {
    built = build(stub, 'public-key');
    const file = 'Trade time,Fee\n`2026-01-01,`1.00\n';
    let hash = createHash('sha1').update(file).digest('hex');
    let url = `${stub.url}/v3/billdownload/file?token=t`;
    stub.handler = (req) =>
      req.url.startsWith('/v3/bill/')
        ? { body: JSON.stringify({ hash_type: 'SHA1', hash_value: hash, download_url: url }) }
        : { body: file, sign: 'none' };
    const bill = await built.api.tradeBill({ billDate: '2026-01-01' });
    expect(bill.text).toBe(file);
    expect(stub.requests.map((r) => r.url)).toEqual([
      '/v3/bill/tradebill?bill_date=2026-01-01&bill_type=ALL',
      '/v3/billdownload/file?token=t',
    ]);
    expect(stub.requests[1].authOk).toBe(true);

    hash = '0'.repeat(40);
    await expect(built.api.tradeBill({ billDate: '2026-01-01' })).rejects.toThrow(/SHA1/);
    hash = createHash('sha1').update(file).digest('hex');
    url = 'http://example.invalid/v3/billdownload/file';
    await expect(built.api.fundFlowBill({ billDate: new Date() })).rejects.toThrow(/origin/);
  });

  it('refuses v3 calls when v3 is not configured, with a typed error', async () => {
    const options = resolveMiniProgramOptions({
      appId: 'wxdevsimulator0001',
      appSecret: '0123456789abcdef0123456789abcdef',
      pay: { mchId: MCH, apiKey: '0123456789abcdef0123456789abcdef', notifyUrl: 'https://h/n' },
    });
    const http = new WeChatPayHttpClient(options);
    const api = new WeChatPayV3Api(options, new WeChatPayV3Client(options, http, new MemoryAccessTokenStore()));
    await expect(api.queryOrder({ outTradeNo: 'order0001' })).rejects.toBeInstanceOf(WeChatPayInputError);
  });
});
