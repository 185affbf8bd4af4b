import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHmac, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
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
import { MINI_PROGRAM_ACCESS_TOKEN_STORE, MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { callLockTtlMs, withRetries } from '../../utils/retry.util';
import type { AccessTokenStore } from '../../wechat/access-token.store';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';

/** How far a signed answer's or notification's timestamp may be from our clock. */
export const PAY_V3_CLOCK_SKEW_SECONDS = 300;

/** WeChat's probe signatures (it checks that merchants verify): never valid. */
const SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';

/** v3 error codes after which the same request may be sent again. */
const RETRYABLE_V3_CODES = new Set(['SYSTEM_ERROR', 'SYSTEMERROR', 'BIZERR_NEED_RETRY']);

/** Headers of a request or answer, looked up case-insensitively. @internal */
export type HeaderBag = Record<string, string | string[] | undefined>;

/**
 * Reads one header case-insensitively; a repeated header counts as missing (ambiguous), and so does a value that is
 * not a string. @internal
 */
export function header(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  let found: unknown;
  let count = 0;
  for (const [key, value] of Object.entries(typeof headers === 'object' && headers !== null ? headers : {})) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    count += Array.isArray(value) ? value.length : 1;
    found = Array.isArray(value) ? (value as unknown[])[0] : value;
  }
  return count === 1 && typeof found === 'string' ? found : undefined;
}

const SIGNATURE_HEADERS = ['wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-signature', 'wechatpay-serial'];

/** Whether any `Wechatpay-*` signature header is there (whatever its value). */
function hasSignatureHeader(headers: HeaderBag): boolean {
  if (typeof headers !== 'object' || headers === null) return false;
  return Object.entries(headers).some(([key, value]) => value !== undefined && SIGNATURE_HEADERS.includes(key.toLowerCase()));
}

/** A signature that does not verify, a stale timestamp, a missing header, an unknown key. @internal */
export class PayV3SignatureError extends Error {
  override readonly name = 'PayV3SignatureError';
}

/** The HTTP methods of WeChat Pay API v3. @publicApi */
export type PayV3Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a verified v3 answer gave. @internal */
export interface PayV3Answer {
  status: number;
  body: Buffer;
  json: Record<string, unknown>;
}

interface CachedCertificate {
  key: KeyObject;
  notAfter: number;
  pem: string;
}

/** A verified certificate list as kept in the shared store (JSON in `StoredAccessToken.token`). */
interface SharedCertificates {
  /** When the list was downloaded (ms since the epoch). */
  downloadedAt: number;
  certificates: Array<{ serial: string; pem: string; notAfter: number }>;
  /** HMAC-SHA256 of the above under a key derived from the APIv3 key (see `sharedMac`). */
  mac: string;
}

/** Platform certificates are downloaded again after this long, and when one expires within `EXPIRY_MARGIN_MS`. */
const CERT_REFRESH_MS = 12 * 3600_000;
const EXPIRY_MARGIN_MS = 24 * 3600_000;
/** Background refreshes (a stale list, a certificate near expiry) start at most once per this interval, success or not. */
const BACKGROUND_REFRESH_INTERVAL_MS = 10 * 60_000;
/** A notification's unknown serial triggers at most one refresh per this interval (a flood of forged serials costs one). */
const UNKNOWN_SERIAL_INTERVAL_MS = 30_000;
/** Longest wait for one call of the shared store. */
const STORE_TIMEOUT_MS = 1_000;
/** While another process holds the download lock: how often, and how many times, to look for its list before downloading. */
const LOCK_POLL_MS = 100;
const LOCK_POLLS = 20;

/**
 * WeChat Pay API v3 transport: signs every request (`Authorization: WECHATPAY2-SHA256-RSA2048 …`), verifies every
 * answer's `Wechatpay-Signature` fail-closed (with the WeChat Pay public key, or the platform certificate named by
 * `Wechatpay-Serial`), refuses timestamps more than 5 minutes off, maps error answers to `WeChatPayError` (verifying
 * those that carry signature headers), and keeps the platform certificates: downloaded from `/v3/certificates`
 * (decrypted with the APIv3 key, the answer verified with one of them), each new list replacing the last, cached in
 * memory and in the access-token store (shared by the app's processes; one download at a time when the store can
 * lock), refreshed on an unknown serial and in the background when the list is stale or a certificate is near expiry
 * (at most once per interval, whether downloads succeed or not).
 * @internal
 */
@Injectable()
export class WeChatPayV3Client {
  private readonly logger = new Logger('MiniProgram');
  private readonly certificates = new Map<string, CachedCertificate>();
  private loading: Promise<void> | null = null;
  /** When the cached list was downloaded (here or by another process); 0 before the first. */
  private lastLoad = 0;
  /** When the last refresh started, whatever came of it; 0 before the first. */
  private lastAttempt = 0;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly http: WeChatPayHttpClient,
    @Inject(MINI_PROGRAM_ACCESS_TOKEN_STORE) private readonly store: AccessTokenStore,
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
   * `WeChatPayError` (`errCode` = v3 `code`), except one carrying `Wechatpay-*` signature headers that do not verify:
   * `WeChatUnavailableError` `invalid-response` (unsigned error answers are taken as they come, over TLS). Network
   * failures, 5xx and `SYSTEM_ERROR` are retried: every call of this library is idempotent by its merchant keys.
   */
  async call(api: string, method: PayV3Method, path: string, body?: Record<string, unknown>): Promise<PayV3Answer> {
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
    for (const entry of this.certificates) {
      if (entry[1].notAfter > Date.now() && (!best || entry[1].notAfter > best[1].notAfter)) best = entry;
    }
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
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
  }

  private async once(api: string, method: PayV3Method, path: string, payload?: Record<string, unknown>): Promise<PayV3Answer> {
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

  /**
   * Checks an answer. A 2xx answer must verify. An error answer need not be signed (WeChat does not always sign them,
   * it comes over TLS from the pay API, and the official SDKs do not verify them either), but one that carries any
   * `Wechatpay-*` signature header must verify, or it is refused as `invalid-response` rather than reported as a
   * `WeChatPayError` whose code could drive state changes.
   */
  private async answer(api: string, status: number, headers: HeaderBag, body: Buffer, verify = true): Promise<PayV3Answer> {
    const failed = status >= 300;
    if (verify && (!failed || hasSignatureHeader(headers))) {
      try {
        await this.verify(api, headers, body, 'answer');
      } catch (error) {
        if (error instanceof PayV3SignatureError) {
          const what = failed ? 'error answer' : 'answer';
          throw new WeChatUnavailableError(api, 'invalid-response', `the ${what}'s signature is refused: ${error.message}`);
        }
        throw error;
      }
    }
    if (failed) this.throwError(api, status, body);
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
      if (now - this.lastLoad > CERT_REFRESH_MS || cached.notAfter - now < EXPIRY_MARGIN_MS) this.refreshInBackground(api);
      return cached.key;
    }
    // Unknown (or expired) serial: load again. An answer to our own request (over TLS to the pay API) may always ask
    // for that; a notification (anyone can post one) at most once per interval since the last attempt, even while no
    // download has succeeded yet.
    if (this.loading) await this.loading.catch(() => undefined);
    else if (source === 'answer' || now - this.lastAttempt >= UNKNOWN_SERIAL_INTERVAL_MS) await this.refresh(api, serial);
    const fresh = this.certificates.get(serial);
    return fresh && fresh.notAfter > Date.now() ? fresh.key : undefined;
  }

  private async ensureCertificates(api: string): Promise<void> {
    const now = Date.now();
    if (![...this.certificates.values()].some((c) => c.notAfter > now)) await this.refresh(api);
    else if (now - this.lastLoad > CERT_REFRESH_MS) this.refreshInBackground(api);
  }

  /** Starts a refresh nobody waits for, at most once per `BACKGROUND_REFRESH_INTERVAL_MS` since the last attempt. */
  private refreshInBackground(api: string): void {
    if (this.loading || Date.now() - this.lastAttempt < BACKGROUND_REFRESH_INTERVAL_MS) return;
    void this.refresh(api).catch((error: Error) => this.logger.warn(`WeChat Pay platform certificates refresh failed: ${error.message}`));
  }

  /** Loads the platform certificates (`wanted`: the serial asked for, if any); concurrent callers share one load. */
  private refresh(api: string, wanted?: string): Promise<void> {
    if (!this.loading) {
      this.lastAttempt = Date.now();
      this.loading = this.load(api, wanted).finally(() => (this.loading = null));
    }
    return this.loading;
  }

  /**
   * Takes the shared store's list when it serves (see `serves`). Otherwise downloads, holding the store's lock when it
   * has one: while another process holds it, waits a little for that process's list (the newest there is, whatever it
   * holds), then downloads anyway. The list downloaded is shared. A failing store only costs a download.
   */
  private async load(api: string, wanted?: string): Promise<void> {
    const store = this.store;
    const key = `wechatpay:v3:certificates:${this.v3(api).pay.mchId}`;
    const seen = await this.readShared(api, key);
    if (seen && this.serves(seen, wanted)) return this.install(seen.found, seen.downloadedAt);
    let release: (() => Promise<void>) | null | undefined;
    if (store.lock) {
      release = await this.storeCall('lock', () => store.lock!(key, callLockTtlMs(this.options.http)));
      const deadline = Date.now() + LOCK_POLLS * LOCK_POLL_MS;
      for (let i = 0; release === null && i < LOCK_POLLS && Date.now() < deadline; i++) {
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
        const next = await this.readShared(api, key);
        if (next && (next.downloadedAt > (seen?.downloadedAt ?? -1) || this.serves(next, wanted))) {
          return this.install(next.found, next.downloadedAt);
        }
      }
    }
    try {
      const downloadedAt = Date.now();
      const found = await this.downloadCertificates(api);
      this.install(found, downloadedAt);
      const certificates = [...found].map(([serial, c]) => ({ serial, pem: c.pem, notAfter: c.notAfter }));
      const entry: SharedCertificates = { downloadedAt, certificates, mac: this.sharedMac(api, downloadedAt, certificates) };
      await this.storeCall('write', () => store.set(key, { token: JSON.stringify(entry), expiresAt: downloadedAt + CERT_REFRESH_MS }));
    } finally {
      if (release) await this.storeCall('unlock', release);
    }
  }

  /** Replaces the cache with a verified list: a certificate WeChat no longer lists is no longer trusted. */
  private install(found: Map<string, CachedCertificate>, downloadedAt: number): void {
    this.certificates.clear();
    for (const [serial, cert] of found) this.certificates.set(serial, cert);
    this.lastLoad = Math.min(downloadedAt, Date.now());
  }

  /** Whether a shared list saves a download: it holds `wanted`; without `wanted`, it is newer than ours or just downloaded. */
  private serves(shared: { downloadedAt: number; found: Map<string, CachedCertificate> }, wanted: string | undefined): boolean {
    if (wanted !== undefined) return shared.found.has(wanted);
    return shared.downloadedAt > this.lastLoad || Date.now() - shared.downloadedAt < BACKGROUND_REFRESH_INTERVAL_MS;
  }

  /**
   * The shared store's list when it is fresh and not older than ours (a certificate a newer list withdrew must not come
   * back), its certificates parsed and checked again; otherwise `null`.
   */
  private async readShared(api: string, key: string): Promise<{ downloadedAt: number; found: Map<string, CachedCertificate> } | null> {
    const stored = await this.storeCall('read', () => this.store.get(key));
    if (!stored || stored.expiresAt <= Date.now()) return null;
    const shared = this.parseShared(api, stored.token);
    if (!shared || Date.now() - shared.downloadedAt >= CERT_REFRESH_MS || shared.downloadedAt < this.lastLoad) return null;
    return shared;
  }

  private parseShared(api: string, token: string): { downloadedAt: number; found: Map<string, CachedCertificate> } | null {
    let entry: Partial<SharedCertificates> | null;
    try {
      entry = JSON.parse(token) as Partial<SharedCertificates> | null;
    } catch {
      entry = null;
    }
    const list = entry?.certificates;
    if (
      !entry ||
      typeof entry.downloadedAt !== 'number' ||
      typeof entry.mac !== 'string' ||
      !Array.isArray(list) ||
      !list.every((c) => c && typeof c.serial === 'string' && typeof c.pem === 'string' && typeof c.notAfter === 'number')
    ) {
      this.logger.warn('WeChat Pay platform certificates: the shared store entry is not a certificate list; ignored');
      return null;
    }
    const expected = Buffer.from(this.sharedMac(api, entry.downloadedAt, list), 'base64');
    const given = Buffer.from(entry.mac, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.logger.warn('WeChat Pay platform certificates: the shared list is not authenticated by our APIv3 key; ignored');
      return null;
    }
    const found = new Map<string, CachedCertificate>();
    for (const item of list) {
      try {
        const parsed = parseCertificate(item.pem);
        if (parsed && parsed.serial === item.serial) found.set(parsed.serial, parsed.cert);
      } catch {
        // Not a certificate: skipped (an entry authenticated by our key never holds one).
      }
    }
    return { downloadedAt: entry.downloadedAt, found };
  }

  /**
   * Authenticates a shared list with a key derived from the APIv3 key, so that whoever can write the store but does
   * not have that key cannot make us trust a certificate (downloaded lists are authenticated by the same key).
   */
  private sharedMac(api: string, downloadedAt: number, certificates: SharedCertificates['certificates']): string {
    const { pay, v3 } = this.v3(api);
    const key = createHmac('sha256', v3.apiV3Key).update('nestjs-miniprogram-api platform certificate list').digest();
    const data = JSON.stringify([pay.mchId, downloadedAt, certificates.map((c) => [c.serial, c.pem, c.notAfter])]);
    return createHmac('sha256', key).update(data).digest('base64');
  }

  /** One call of the shared store, bounded by `STORE_TIMEOUT_MS`; a failure is logged (without values) and gives `undefined`. */
  private async storeCall<T>(operation: string, call: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)), STORE_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      this.logger.warn(
        `WeChat Pay platform certificates: the shared store's ${operation} failed (${describeError(error)}); going on without it`,
      );
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Downloads the certificate list and verifies it; the cache is left to the caller. */
  private async downloadCertificates(api: string): Promise<Map<string, CachedCertificate>> {
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
        const parsed = parseCertificate(decryptPayV3Resource(enc, v3.apiV3Key));
        if (!parsed || (typeof item.serial_no === 'string' && item.serial_no.toUpperCase() !== parsed.serial)) continue;
        found.set(parsed.serial, parsed.cert);
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
    return found;
  }
}

/** A platform certificate valid now (its notBefore passed, its notAfter not), or `undefined`. @throws when not a certificate */
function parseCertificate(pem: string): { serial: string; cert: CachedCertificate } | undefined {
  const x509 = new X509Certificate(pem);
  const now = Date.now();
  const notBefore = Date.parse(x509.validFrom);
  const notAfter = Date.parse(x509.validTo);
  if (!(notBefore <= now && notAfter > now)) return undefined;
  return { serial: certificateSerialNo(pem), cert: { key: loadPayV3PublicKey(pem), notAfter, pem } };
}

/** An error's name and message for a log line, with anything PEM-like cut out. */
function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : 'not an Error';
  return text.replace(/-----BEGIN[\s\S]*?(?:-----END[^-]*-----|$)/g, '[PEM]').slice(0, 200);
}
