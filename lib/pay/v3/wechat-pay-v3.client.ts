import { Inject, Injectable, Logger } from '@nestjs/common';
import { X509Certificate, type KeyObject } from 'node:crypto';
import {
  buildPayV3Authorization,
  certificateSerialNo,
  decryptPayV3Resource,
  isPayV3PublicKeyId,
  loadPayV3PublicKey,
  verifyPayV3Signature,
} from '../../crypto/pay-v3.crypto';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions, ResolvedPayV3Options } from '../../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { withRetries } from '../../utils/retry.util';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';

/** How far a signed answer's or notification's timestamp may be from our clock. */
export const PAY_V3_CLOCK_SKEW_SECONDS = 300;

/** WeChat's probe signatures (it checks that merchants verify): never valid. */
const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

/** v3 error codes after which the same request may be sent again. */
const RETRYABLE_V3_CODES = new Set(['SYSTEM_ERROR', 'SYSTEMERROR', 'BIZERR_NEED_RETRY']);

/** Headers of a request or answer, looked up case-insensitively. @internal */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** Reads one header case-insensitively; a repeated header counts as missing (ambiguous). @internal */
export function header(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: string | undefined;
  let count = 0;
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    count += Array.isArray(value) ? value.length : 1;
    found = Array.isArray(value) ? value[0] : value;
  }
  return count === 1 ? found : undefined;
}

/** A signature that does not verify, a stale timestamp, a missing header, an unknown key. @internal */
export class PayV3SignatureError extends Error {
  override readonly name = 'PayV3SignatureError';
}

/** What a verified v3 answer gave. @internal */
export interface PayV3Answer {
  status: number;
  body: Buffer;
  json: Record<string, unknown>;
}

interface CachedCertificate {
  key: KeyObject;
  notAfter: number;
}

/** Platform certificates are downloaded again after this long, and when one expires within `EXPIRY_MARGIN_MS`. */
const CERT_REFRESH_MS = 12 * 3600_000;
const EXPIRY_MARGIN_MS = 24 * 3600_000;
/** An unknown serial triggers at most one download per this interval (a flood of forged serials costs one). */
const UNKNOWN_SERIAL_INTERVAL_MS = 30_000;

/**
 * WeChat Pay API v3 transport: signs every request (`Authorization: WECHATPAY2-SHA256-RSA2048 …`), verifies every
 * answer's `Wechatpay-Signature` fail-closed (with the WeChat Pay public key, or the platform certificate named by
 * `Wechatpay-Serial`), refuses timestamps more than 5 minutes off, maps error answers to `WeChatPayError`, and keeps the
 * platform certificates (downloaded from `/v3/certificates`, decrypted with the APIv3 key, cached in memory, refreshed
 * on an unknown serial and before expiry, one download at a time).
 * @internal
 */
@Injectable()
export class WeChatPayV3Client {
  private readonly logger = new Logger('MiniProgram');
  private readonly certificates = new Map<string, CachedCertificate>();
  private loading: Promise<void> | null = null;
  private lastLoad = 0;
  private lastAttempt = 0;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly http: WeChatPayHttpClient,
  ) {}

  /** The v3 options, or a typed error naming the API when v3 is not configured. */
  v3(api: string): { pay: ResolvedPayOptions; v3: ResolvedPayV3Options } {
    const pay = this.options.pay;
    if (!pay) throw new WeChatPayInputError(api, ['WeChat Pay is not configured: give MiniProgramModule the `pay` options']);
    if (!pay.v3) throw new WeChatPayInputError(api, ['WeChat Pay API v3 is not configured: set pay.v3']);
    return { pay, v3: pay.v3 };
  }

  /**
   * Sends a signed JSON request and verifies the answer. 2xx answers resolve (204 with `{}`); error answers become
   * `WeChatPayError` (`errCode` = v3 `code`). Network failures, 5xx and `SYSTEM_ERROR` are retried: every call of
   * this library is idempotent by its merchant keys.
   */
  async call(api: string, method: 'GET' | 'POST', path: string, body?: Record<string, unknown>): Promise<PayV3Answer> {
    this.v3(api);
    return withRetries(() => this.once(api, method, path, body), {
      retries: this.options.http.retries,
      delayMs: this.options.http.retryDelayMs,
      shouldRetry: (error) =>
        (error instanceof WeChatUnavailableError && error.kind !== 'invalid-response') ||
        (error instanceof WeChatPayError && ((error.httpStatus ?? 0) >= 500 || RETRYABLE_V3_CODES.has(error.errCode ?? ''))),
      onRetry: (error, attempt) => this.logger.warn(`WeChat Pay ${api} attempt ${attempt} failed (${(error as Error).message}); retrying`),
    });
  }

  /**
   * GETs a bill's `download_url` with a signed request. The answer is a file and is not signed (its digest is checked by
   * the caller). The URL must be on the pay API's origin: the `Authorization` header never goes elsewhere.
   */
  async download(api: string, downloadUrl: string): Promise<Buffer> {
    const { pay } = this.v3(api);
    let url: URL;
    try {
      url = new URL(downloadUrl);
    } catch {
      throw new WeChatUnavailableError(api, 'invalid-response', 'download_url is not a URL');
    }
    if (url.origin !== new URL(pay.baseUrl).origin) {
      throw new WeChatUnavailableError(api, 'invalid-response', 'download_url is not on the pay API origin');
    }
    return withRetries(
      async () => {
        const pathAndQuery = url.pathname + url.search;
        const res = await this.http.request(api, 'GET', url.href, this.headers(api, 'GET', pathAndQuery, ''));
        if (res.status >= 300) this.throwError(api, res.status, res.body);
        return res.body;
      },
      {
        retries: this.options.http.retries,
        delayMs: this.options.http.retryDelayMs,
        shouldRetry: (error) =>
          (error instanceof WeChatUnavailableError && error.kind !== 'invalid-response') ||
          (error instanceof WeChatPayError && (error.httpStatus ?? 0) >= 500),
      },
    );
  }

  /**
   * Verifies a signed message (an answer or a notification) fail-closed: all four `Wechatpay-*` headers present, no
   * `WECHATPAY/SIGNTEST/` probe, timestamp within 5 minutes, a known key, a valid signature.
   * @throws PayV3SignatureError otherwise.
   */
  async verify(api: string, headers: HeaderBag, body: Buffer, source: 'answer' | 'notification' = 'notification'): Promise<void> {
    const { v3 } = this.v3(api);
    const timestamp = header(headers, 'wechatpay-timestamp');
    const nonce = header(headers, 'wechatpay-nonce');
    const signature = header(headers, 'wechatpay-signature');
    const serial = header(headers, 'wechatpay-serial');
    if (!timestamp || !nonce || !signature || !serial) throw new PayV3SignatureError('a Wechatpay-* signature header is missing');
    if (signature.startsWith(SIGNTEST_PREFIX)) throw new PayV3SignatureError('a WECHATPAY/SIGNTEST/ probe signature');
    if (!/^\d{1,12}$/.test(timestamp)) throw new PayV3SignatureError('Wechatpay-Timestamp is not a number of seconds');
    if (Math.abs(Number(timestamp) - Date.now() / 1000) > PAY_V3_CLOCK_SKEW_SECONDS) {
      throw new PayV3SignatureError('Wechatpay-Timestamp is more than 5 minutes off');
    }
    const key = await this.keyFor(api, v3, serial, source);
    if (!key) throw new PayV3SignatureError('Wechatpay-Serial names no key we trust');
    if (!verifyPayV3Signature({ timestamp, nonce, body, signature }, key)) throw new PayV3SignatureError('the signature does not verify');
  }

  /** The platform certificate public key for a serial, or the configured public key (for `encryptSensitive`). */
  async encryptionKey(api: string): Promise<{ serial: string; key: KeyObject }> {
    const { v3 } = this.v3(api);
    if (v3.wechatPayPublicKey && v3.wechatPayPublicKeyId) return { serial: v3.wechatPayPublicKeyId, key: v3.wechatPayPublicKey };
    await this.ensureCertificates(api);
    let best: [string, CachedCertificate] | undefined;
    for (const entry of this.certificates) if (!best || entry[1].notAfter > best[1].notAfter) best = entry;
    if (!best) throw new WeChatUnavailableError(api, 'invalid-response', 'no platform certificate is available');
    return { serial: best[0], key: best[1].key };
  }

  /** Serials of the cached platform certificates (for tests and diagnostics). */
  platformCertificateSerials(): string[] {
    return [...this.certificates.keys()];
  }

  // ---------------------------------------------------------------- internals

  private headers(api: string, method: string, pathAndQuery: string, body: string): Record<string, string> {
    const { pay, v3 } = this.v3(api);
    return {
      accept: 'application/json',
      'user-agent': 'nestjs-miniprogram-api',
      authorization: buildPayV3Authorization({
        mchId: pay.mchId,
        serialNo: v3.merchantSerialNo,
        privateKey: v3.merchantPrivateKey,
        method,
        url: pathAndQuery,
        body,
      }),
      ...(v3.wechatPayPublicKeyId && v3.wechatPayPublicKey ? { 'wechatpay-serial': v3.wechatPayPublicKeyId } : {}),
      ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
    };
  }

  private async once(api: string, method: 'GET' | 'POST', path: string, payload?: Record<string, unknown>): Promise<PayV3Answer> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const res = await this.http.request(
      api,
      method,
      path,
      this.headers(api, method, path, body),
      body ? Buffer.from(body, 'utf8') : undefined,
    );
    return this.answer(api, res.status, res.headers as HeaderBag, res.body);
  }

  /** Checks an answer: signature first (error answers are signed too, when WeChat could sign them), then the status. */
  private async answer(api: string, status: number, headers: HeaderBag, body: Buffer, verify = true): Promise<PayV3Answer> {
    if (status >= 300) this.throwError(api, status, body);
    if (verify) {
      try {
        await this.verify(api, headers, body, 'answer');
      } catch (error) {
        if (error instanceof PayV3SignatureError) {
          throw new WeChatUnavailableError(api, 'invalid-response', `the answer's signature is refused: ${error.message}`);
        }
        throw error;
      }
    }
    if (body.length === 0) return { status, body, json: {} };
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      throw new WeChatUnavailableError(api, 'invalid-response', 'the answer is not JSON');
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new WeChatUnavailableError(api, 'invalid-response', 'the answer is not a JSON object');
    }
    return { status, body, json: json as Record<string, unknown> };
  }

  /**
   * An error answer. Its content is not trusted for anything but the error (WeChat does not always sign them); a body
   * that is not `{code, message}` is reported as an HTTP failure.
   */
  private throwError(api: string, status: number, body: Buffer): never {
    let parsed: { code?: unknown; message?: unknown } | null = null;
    try {
      parsed = JSON.parse(body.toString('utf8')) as { code?: unknown; message?: unknown };
    } catch {
      parsed = null;
    }
    if (parsed && typeof parsed === 'object' && typeof parsed.code === 'string') {
      throw new WeChatPayError(
        api,
        {
          returnCode: 'SUCCESS',
          resultCode: 'FAIL',
          errCode: parsed.code,
          errCodeDes: typeof parsed.message === 'string' ? parsed.message.slice(0, 256) : undefined,
        },
        status,
      );
    }
    throw new WeChatUnavailableError(api, 'http', `HTTP ${status}`, status);
  }

  private async keyFor(
    api: string,
    v3: ResolvedPayV3Options,
    serial: string,
    source: 'answer' | 'notification',
  ): Promise<KeyObject | undefined> {
    if (isPayV3PublicKeyId(serial)) {
      return v3.wechatPayPublicKey && serial === v3.wechatPayPublicKeyId ? v3.wechatPayPublicKey : undefined;
    }
    if (!v3.platformCertificates) return undefined;
    const now = Date.now();
    const cached = this.certificates.get(serial);
    if (cached && cached.notAfter > now) {
      if (now - this.lastLoad > CERT_REFRESH_MS || cached.notAfter - now < EXPIRY_MARGIN_MS) {
        void this.refresh(api).catch((error: Error) =>
          this.logger.warn(`WeChat Pay platform certificates refresh failed: ${error.message}`),
        );
      }
      return cached.key;
    }
    // Unknown (or expired) serial: download again. An answer to our own request (over TLS to the pay API) may always
    // ask for that; a notification (anyone can post one) at most once per interval.
    if (this.loading) await this.loading.catch(() => undefined);
    else if (source === 'answer' || now - this.lastAttempt >= UNKNOWN_SERIAL_INTERVAL_MS || this.lastLoad === 0) await this.refresh(api);
    const fresh = this.certificates.get(serial);
    return fresh && fresh.notAfter > Date.now() ? fresh.key : undefined;
  }

  private async ensureCertificates(api: string): Promise<void> {
    if (this.certificates.size === 0 || Date.now() - this.lastLoad > CERT_REFRESH_MS) await this.refresh(api);
  }

  /** Downloads the platform certificates; concurrent callers share one download. */
  private refresh(api: string): Promise<void> {
    if (!this.loading) {
      this.lastAttempt = Date.now();
      this.loading = this.downloadCertificates(api).finally(() => (this.loading = null));
    }
    return this.loading;
  }

  private async downloadCertificates(api: string): Promise<void> {
    const { v3 } = this.v3(api);
    const path = '/v3/certificates';
    const res = await withRetries(() => this.http.request('certificates', 'GET', path, this.headers(api, 'GET', path, '')), {
      retries: this.options.http.retries,
      delayMs: this.options.http.retryDelayMs,
      shouldRetry: (error) => error instanceof WeChatUnavailableError && error.kind !== 'invalid-response',
    });
    // The answer is signed by one of the certificates it carries: decrypt first (the APIv3 key authenticates them),
    // then verify the answer with the certificate it names.
    if (res.status >= 300) this.throwError('certificates', res.status, res.body);
    let data: unknown;
    try {
      data = (JSON.parse(res.body.toString('utf8')) as { data?: unknown }).data;
    } catch {
      throw new WeChatUnavailableError('certificates', 'invalid-response', 'the answer is not JSON');
    }
    if (!Array.isArray(data)) throw new WeChatUnavailableError('certificates', 'invalid-response', 'data is not a list');
    const found = new Map<string, CachedCertificate>();
    for (const item of data as Array<Record<string, unknown>>) {
      try {
        const enc = item.encrypt_certificate as { ciphertext: string; nonce: string; associated_data?: string };
        const pem = decryptPayV3Resource(enc, v3.apiV3Key);
        const serial = certificateSerialNo(pem);
        if (typeof item.serial_no === 'string' && item.serial_no.toUpperCase() !== serial) continue;
        const notAfter = new Date(new X509Certificate(pem).validTo).getTime();
        if (notAfter <= Date.now()) continue;
        found.set(serial, { key: loadPayV3PublicKey(pem), notAfter });
      } catch {
        this.logger.warn('WeChat Pay sent a platform certificate that does not decrypt or load; ignored');
      }
    }
    const serial = header(res.headers as HeaderBag, 'wechatpay-serial');
    const signer = serial && !isPayV3PublicKeyId(serial) ? found.get(serial) : undefined;
    const key = signer?.key ?? (serial && serial === v3.wechatPayPublicKeyId ? v3.wechatPayPublicKey : undefined);
    const timestamp = header(res.headers as HeaderBag, 'wechatpay-timestamp') ?? '';
    const signature = header(res.headers as HeaderBag, 'wechatpay-signature') ?? '';
    if (
      !key ||
      signature.startsWith(SIGNTEST_PREFIX) ||
      !/^\d{1,12}$/.test(timestamp) ||
      Math.abs(Number(timestamp) - Date.now() / 1000) > PAY_V3_CLOCK_SKEW_SECONDS ||
      !verifyPayV3Signature({ timestamp, nonce: header(res.headers as HeaderBag, 'wechatpay-nonce') ?? '', body: res.body, signature }, key)
    ) {
      throw new WeChatUnavailableError('certificates', 'invalid-response', 'the certificate list is not signed by a certificate it holds');
    }
    for (const [s, c] of this.certificates) if (c.notAfter <= Date.now()) this.certificates.delete(s);
    for (const [s, c] of found) this.certificates.set(s, c);
    this.lastLoad = Date.now();
  }
}
