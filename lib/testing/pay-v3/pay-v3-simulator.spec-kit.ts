import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { buildPayV3Authorization, decryptPayV3Resource, verifyPayV3Signature } from '../../crypto/pay-v3.crypto';
import type { PayV3PublicKey } from '../../crypto/pay-v3.crypto';
import { SIMULATOR_DEV_V3 } from '../index';
import { CERTS, M, payBench } from '../pay/pay-simulator.spec-kit';
import type { Json } from '../pay/pay-simulator.spec-kit';

export { M } from '../pay/pay-simulator.spec-kit';
export type { Json } from '../pay/pay-simulator.spec-kit';

export const V3 = SIMULATOR_DEV_V3;
/** RFC 3339 in Beijing time, as every v3 time the simulator gives. */
export const RFC3339_BJ = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: Json;
}

export interface SendOptions {
  /** The Authorization header as given (null: none); built from the merchant key when absent. */
  auth?: string | null;
  serialNo?: string;
  mchId?: string;
  /** Seconds added to the time of sending for the signed timestamp. */
  timestampOffset?: number;
  /** Body actually sent, when it differs from the signed one. */
  sentBody?: string;
  /** Target actually sent, when it differs from the signed one. */
  sentTarget?: string;
}

/** A raw HTTPS request to the pay server with exactly these headers, trusting the development CA. */
export function rawHttps(base: string, method: string, target: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, path: target, method, ca: CERTS.ca, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        const text = all.toString('utf8');
        let json: Json = {};
        try {
          json = text === '' ? {} : (JSON.parse(text) as Json);
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether an answer or a notification carries a valid `Wechatpay-Signature` by `key` (false when it has none). */
export function verifies(
  message: { body: string | Buffer; headers: IncomingHttpHeaders },
  key: PayV3PublicKey = V3.wechatPayPublicKey,
): boolean {
  return verifyPayV3Signature(
    {
      timestamp: message.headers['wechatpay-timestamp'] as string,
      nonce: message.headers['wechatpay-nonce'] as string,
      body: message.body,
      signature: (message.headers['wechatpay-signature'] as string | undefined) ?? '',
    },
    key,
  );
}

/** The decrypted resource of a notification body. */
export function decryptNotification(body: string, apiV3Key = V3.apiV3Key): Json {
  const parsed = JSON.parse(body) as Json;
  return JSON.parse(decryptPayV3Resource(parsed.resource, apiV3Key)) as Json;
}

/**
 * One simulator for a v3 spec file, in public-key mode before each test, with a notification target that acknowledges
 * as v3 apps do (204); and the signed v3 calls the specs make of it.
 */
export function payV3Bench() {
  const bench = payBench({ fallback: { status: 204, body: '' }, contentType: 'application/json', path: '/v3notify' });
  const { sim, target, control } = bench;
  let seq = 0;

  beforeEach(() => {
    sim.setPayV3({ mode: 'public-key', rotate: false });
  });

  /** A signed v3 request; every non-file answer must verify with the current WeChat Pay key. */
  async function v3(method: string, targetPath: string, body?: unknown, options: SendOptions = {}): Promise<Answer> {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const auth =
      options.auth === undefined
        ? buildPayV3Authorization({
            mchId: options.mchId ?? M.mchId,
            serialNo: options.serialNo ?? V3.merchantSerialNo,
            privateKey: V3.merchantPrivateKey,
            method,
            url: targetPath,
            body: text,
            ...(options.timestampOffset !== undefined ? { timestamp: Math.floor(Date.now() / 1000) + options.timestampOffset } : {}),
          })
        : options.auth;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'spec' };
    if (text !== '') headers['content-type'] = 'application/json';
    if (auth !== null) headers.authorization = auth;
    const answer = await rawHttps(bench.urls().payBase, method, options.sentTarget ?? targetPath, options.sentBody ?? text, headers);
    expect(answer.headers['request-id']).toMatch(/^[0-9A-F]{40}$/);
    if (answer.headers['content-type'] !== 'application/octet-stream') {
      const settings = sim.payV3Settings;
      const key =
        settings.mode === 'public-key' ? V3.wechatPayPublicKey : settings.rotated ? V3.nextPlatformCertificate : V3.platformCertificate;
      expect(answer.headers['wechatpay-serial']).toBe(settings.serial);
      expect(verifies(answer, key)).toBe(true);
      expect(Math.abs(Number(answer.headers['wechatpay-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    }
    return answer;
  }

  /** A number not given before in this file, for unique order numbers and users. */
  function nextSeq(): number {
    return ++seq;
  }

  function newOutTradeNo(): string {
    return `V3T${Date.now()}${nextSeq()}`;
  }

  function jsapiBody(overrides: Json = {}): Json {
    return {
      appid: M.appId,
      mchid: M.mchId,
      description: '模拟商品',
      out_trade_no: newOutTradeNo(),
      notify_url: target.url(),
      amount: { total: 100, currency: 'CNY' },
      payer: { openid: sim.login({ openId: `oV3User${nextSeq()}` }).openId },
      ...overrides,
    };
  }

  async function createOrder(overrides: Json = {}): Promise<{ outTradeNo: string; prepayId: string; body: Json }> {
    const body = jsapiBody(overrides);
    const answer = await v3('POST', '/v3/pay/transactions/jsapi', body);
    expect(answer.status).toBe(200);
    return { outTradeNo: body.out_trade_no as string, prepayId: answer.json.prepay_id as string, body };
  }

  async function paidOrder(overrides: Json = {}): Promise<{ outTradeNo: string; transactionId: string }> {
    const created = await createOrder(overrides);
    const paid = await control('POST', '/__sim/pay', { prepayId: created.prepayId });
    expect(paid.status).toBe(200);
    return { outTradeNo: created.outTradeNo, transactionId: paid.json.transactionId as string };
  }

  return { sim, target, control, urls: bench.urls, v3, nextSeq, newOutTradeNo, jsapiBody, createOrder, paidOrder };
}
