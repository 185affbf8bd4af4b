/**
 * WeChat answered a request with a non-zero `errcode`.
 * @publicApi
 */
export class WeChatApiError extends Error {
  override readonly name = 'WeChatApiError';

  constructor(
    /** The API that failed, e.g. `code2Session`. */
    readonly api: string,
    /** WeChat's `errcode`. */
    readonly errcode: number,
    /** WeChat's `errmsg`. */
    readonly errmsg: string,
  ) {
    super(`WeChat ${api} failed: errcode ${errcode}, ${errmsg}`);
  }
}

/** How a request to WeChat failed without an answer that could be used. @publicApi */
export type WeChatUnavailableKind = 'timeout' | 'network' | 'http' | 'busy' | 'invalid-response';

/**
 * WeChat could not be reached, timed out, answered with an HTTP error, stayed busy
 * (errcode -1) after the retries, or sent something that is not the documented answer.
 * @publicApi
 */
export class WeChatUnavailableError extends Error {
  override readonly name = 'WeChatUnavailableError';

  constructor(
    readonly api: string,
    readonly kind: WeChatUnavailableKind,
    detail: string,
    /** The HTTP status WeChat answered with, for `kind: 'http'`. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`WeChat ${api} unavailable (${kind}): ${detail}`, options);
  }
}
