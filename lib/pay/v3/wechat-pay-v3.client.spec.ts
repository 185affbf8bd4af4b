import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encryptPayV3Resource, parsePayV3Authorization, payV3Message, signPayV3, verifyPayV3 } from '../../crypto/pay-v3.crypto';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import { resolveMiniProgramOptions } from '../../options/mini-program-options.validation';
import { SIMULATOR_DEV_V3 } from '../../testing/dev-v3-keys';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { WeChatPayV3Api } from './wechat-pay-v3.api';
import { header, PayV3SignatureError, WeChatPayV3Client } from './wechat-pay-v3.client';

const K = SIMULATOR_DEV_V3;
const MCH = '1900000109';

type Reply = { status?: number; body?: string; sign?: 'ok' | 'none' | 'bad' | 'stale' | 'signtest'; serial?: string; key?: string };

/** A tiny WeChat Pay v3 stand-in: checks each request's Authorization, answers what the test queues, signed. */
class Stub {
  server!: Server;
  url = '';
  requests: Array<{ method: string; url: string; body: string; authOk: boolean }> = [];
  handler: (req: { method: string; url: string; body: string }) => Reply = () => ({
    status: 404,
    body: '{"code":"NOT_FOUND","message":"x"}',
  });
  mode: 'public-key' | 'certificate' = 'public-key';

  async start(): Promise<void> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const auth = parsePayV3Authorization(req.headers.authorization ?? '');
        const authOk =
          !!auth &&
          auth.mchid === MCH &&
          auth.serial_no === K.merchantSerialNo &&
          verifyPayV3(
            payV3Message(req.method!, req.url!, auth.timestamp, auth.nonce_str) + body + '\n',
            auth.signature,
            createPublicKey(K.merchantCertificate),
          );
        this.requests.push({ method: req.method!, url: req.url!, body, authOk });
        const reply = this.handler({ method: req.method!, url: req.url!, body });
        const text = reply.body ?? '';
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        const sign = reply.sign ?? 'ok';
        if (sign !== 'none') {
          const ts = String(Math.floor(Date.now() / 1000) - (sign === 'stale' ? 600 : 0));
          const nonce = randomBytes(8).toString('hex');
          const key = reply.key ?? (this.mode === 'public-key' ? K.wechatPayPrivateKey : K.platformPrivateKey);
          let signature = signPayV3(payV3Message(ts, nonce, text), key);
          if (sign === 'bad') signature = signPayV3(payV3Message(ts, nonce, text + 'x'), key);
          if (sign === 'signtest') signature = `WECHATPAY/SIGNTEST/${signature}`;
          Object.assign(headers, {
            'Wechatpay-Timestamp': ts,
            'Wechatpay-Nonce': nonce,
            'Wechatpay-Signature': signature,
            'Wechatpay-Serial': reply.serial ?? (this.mode === 'public-key' ? K.publicKeyId : K.platformSerialNo),
          });
        }
        res.writeHead(reply.status ?? 200, headers);
        res.end(text);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function certificatesBody(certs: Array<{ pem: string; serial: string }>): string {
  return JSON.stringify({
    data: certs.map((c) => ({
      serial_no: c.serial,
      effective_time: '2020-01-01T00:00:00+08:00',
      expire_time: '2050-01-01T00:00:00+08:00',
      encrypt_certificate: encryptPayV3Resource(c.pem, K.apiV3Key, { associatedData: 'certificate', originalType: 'certificate' }),
    })),
  });
}

function build(stub: Stub, mode: 'public-key' | 'certificate') {
  const options = resolveMiniProgramOptions({
    appId: 'wxdevsimulator0001',
    appSecret: '0123456789abcdef0123456789abcdef',
    http: { timeoutMs: 1000, retries: 1, retryDelayMs: 1 },
    pay: {
      mchId: MCH,
      baseUrl: stub.url,
      v3: {
        apiV3Key: K.apiV3Key,
        merchantPrivateKey: K.merchantPrivateKey,
        merchantSerialNo: K.merchantSerialNo,
        notifyUrl: 'http://127.0.0.1:1/miniprogram_auth/wechatPayV3Callback',
        ...(mode === 'public-key' ? { wechatPayPublicKey: K.wechatPayPublicKey, wechatPayPublicKeyId: K.publicKeyId } : {}),
      },
    },
  });
  const http = new WeChatPayHttpClient(options);
  const client = new WeChatPayV3Client(options, http);
  return { client, api: new WeChatPayV3Api(options, client), http };
}

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
    const api = new WeChatPayV3Api(options, new WeChatPayV3Client(options, http));
    await expect(api.queryOrder({ outTradeNo: 'order0001' })).rejects.toBeInstanceOf(WeChatPayInputError);
  });
});
