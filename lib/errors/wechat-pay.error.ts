/**
 * WeChat Pay refused a request: `return_code` FAIL (communication or signature problem, with
 * `return_msg`) or `result_code` FAIL (a business error with `err_code`/`err_code_des`, such as
 * `ORDERPAID`, `NOTENOUGH`, `OUT_TRADE_NO_USED`, `SYSTEMERROR`). For API v3, an error answer (HTTP 4xx/5xx with
 * `{ code, message }`): `errCode` is `code`, `errCodeDes` is `message`, `httpStatus` the status.
 * @publicApi
 */
export class WeChatPayError extends Error {
  override readonly name = 'WeChatPayError';

  constructor(
    /** The API that failed, e.g. `unifiedOrder`. */
    readonly api: string,
    readonly detail: { returnCode: string; returnMsg?: string; resultCode?: string; errCode?: string; errCodeDes?: string },
    /** API v3: the HTTP status of the error answer (its JSON `code` is `errCode`, its `message` is `errCodeDes`). */
    readonly httpStatus?: number,
  ) {
    super(
      `WeChat Pay ${api} failed: ` +
        (detail.returnCode !== 'SUCCESS'
          ? `return_code ${detail.returnCode}${detail.returnMsg ? `, ${detail.returnMsg}` : ''}`
          : `${detail.errCode ?? 'FAIL'}${detail.errCodeDes ? `, ${detail.errCodeDes}` : ''}`),
    );
  }

  /** WeChat's `err_code` (business errors), or `undefined` for a `return_code` failure. */
  get errCode(): string | undefined {
    return this.detail.errCode;
  }
}

/**
 * A request to WeChat Pay was not sent because its input is invalid (an amount that is not a
 * positive integer of fen, an out_trade_no outside WeChat's alphabet, …), or because the module
 * lacks the configuration it needs (no `pay` options, no client certificate).
 * @publicApi
 */
export class WeChatPayInputError extends Error {
  override readonly name = 'WeChatPayInputError';

  constructor(
    readonly api: string,
    /** Which fields are wrong, with what is expected. */
    readonly problems: string[],
  ) {
    super(`WeChat Pay ${api}: ${problems.join('; ')}`);
  }
}

/**
 * A high-level pay operation cannot be done in the order's current state, e.g. paying an order
 * that is already paid, or refunding more than was paid.
 * @publicApi
 */
export class PayOrderStateError extends Error {
  override readonly name = 'PayOrderStateError';

  constructor(
    message: string,
    readonly outTradeNo: string,
    readonly status: string,
  ) {
    super(message);
  }
}
