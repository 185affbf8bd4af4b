import { Inject, Injectable, Logger } from '@nestjs/common';
import { gunzipSync } from 'node:zlib';
import { payV2Sign, PaySignType, verifyPayV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../../crypto/pay-xml.codec';
import { createNonceStr } from '../../crypto/random.util';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions } from '../../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { withRetries } from '../../utils/retry.util';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { payOptionsFor } from '../pay-options.util';

/** The fields of a v2 request, before `appid`, `mch_id`, `nonce_str`, `sign_type` and `sign` are added. @publicApi */
export type PayV2Params = Record<string, string | number | undefined>;

/** How one v2 request is sent. @publicApi */
export interface PayV2RequestOptions {
  /** Present the merchant API client certificate (the `/secapi/…` APIs, fund flow, comments). Default false. */
  cert?: boolean;
  /** The sign type of the request (and of the answer unless it names its own); default `pay.signType`. */
  signType?: PaySignType;
  /** Check the answer's `sign` (default true; `payitil/report` answers unsigned). */
  verifyAnswer?: boolean;
  /** The name errors and logs give the call; default the path. */
  api?: string;
}

/** err_codes after which the same request may be sent again. */
const RETRYABLE_ERR_CODES: ReadonlySet<string> = new Set(['SYSTEMERROR', 'BIZERR_NEED_RETRY']);

/** Whether a v2 `err_code` means the same request may be sent again. @internal */
export function isRetryablePayV2ErrCode(errCode: string | undefined): boolean {
  return RETRYABLE_ERR_CODES.has(errCode ?? '');
}

/**
 * WeChat Pay API v2 transport: adds `appid`, `mch_id`, `nonce_str` and the signature (MD5 or HMAC-SHA256) to a
 * request, posts its XML (with the client certificate where asked), retries what may be retried (network failures,
 * 5xx, `SYSTEMERROR`, `BIZERR_NEED_RETRY`), parses the answer with the hardened parser, checks its signature in
 * constant time, and turns a `FAIL` into a typed `WeChatPayError`.
 *
 * `request` is public: it calls any v2 API this library does not wrap, with the same signing, verification, retries and
 * errors, e.g. `pay.v2.request('/pay/micropay', { … })` or a `/secapi/…` API with `{ cert: true }`.
 * @publicApi
 */
@Injectable()
export class WeChatPayV2Client {
  private readonly logger = new Logger('MiniProgram');

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly http: WeChatPayHttpClient,
  ) {}

  /**
   * Signs and posts one XML API call, and answers its verified fields (`return_code` and `result_code` SUCCESS).
   * @throws WeChatPayError for an answer whose `return_code` or `result_code` is `FAIL` (after retries where allowed).
   * @throws WeChatUnavailableError when WeChat cannot be reached or the answer is not signed WeChat Pay XML.
   * @throws WeChatPayInputError when WeChat Pay v2 is not configured or `path` is not a path.
   */
  async request(path: string, params: PayV2Params, options: PayV2RequestOptions = {}): Promise<Record<string, string>> {
    const api = options.api ?? path;
    const signType = this.signType(api, options);
    return this.retrying(api, async () => {
      const res = await this.http.post(api, this.path(api, path), this.signed(api, params, signType), { cert: !!options.cert });
      const answer = await this.parseAnswer(api, res.body);
      this.checkAnswer(api, answer, signType, options.verifyAnswer ?? true);
      return answer;
    });
  }

  /**
   * Like `request`, for the APIs that answer a file (text, or gzip with `gzip: true`) on success and XML on failure
   * (bills, fund flow, comments). Answers the text.
   */
  async download(path: string, params: PayV2Params, options: PayV2RequestOptions & { gzip?: boolean } = {}): Promise<string> {
    const api = options.api ?? path;
    const signType = this.signType(api, options);
    return this.retrying(api, async () => {
      const res = await this.http.post(api, this.path(api, path), this.signed(api, params, signType), { cert: !!options.cert });
      const head = res.body.subarray(0, 64).toString('utf8').trimStart();
      if (head.startsWith('<xml')) {
        const answer = await this.parseAnswer(api, res.body);
        this.checkAnswer(api, answer, signType, false);
        throw new WeChatUnavailableError(api, 'invalid-response', 'an XML answer where a file was expected');
      }
      if (options.gzip && res.body[0] === 0x1f && res.body[1] === 0x8b) {
        try {
          return gunzipSync(res.body).toString('utf8');
        } catch {
          throw new WeChatUnavailableError(api, 'invalid-response', 'the gzip stream is corrupt');
        }
      }
      return res.body.toString('utf8');
    });
  }

  /** The pay options with the v2 API key, or a typed error naming the API when v2 is not configured. */
  configured(api: string): ResolvedPayOptions & { apiKey: string } {
    const pay = payOptionsFor(this.options, api);
    if (!pay.apiKey)
      throw new WeChatPayInputError(api, ['this is an API v2 call and API v2 is not configured: set pay.apiKey (or use pay.v3)']);
    return pay as ResolvedPayOptions & { apiKey: string };
  }

  private signType(api: string, options: PayV2RequestOptions): PaySignType {
    const signType = options.signType ?? this.configured(api).signType;
    if (signType !== 'MD5' && signType !== 'HMAC-SHA256') throw new WeChatPayInputError(api, ["signType must be 'MD5' or 'HMAC-SHA256'"]);
    return signType;
  }

  /** `path` as the pay API's path: one leading `/`, no scheme, host, query or dot segment (it is joined to `pay.baseUrl`). */
  private path(api: string, path: string): string {
    if (typeof path !== 'string' || !/^\/[A-Za-z0-9_\-/]{1,200}$/.test(path) || /\/\/|\/\.\.?(\/|$)/.test(path)) {
      throw new WeChatPayInputError(api, ['path must be a path of the pay API, such as /pay/orderquery']);
    }
    return path;
  }

  private signed(api: string, params: PayV2Params, signType: PaySignType): string {
    const pay = this.configured(api);
    const full: PayV2Params = {
      appid: this.options.appId,
      mch_id: pay.mchId,
      nonce_str: createNonceStr(32),
      ...params,
      sign_type: signType === 'MD5' ? undefined : signType,
    };
    return buildPayXml({ ...full, sign: payV2Sign(full, pay.apiKey, signType) });
  }

  private async parseAnswer(api: string, body: Buffer): Promise<Record<string, string>> {
    try {
      return await parsePayXml(body, { maxBytes: 1024 * 1024 });
    } catch (error) {
      throw new WeChatUnavailableError(api, 'invalid-response', 'the answer is not WeChat Pay XML', undefined, { cause: error });
    }
  }

  private checkAnswer(api: string, answer: Record<string, string>, signType: PaySignType, verify: boolean): void {
    if (answer.return_code !== 'SUCCESS') {
      throw new WeChatPayError(api, { returnCode: answer.return_code ?? 'FAIL', returnMsg: answer.return_msg });
    }
    const answerSignType = answer.sign_type ?? signType;
    if (answerSignType !== 'MD5' && answerSignType !== 'HMAC-SHA256') {
      throw new WeChatUnavailableError(api, 'invalid-response', 'the answer names an unknown sign_type');
    }
    if (verify && !verifyPayV2Sign(answer, this.configured(api).apiKey, answerSignType)) {
      throw new WeChatUnavailableError(api, 'invalid-response', 'the signature of the answer does not verify');
    }
    if (answer.result_code !== undefined && answer.result_code !== 'SUCCESS') {
      throw new WeChatPayError(api, {
        returnCode: 'SUCCESS',
        resultCode: answer.result_code,
        errCode: answer.err_code,
        errCodeDes: answer.err_code_des ?? answer.result_msg,
      });
    }
  }

  private retrying<T>(api: string, call: () => Promise<T>): Promise<T> {
    return withRetries(call, {
      retries: this.options.http.retries,
      delayMs: this.options.http.retryDelayMs,
      shouldRetry: (error) =>
        (error instanceof WeChatUnavailableError &&
          error.kind !== 'invalid-response' &&
          (error.kind !== 'http' || (error.status ?? 0) >= 500)) ||
        (error instanceof WeChatPayError && isRetryablePayV2ErrCode(error.errCode)),
      onRetry: (error, attempt) => this.logger.warn(`WeChat Pay ${api} attempt ${attempt} failed (${(error as Error).message}); retrying`),
    });
  }
}
