import type { OrderRecord, PayState } from './pay-state';
import { parseBeijingCompact } from './pay-format';
import type { SimPaySignType, SimulatorMerchant } from './pay.interfaces';

/** What an API handler gets once the common checks passed. @internal */
export interface PayContext {
  readonly merchant: SimulatorMerchant;
  readonly params: Readonly<Record<string, string>>;
  readonly signType: SimPaySignType;
}

/** A successful handler result: business fields (signed, `result_code SUCCESS`), or a file (bills). @internal */
export type PayResult = { fields: Record<string, string | undefined> } | { file: string | Buffer; contentType: string };

/** A `return_code FAIL` answer (unsigned). @internal */
export class PayReject extends Error {
  constructor(
    readonly returnMsg: string,
    readonly extra: Record<string, string> = {},
  ) {
    super(returnMsg);
  }
}

/** A `result_code FAIL` answer (signed). @internal */
export class PayBusinessError extends Error {
  constructor(
    readonly errCode: string,
    readonly errCodeDes: string,
  ) {
    super(errCode);
  }
}

/** `out_trade_no`: 6 to 32 of the characters WeChat allows. @internal */
export const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
/** `out_refund_no`: 1 to 64 of the characters WeChat allows. @internal */
export const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
/** `transaction_id` and `refund_id`: digits. @internal */
export const TRANSACTION_ID = /^[0-9]{1,32}$/;
const FEN = /^[1-9][0-9]{0,9}$/;

/** A field as WeChat reads it: empty counts as absent. @internal */
export function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** A field that must be there, or `return_code FAIL` "…参数缺失". @internal */
export function required(ctx: PayContext, name: string): string {
  const value = present(ctx.params[name]);
  if (value === undefined) throw new PayReject(`${name}参数缺失`);
  return value;
}

/** A field that may be absent, but if there must be valid, or `return_code FAIL` "…参数格式错误". @internal */
export function optional(ctx: PayContext, name: string, valid?: (value: string) => boolean): string | undefined {
  const value = present(ctx.params[name]);
  if (value !== undefined && valid && !valid(value)) throw new PayReject(`${name}参数格式错误`);
  return value;
}

/** `return_code FAIL` "…参数格式错误" unless `ok`. @internal */
export function check(ok: boolean, name: string): void {
  if (!ok) throw new PayReject(`${name}参数格式错误`);
}

/** A required amount in fen: a positive whole number. @internal */
export function fen(ctx: PayContext, name: string): number {
  const value = required(ctx, name);
  check(FEN.test(value), name);
  return Number(value);
}

/** Length in characters (code points), as WeChat counts the limits of text fields. @internal */
export function chars(value: string): number {
  return [...value].length;
}

/** An http(s) URL of at most 256 characters, as `notify_url`. @internal */
export function httpUrl(value: string): boolean {
  if (value.length > 256) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A real `yyyyMMddHHmmss` Beijing time. @internal */
export function compactTime(value: string): boolean {
  return parseBeijingCompact(value) !== undefined;
}

/** The order named by `transaction_id` (preferred) or `out_trade_no`. @internal */
export function findOrder(pay: PayState, ctx: PayContext): OrderRecord | undefined {
  const transactionId = optional(ctx, 'transaction_id', (v) => TRANSACTION_ID.test(v));
  const outTradeNo = optional(ctx, 'out_trade_no', (v) => OUT_TRADE_NO.test(v));
  if (transactionId !== undefined) return pay.orderByTransaction(ctx.merchant.mchId, transactionId);
  if (outTradeNo !== undefined) return pay.order(ctx.merchant.mchId, outTradeNo);
  throw new PayReject('transaction_id或out_trade_no参数缺失');
}
