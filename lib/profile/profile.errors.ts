import type { WeChatUnavailableError } from '../errors/wechat-api.error';

/**
 * A profile update refused for what the request itself is, before WeChat was asked or anything stored: a nickname out
 * of bounds, an avatar too large (413), of another type or not well-formed (415), a body that is not multipart or JSON
 * (415), an unknown field or a second file (400). Through `WeChatExceptionFilter` it is answered with its `status`.
 * @publicApi
 */
export class ProfileInputError extends Error {
  override readonly name = 'ProfileInputError';

  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * WeChat's content check refused a part of the profile: `risky`, or `review` under the policy `reject`. Nothing of the
 * request was saved. Through `WeChatExceptionFilter` it is a 422 naming the field and WeChat's label, so that the mini
 * program can ask the user for another one.
 * @publicApi
 */
export class ProfileContentRefusedError extends Error {
  override readonly name = 'ProfileContentRefusedError';

  constructor(
    /** The part that was refused. */
    readonly field: 'nickName',
    readonly suggest: 'risky' | 'review',
    /** WeChat's label: 10001 ads, 20001 politics, 20002 porn, 20003 abuse, 20006 crime, 20008 fraud, 20012 vulgar, 21000 other. */
    readonly label: number,
    /** WeChat's `trace_id` of the check, for questions to WeChat. */
    readonly traceId: string,
  ) {
    super(`WeChat's content check found the ${field} ${suggest === 'risky' ? 'risky' : 'in need of review'} (label ${label})`);
  }
}

/**
 * WeChat could not check the profile now (unreachable, busy, too slow): nothing was saved, and an avatar stored for the
 * check was removed again. Through `WeChatExceptionFilter` it is a 503 with `Retry-After: retryAfterSeconds`.
 * @publicApi
 */
export class ProfileCheckUnavailableError extends Error {
  override readonly name = 'ProfileCheckUnavailableError';

  constructor(
    /** When to try again: soon for a busy WeChat, later when it could not be reached at all. */
    readonly retryAfterSeconds: number,
    options: { cause: WeChatUnavailableError },
  ) {
    super(`WeChat could not check the profile now (${options.cause.kind}); nothing was saved`, options);
  }
}
