import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { buildPayV3Authorization, verifyPayV3Signature } from '../../crypto/pay-v3.crypto';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions, ResolvedPayV3Options } from '../../interfaces';
import { MINI_PROGRAM_ACCESS_TOKEN_STORE, MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { withRetries } from '../../utils/retry.util';
import type { AccessTokenStore } from '../../wechat/access-token.store';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { header, HeaderBag, PAY_V3_CLOCK_SKEW_SECONDS, SIGNTEST_PREFIX } from './pay-v3-headers';
import { PayV3Certificates } from './wechat-pay-v3.certificates';
import { payOptionsFor } from '../pay-options.util';

/** v3 error codes after which the same request may be sent again. */
const RETRYABLE_V3_CODES = new Set(['SYSTEM_ERROR', 'SYSTEMERROR', 'BIZERR_NEED_RETRY']);

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

/** Options of one v3 call. @publicApi */
export interface PayV3CallOptions {
  /**
   * The `Wechatpay-Serial` to send: the `serial` of `encryptSensitive` when the body carries an encrypted field. By
   * default the WeChat Pay public key's id (public-key mode), or none.
   */
  wechatpaySerial?: string;
}

/** What a verified v3 answer gave. @internal */
export interface PayV3Answer {
  status: number;
  body: Buffer;
  json: Record<string, unknown>;
}

/**
 * WeChat Pay API v3 transport: signs every request (`Authorization: WECHATPAY2-SHA256-RSA2048 …`), verifies every
 * answer's `Wechatpay-Signature` fail-closed (with the WeChat Pay public key, or the platform certificate named by
 * `Wechatpay-Serial`, kept by {@link PayV3Certificates}), refuses timestamps more than 5 minutes off, and maps error
 * answers to `WeChatPayError` (verifying those that carry signature headers).
 * @internal
 */
@Injectable()
export class WeChatPayV3Client {
  private readonly logger = new Logger('MiniProgram');
  private readonly certificates: PayV3Certificates;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly http: WeChatPayHttpClient,
    @Inject(MINI_PROGRAM_ACCESS_TOKEN_STORE) store: AccessTokenStore,
  ) {
    this.certificates = new PayV3Certificates(options, store, {
      config: (api) => this.v3(api),
      getList: async (api) => {
        const path = '/v3/certificates';
        const res = await this.http.request('certificates', 'GET', path, this.headers(api, 'GET', path, ''));
        return { status: res.status, headers: res.headers as HeaderBag, body: res.body };
      },
      throwError: (api, status, body) => this.throwError(api, status, body),
    });
  }

  /** The v3 options, or a typed error naming the API when v3 is not configured. */
  v3(api: string): { pay: ResolvedPayOptions; v3: ResolvedPayV3Options } {
    const pay = payOptionsFor(this.options, api);
    if (!pay.v3) throw new WeChatPayInputError(api, ['WeChat Pay API v3 is not configured: set pay.v3']);
    return { pay, v3: pay.v3 };
  }

  /**
   * Sends a signed JSON request and verifies the answer. 2xx answers resolve (204 with `{}`); error answers become
   * `WeChatPayError` (`errCode` = v3 `code`), except one carrying `Wechatpay-*` signature headers that do not verify:
   * `WeChatUnavailableError` `invalid-response` (unsigned error answers are taken as they come, over TLS). Network
   * failures, 5xx and `SYSTEM_ERROR` are retried: every call of this library is idempotent by its merchant keys.
   */
  async call(
    api: string,
    method: PayV3Method,
    path: string,
    body?: Record<string, unknown>,
    options: PayV3CallOptions = {},
  ): Promise<PayV3Answer> {
    this.v3(api);
    return withRetries(() => this.once(api, method, path, body, options.wechatpaySerial), {
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
    const key = await this.certificates.keyFor(api, v3, serial, source);
    if (!key) throw new PayV3SignatureError('Wechatpay-Serial names no key we trust');
    if (!verifyPayV3Signature({ timestamp, nonce, body, signature }, key)) throw new PayV3SignatureError('the signature does not verify');
  }

  /** The configured WeChat Pay public key, or the newest platform certificate's (for `encryptSensitive`). */
  async encryptionKey(api: string): Promise<{ serial: string; key: KeyObject }> {
    const { v3 } = this.v3(api);
    if (v3.wechatPayPublicKey && v3.wechatPayPublicKeyId) return { serial: v3.wechatPayPublicKeyId, key: v3.wechatPayPublicKey };
    const newest = await this.certificates.newest(api);
    if (!newest) throw new WeChatUnavailableError(api, 'invalid-response', 'no platform certificate is available');
    return newest;
  }

  /** Serials of the cached platform certificates (for tests and diagnostics). */
  platformCertificateSerials(): string[] {
    return this.certificates.serials();
  }

  // ---------------------------------------------------------------- internals

  private headers(api: string, method: string, pathAndQuery: string, body: string, serial?: string): Record<string, string> {
    const { pay, v3 } = this.v3(api);
    // The key a sensitive field was encrypted with (`encryptSensitive`'s serial), else the WeChat Pay public key's id.
    const wechatpaySerial = serial ?? (v3.wechatPayPublicKeyId && v3.wechatPayPublicKey ? v3.wechatPayPublicKeyId : undefined);
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
      ...(wechatpaySerial ? { 'wechatpay-serial': wechatpaySerial } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
  }

  private async once(
    api: string,
    method: PayV3Method,
    path: string,
    payload: Record<string, unknown> | undefined,
    serial: string | undefined,
  ): Promise<PayV3Answer> {
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const res = await this.http.request(
      api,
      method,
      path,
      this.headers(api, method, path, body, serial),
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
}
