/**
 * A request to one of WeChat's mini program APIs (shipping info, subscribe messages, …) was not sent because its input
 * is invalid: every problem is named, nothing left the process. Bad input from a client that reaches such a call
 * through `WeChatExceptionFilter` is a 400.
 * @publicApi
 */
export class WeChatInputError extends Error {
  override readonly name = 'WeChatInputError';

  constructor(
    /** The API that was not called, e.g. `uploadShippingInfo`. */
    readonly api: string,
    /** Which fields are wrong, with what is expected. */
    readonly problems: string[],
  ) {
    super(`WeChat ${api}: ${problems.join('; ')}`);
  }
}
