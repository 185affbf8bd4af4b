import { createDecipheriv, createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIMULATOR_DEV_APP, SIMULATOR_DEV_PUSH, WeChatSimulator } from '../index';
import type { SimPushConfig, WeChatSimulatorOptions } from '../index';
import { simulatorBench } from '../server/simulator-bench.spec-kit';

export { sleep, waitFor } from '../server/simulator-bench.spec-kit';

export const APP = SIMULATOR_DEV_APP;
export const DEV_PUSH = SIMULATOR_DEV_PUSH;
/** 5 s of WeChat's push retry schedule = 5 real milliseconds. */
export const TIME_SCALE = 0.001;

/** A request the receiver got. */
export interface Received {
  at: number;
  method: string;
  path: string;
  query: URLSearchParams;
  /** The raw query string, to compare two requests byte for byte. */
  search: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An answer of the receiver. */
export interface Answer {
  status: number;
  body: string;
}

/**
 * A tiny app receiving pushes: records every request and answers from a queue, or with `fallback(request)` when the
 * queue is empty (by default `success`, and the `echostr` of a URL check).
 */
export class PushReceiver {
  readonly received: Received[] = [];
  readonly answers: Answer[] = [];
  fallback: (request: Received) => Answer = (request) => ({ status: 200, body: request.query.get('echostr') ?? 'success' });
  port = 0;
  private readonly server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: Received = {
        at: Date.now(),
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        search: url.search,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      this.received.push(request);
      const answer = this.answers.shift() ?? this.fallback(request);
      res.writeHead(answer.status, { 'content-type': 'text/plain' });
      res.end(answer.body);
    });
  });

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  url(path = '/miniprogram_auth/wechatPush'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  reset(): void {
    this.received.length = 0;
    this.answers.length = 0;
    this.fallback = (request) => ({ status: 200, body: request.query.get('echostr') ?? 'success' });
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** WeChat's push signature computed here from scratch: SHA-1 of the values sorted and joined. */
export function sha1Signature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''), 'utf8')
    .digest('hex');
}

/** What a safe-mode ciphertext holds, decrypted here from scratch (AES-256-CBC, WeChat's 32-byte PKCS#7). */
export interface Decrypted {
  random: Buffer;
  message: string;
  appId: string;
  padding: number;
}

/** Decrypts an `Encrypt` value with an EncodingAESKey, independently of lib/crypto; throws when it does not decrypt. */
export function independentDecrypt(encodingAesKey: string, encrypt: string): Decrypted {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  expect(key).toHaveLength(32);
  const data = Buffer.from(encrypt, 'base64');
  expect(data.toString('base64')).toBe(encrypt);
  expect(data.length % 32).toBe(0);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(data), decipher.final()]);
  const padding = plain[plain.length - 1];
  if (padding < 1 || padding > 32 || !plain.subarray(plain.length - padding).every((byte) => byte === padding)) {
    throw new Error('bad padding');
  }
  const length = plain.readUInt32BE(16);
  if (20 + length > plain.length - padding) throw new Error('bad length');
  return {
    random: plain.subarray(0, 16),
    message: plain.subarray(20, 20 + length).toString('utf8'),
    appId: plain.subarray(20 + length, plain.length - padding).toString('utf8'),
    padding,
  };
}

/** The `Encrypt` field of a JSON or XML envelope, read with a regular expression rather than the library. */
export function encryptOf(body: string): string {
  if (body.startsWith('{')) return (JSON.parse(body) as { Encrypt: string }).Encrypt;
  return /<Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]><\/Encrypt>/.exec(body)?.[1] as string;
}

/** The query parameter names of a request, in order. */
export function queryNames(request: Received): string[] {
  return [...request.query.keys()];
}

/**
 * One simulator and one receiver for a spec file: started before its tests, reset before each, stopped after; the
 * app's push points at the receiver with `push(url)` (plaintext JSON unless told otherwise).
 */
export function pushBench(options: WeChatSimulatorOptions = {}) {
  const sim = new WeChatSimulator({ timeScale: TIME_SCALE, ...options });
  const receiver = new PushReceiver();
  const { control } = simulatorBench(sim, receiver);

  /** Points the first app's push at the receiver. */
  function configure(config: Partial<SimPushConfig> = {}) {
    return sim.configurePush({ url: receiver.url(), token: DEV_PUSH.token, ...config });
  }

  return { sim, receiver, configure, control };
}
