/**
 * What the WeChatPayV3Client specs share: the development keys, a signed stub of the v3 API over a socket (`Stub`,
 * `build`) and one without (`fakePay`), and the signed certificate lists and headers both answer with.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encryptPayV3Resource, parsePayV3Authorization, payV3Message, signPayV3, verifyPayV3 } from '../../crypto/pay-v3.crypto';
import { resolveMiniProgramOptions } from '../../options/mini-program-options.validation';
import { SIMULATOR_DEV_V3 } from '../../testing/dev-keys/dev-v3-keys';
import { type AccessTokenStore, MemoryAccessTokenStore } from '../../wechat/access-token.store';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { WeChatPayV3Api } from './wechat-pay-v3.api';
import { WeChatPayV3Client } from './wechat-pay-v3.client';

export const K = SIMULATOR_DEV_V3;
export const MCH = '1900000109';

export type Reply = { status?: number; body?: string; sign?: 'ok' | 'none' | 'bad' | 'stale' | 'signtest'; serial?: string; key?: string };

/** A tiny WeChat Pay v3 stand-in: checks each request's Authorization, answers what the test queues, signed. */
export class Stub {
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

export function certificatesBody(certs: Array<{ pem: string; serial: string }>): string {
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
export function signedHeaders(key: string, serial: string, body = '{}', nonce = randomBytes(8).toString('hex')): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    'wechatpay-timestamp': ts,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': serial,
    'wechatpay-signature': signPayV3(payV3Message(ts, nonce, body), key),
  };
}

export const PLATFORM = { pem: K.platformCertificate, serial: K.platformSerialNo };
export const NEXT = { pem: K.nextPlatformCertificate, serial: K.nextPlatformSerialNo };
export const SYSTEM_ERROR: Reply = { status: 500, body: '{"code":"SYSTEM_ERROR","message":"busy"}', sign: 'none' };

/** The options of a v3 client of `baseUrl`: one retry, short delays; in `public-key` mode with WeChat Pay's public key. */
function clientOptions(baseUrl: string, mode: 'public-key' | 'certificate') {
  return resolveMiniProgramOptions({
    appId: 'wxdevsimulator0001',
    appSecret: '0123456789abcdef0123456789abcdef',
    http: { timeoutMs: 1000, retries: 1, retryDelayMs: 1 },
    pay: {
      mchId: MCH,
      baseUrl,
      v3: {
        apiV3Key: K.apiV3Key,
        merchantPrivateKey: K.merchantPrivateKey,
        merchantSerialNo: K.merchantSerialNo,
        notifyUrl: 'http://127.0.0.1:1/miniprogram_auth/wechatPayV3Callback',
        ...(mode === 'public-key' ? { wechatPayPublicKey: K.wechatPayPublicKey, wechatPayPublicKeyId: K.publicKeyId } : {}),
      },
    },
  });
}

/**
 * A client in certificate mode over a stub WeChatPayHttpClient (no socket): `handler` answers each path, signed now
 * with the platform key unless the reply says otherwise; certificate answers can be delayed.
 */
export function fakePay(handler: (path: string) => Reply, store: AccessTokenStore = new MemoryAccessTokenStore(), delayMs = 0) {
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
  const client = new WeChatPayV3Client(clientOptions('http://pay.invalid', 'certificate'), http, store);
  const query = () => client.call('v3.queryOrder', 'GET', `/v3/pay/transactions/out-trade-no/order0001?mchid=${MCH}`);
  return { client, paths, query, downloads: () => paths.filter((p) => p === '/v3/certificates').length };
}

/** Lets background work (a refresh nobody awaits) finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

export function build(stub: Stub, mode: 'public-key' | 'certificate') {
  const options = clientOptions(stub.url, mode);
  const http = new WeChatPayHttpClient(options);
  const client = new WeChatPayV3Client(options, http, new MemoryAccessTokenStore());
  return { client, api: new WeChatPayV3Api(options, client), http };
}
