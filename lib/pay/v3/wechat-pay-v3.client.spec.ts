import { Logger } from '@nestjs/common';
import { createHash, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encryptPayV3Resource, parsePayV3Authorization, payV3Message, signPayV3, verifyPayV3 } from '../../crypto/pay-v3.crypto';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import { resolveMiniProgramOptions } from '../../options/mini-program-options.validation';
import { SIMULATOR_DEV_V3 } from '../../testing/dev-keys/dev-v3-keys';
import { type AccessTokenStore, MemoryAccessTokenStore } from '../../wechat/access-token.store';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { WeChatPayV3Api } from './wechat-pay-v3.api';
import { header, type HeaderBag } from './pay-v3-headers';
import { PayV3SignatureError, WeChatPayV3Client } from './wechat-pay-v3.client';

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

/** Signature headers of a body (a notification, or an answer) signed now with `key`. */
function signedHeaders(key: string, serial: string, body = '{}', nonce = randomBytes(8).toString('hex')): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    'wechatpay-timestamp': ts,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': serial,
    'wechatpay-signature': signPayV3(payV3Message(ts, nonce, body), key),
  };
}

const PLATFORM = { pem: K.platformCertificate, serial: K.platformSerialNo };
const NEXT = { pem: K.nextPlatformCertificate, serial: K.nextPlatformSerialNo };
const SYSTEM_ERROR: Reply = { status: 500, body: '{"code":"SYSTEM_ERROR","message":"busy"}', sign: 'none' };

/**
 * A client in certificate mode over a stub WeChatPayHttpClient (no socket): `handler` answers each path, signed now
 * with the platform key unless the reply says otherwise; certificate answers can be delayed.
 */
function fakePay(handler: (path: string) => Reply, store: AccessTokenStore = new MemoryAccessTokenStore(), delayMs = 0) {
  const paths: string[] = [];
  const http = {
    request: async (_api: string, _method: string, path: string) => {
      paths.push(path);
      if (delayMs && path === '/v3/certificates') await new Promise((resolve) => setTimeout(resolve, delayMs));
      const reply = handler(path);
      const text = reply.body ?? '';
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if ((reply.sign ?? 'ok') !== 'none') {
        Object.assign(headers, signedHeaders(reply.key ?? K.platformPrivateKey, reply.serial ?? K.platformSerialNo, text));
      }
      return { status: reply.status ?? 200, headers, body: Buffer.from(text), url: new URL(`http://pay.invalid${path}`) };
    },
  } as unknown as WeChatPayHttpClient;
  const options = resolveMiniProgramOptions({
    appId: 'wxdevsimulator0001',
    appSecret: '0123456789abcdef0123456789abcdef',
    http: { timeoutMs: 1000, retries: 1, retryDelayMs: 1 },
    pay: {
      mchId: MCH,
      baseUrl: 'http://pay.invalid',
      v3: {
        apiV3Key: K.apiV3Key,
        merchantPrivateKey: K.merchantPrivateKey,
        merchantSerialNo: K.merchantSerialNo,
        notifyUrl: 'http://127.0.0.1:1/miniprogram_auth/wechatPayV3Callback',
      },
    },
  });
  const client = new WeChatPayV3Client(options, http, store);
  const query = () => client.call('v3.queryOrder', 'GET', `/v3/pay/transactions/out-trade-no/order0001?mchid=${MCH}`);
  return { client, paths, query, downloads: () => paths.filter((p) => p === '/v3/certificates').length };
}

/** Lets background work (a refresh nobody awaits) finish. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
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
  const client = new WeChatPayV3Client(options, http, new MemoryAccessTokenStore());
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

describe('WeChatPayV3Client platform certificates (stub HTTP client, fake clock)', () => {
  const body = Buffer.from('{}');
  const certs = (list: Array<{ pem: string; serial: string }>): Reply => ({ body: certificatesBody(list) });
  let now = Date.now();
  let warn: jest.SpyInstance;
  beforeEach(() => {
    now = Date.now();
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('near a certificate’s expiry, starts at most one background download per interval (5 verifies → 1 download)', async () => {
    now = Date.parse(new X509Certificate(K.platformCertificate).validTo) - 3600_000;
    const pay = fakePay(() => certs([PLATFORM]));
    for (let i = 0; i < 5; i++) {
      await expect(pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body)).resolves.toBeUndefined();
      await settle();
      now += 1000;
    }
    expect(pay.downloads()).toBe(1);
    now += 10 * 60_000;
    await pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body);
    await settle();
    expect(pay.downloads()).toBe(2);
  });

  it('with a stale list and failing downloads, retries in the background once per interval, not on every verify', async () => {
    let failing = false;
    const pay = fakePay(() => (failing ? SYSTEM_ERROR : certs([PLATFORM])));
    await pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body);
    now += 13 * 3600_000;
    failing = true;
    for (let i = 0; i < 5; i++) {
      await expect(pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body)).resolves.toBeUndefined();
      await settle();
      now += 1000;
    }
    expect(pay.downloads()).toBe(2);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('notifications with unknown serials cost at most one download while downloads fail; our own answers may force one', async () => {
    let failing = true;
    const pay = fakePay((path) =>
      path !== '/v3/certificates' ? { body: '{"trade_state":"NOTPAY"}' } : failing ? SYSTEM_ERROR : certs([PLATFORM]),
    );
    const errors: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const serial = randomBytes(20).toString('hex').toUpperCase();
      errors.push(await pay.client.verify('notify', signedHeaders(K.platformPrivateKey, serial), body).catch((e: unknown) => e));
      now += 1000;
    }
    expect(pay.downloads()).toBeLessThanOrEqual(1);
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    expect(errors.slice(1).every((e) => e instanceof PayV3SignatureError)).toBe(true);
    failing = false;
    await expect(pay.query()).resolves.toMatchObject({ status: 200 });
    expect(pay.downloads()).toBe(2);
  });

  it('replaces the cached list with each download: a certificate no longer listed is no longer trusted', async () => {
    let list = [PLATFORM];
    let signer = { key: K.platformPrivateKey, serial: K.platformSerialNo };
    const pay = fakePay((path) => ({ ...(path === '/v3/certificates' ? certs(list) : { body: '{}' }), ...signer }));
    await expect(pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body)).resolves.toBeUndefined();
    expect(pay.client.platformCertificateSerials()).toEqual([K.platformSerialNo]);

    // WeChat withdraws the first certificate; an answer signed with the new one forces a download.
    list = [NEXT];
    signer = { key: K.nextPlatformPrivateKey, serial: K.nextPlatformSerialNo };
    await expect(pay.query()).resolves.toMatchObject({ status: 200 });
    expect(pay.downloads()).toBe(2);
    expect(pay.client.platformCertificateSerials()).toEqual([K.nextPlatformSerialNo]);
    await expect(pay.client.verify('notify', signedHeaders(K.platformPrivateKey, K.platformSerialNo), body)).rejects.toBeInstanceOf(
      PayV3SignatureError,
    );
  });

  it('ignores a certificate whose notBefore is in the future', async () => {
    now = Date.parse(new X509Certificate(K.platformCertificate).validFrom) - 3600_000;
    const pay = fakePay((path) => (path === '/v3/certificates' ? certs([PLATFORM]) : { body: '{}' }));
    const error = await pay.query().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatUnavailableError);
    expect((error as WeChatUnavailableError).kind).toBe('invalid-response');
    expect(pay.client.platformCertificateSerials()).toEqual([]);
  });
});

describe('WeChatPayV3Client platform certificates in the shared store', () => {
  const KEY = `wechatpay:v3:certificates:${MCH}`;
  const answer = (list: Array<{ pem: string; serial: string }>) => (path: string) =>
    path === '/v3/certificates' ? { body: certificatesBody(list) } : { body: '{"trade_state":"NOTPAY"}' };
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined)));
  afterEach(() => jest.restoreAllMocks());

  it('a second instance verifies with the list the first one downloaded, without calling /v3/certificates', async () => {
    const store = new MemoryAccessTokenStore();
    const first = fakePay(answer([PLATFORM]), store);
    const second = fakePay(answer([PLATFORM]), store);
    await expect(first.query()).resolves.toMatchObject({ status: 200 });
    expect(first.downloads()).toBe(1);
    const stored = await store.get(KEY);
    expect(JSON.parse(stored!.token)).toMatchObject({ certificates: [{ serial: K.platformSerialNo, pem: K.platformCertificate }] });
    expect(stored!.expiresAt).toBeGreaterThan(Date.now() + 11 * 3600_000);

    await expect(second.query()).resolves.toMatchObject({ status: 200 });
    expect(second.paths).not.toContain('/v3/certificates');
    expect(second.client.platformCertificateSerials()).toEqual([K.platformSerialNo]);
  });

  it('downloads when the shared list lacks the wanted serial, and replaces the shared list', async () => {
    const store = new MemoryAccessTokenStore();
    await fakePay(answer([PLATFORM]), store).query();
    const second = fakePay(
      (path) => ({ ...answer([PLATFORM, NEXT])(path), key: K.nextPlatformPrivateKey, serial: K.nextPlatformSerialNo }),
      store,
    );
    await expect(second.query()).resolves.toMatchObject({ status: 200 });
    expect(second.downloads()).toBe(1);
    const shared = JSON.parse((await store.get(KEY))!.token) as { certificates: Array<{ serial: string }> };
    expect(shared.certificates.map((c) => c.serial).sort()).toEqual([K.platformSerialNo, K.nextPlatformSerialNo].sort());
  });

  it('ignores a shared list not written with the APIv3 key (whoever can write the store cannot add a certificate)', async () => {
    const store = new MemoryAccessTokenStore();
    await fakePay(answer([PLATFORM]), store).query();
    const entry = JSON.parse((await store.get(KEY))!.token) as { certificates: Array<{ serial: string; pem: string }> };
    entry.certificates.push({ ...NEXT, notAfter: Date.now() + 3600_000 } as never);
    await store.set(KEY, { token: JSON.stringify(entry), expiresAt: Date.now() + 3600_000 });
    const second = fakePay(answer([PLATFORM]), store);
    const headers = signedHeaders(K.nextPlatformPrivateKey, K.nextPlatformSerialNo);
    await expect(second.client.verify('notify', headers, Buffer.from('{}'))).rejects.toBeInstanceOf(PayV3SignatureError);
    expect(second.downloads()).toBe(1);
    expect(second.client.platformCertificateSerials()).toEqual([K.platformSerialNo]);
  });

  it('a failing store does not break verification: it logs (no PEM) and downloads', async () => {
    const store: AccessTokenStore = {
      get: () => Promise.reject(new Error(`store down ${K.platformCertificate}`)),
      set: () => Promise.reject(new Error('store down')),
      delete: () => Promise.resolve(),
      lock: () => Promise.reject(new Error('store down')),
    };
    const pay = fakePay(answer([PLATFORM]), store);
    await expect(pay.query()).resolves.toMatchObject({ status: 200 });
    expect(pay.downloads()).toBe(1);
    const lines = warn.mock.calls.map((c) => String(c[0]));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.join('\n')).not.toContain('BEGIN');
    expect(lines.join('\n')).not.toContain(K.apiV3Key);
  });

  it('uses the store lock: concurrent instances download once, the other takes the shared list after a short wait', async () => {
    class LockingStore extends MemoryAccessTokenStore {
      held = new Set<string>();
      async lock(key: string): Promise<(() => Promise<void>) | null> {
        if (this.held.has(key)) return null;
        this.held.add(key);
        return async () => void this.held.delete(key);
      }
    }
    const store = new LockingStore();
    const first = fakePay(answer([PLATFORM]), store, 50);
    const second = fakePay(answer([PLATFORM]), store, 50);
    await Promise.all([first.query(), second.query()]);
    expect(first.downloads() + second.downloads()).toBe(1);
    expect(store.held.size).toBe(0);
  });

  it('does not wait on a store that never answers longer than a short timeout', async () => {
    const never = new Promise<never>(() => undefined);
    const store: AccessTokenStore = { get: () => never, set: () => never, delete: () => never };
    const pay = fakePay(answer([PLATFORM]), store);
    const started = Date.now();
    await expect(pay.query()).resolves.toMatchObject({ status: 200 });
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
