import { Logger } from '@nestjs/common';
import { createHmac, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import {
  certificateSerialNo,
  decryptPayV3Resource,
  isPayV3PublicKeyId,
  loadPayV3PublicKey,
  verifyPayV3Signature,
} from '../../crypto/pay-v3.crypto';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions, ResolvedPayV3Options } from '../../interfaces';
import { callLockTtlMs, withRetries } from '../../utils/retry.util';
import type { AccessTokenStore } from '../../wechat/access-token.store';
import { header, HeaderBag, PAY_V3_CLOCK_SKEW_SECONDS, SIGNTEST_PREFIX } from './pay-v3-headers';

/** What the certificate store needs of the v3 client. @internal */
export interface PayV3CertificateTransport {
  /** The v3 options, or a typed error naming the API when v3 is not configured. */
  config(api: string): { pay: ResolvedPayOptions; v3: ResolvedPayV3Options };
  /** One signed `GET /v3/certificates`, its answer unverified (the list is verified here, by a certificate it holds). */
  getList(api: string): Promise<{ status: number; headers: HeaderBag; body: Buffer }>;
  /** The typed error of an error answer. */
  throwError(api: string, status: number, body: Buffer): never;
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
 * WeChat Pay's platform certificates, for merchants verifying with them rather than with the WeChat Pay public key:
 * downloaded from `/v3/certificates` (decrypted with the APIv3 key, the answer verified with one of them), each new list
 * replacing the last, cached in memory and in the access-token store (shared by the app's processes, authenticated by a
 * key derived from the APIv3 key; one download at a time when the store can lock), refreshed on an unknown serial and
 * in the background when the list is stale or a certificate is near expiry (at most once per interval, whether
 * downloads succeed or not).
 * @internal
 */
export class PayV3Certificates {
  private readonly logger = new Logger('MiniProgram');
  private readonly certificates = new Map<string, CachedCertificate>();
  private loading: Promise<void> | null = null;
  /** When the cached list was downloaded (here or by another process); 0 before the first. */
  private lastLoad = 0;
  /** When the last refresh started, whatever came of it; 0 before the first. */
  private lastAttempt = 0;

  constructor(
    private readonly options: ResolvedMiniProgramOptions,
    private readonly store: AccessTokenStore,
    private readonly transport: PayV3CertificateTransport,
  ) {}

  /** The valid certificate that expires last, after making sure one is cached. */
  async newest(api: string): Promise<{ serial: string; key: KeyObject } | undefined> {
    await this.ensure(api);
    let best: [string, CachedCertificate] | undefined;
    for (const entry of this.certificates) {
      if (entry[1].notAfter > Date.now() && (!best || entry[1].notAfter > best[1].notAfter)) best = entry;
    }
    return best && { serial: best[0], key: best[1].key };
  }

  /** Serials of the cached certificates. */
  serials(): string[] {
    return [...this.certificates.keys()];
  }

  /**
   * The key for a `Wechatpay-Serial`: the configured WeChat Pay public key for its id, else the platform certificate of
   * that serial (downloaded again when unknown: always for an answer to our own request, at most once per interval for
   * a notification), or `undefined` when none is trusted.
   */
  async keyFor(api: string, v3: ResolvedPayV3Options, serial: string, source: 'answer' | 'notification'): Promise<KeyObject | undefined> {
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

  /** Makes sure a valid certificate is cached (downloading when none is), refreshing a stale list in the background. */
  async ensure(api: string): Promise<void> {
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
    const key = `wechatpay:v3:certificates:${this.transport.config(api).pay.mchId}`;
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
    const { pay, v3 } = this.transport.config(api);
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
    const { v3 } = this.transport.config(api);
    const res = await withRetries(() => this.transport.getList(api), {
      retries: this.options.http.retries,
      delayMs: this.options.http.retryDelayMs,
      shouldRetry: (error) => error instanceof WeChatUnavailableError && error.kind !== 'invalid-response',
    });
    // The answer is signed by one of the certificates it carries: decrypt first (the APIv3 key authenticates them),
    // then verify the answer with the certificate it names.
    if (res.status >= 300) this.transport.throwError('certificates', res.status, res.body);
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
