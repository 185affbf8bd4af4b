import { isIP } from 'node:net';
import { gzipSync } from 'node:zlib';
import { commentsText, fundFlowBill, tradeBill } from './pay-bills';
import type { FundAccountType, TradeBillType } from './pay-bills';
import { parseBeijingCompact, parseBeijingDay } from './pay-format';
import { PayBusinessError, PayReject, check, compactTime, optional, present, required } from './pay-request';
import type { PayContext, PayResult } from './pay-request';
import type { PayState } from './pay-state';

const BILL_TYPES = new Set<TradeBillType>(['ALL', 'SUCCESS', 'REFUND', 'RECHARGE_REFUND']);
const ACCOUNT_TYPES = new Set<FundAccountType>(['Basic', 'Operation', 'Fees']);

function billDay(ctx: PayContext): { start: number; end: number } {
  const day = parseBeijingDay(required(ctx, 'bill_date'));
  if (!day) throw new PayReject('bill_date参数格式错误');
  return day;
}

function tarGzip(ctx: PayContext): boolean {
  return optional(ctx, 'tar_type', (v) => v === 'GZIP') !== undefined;
}

function file(text: string, gzip: boolean): PayResult {
  return gzip
    ? { file: gzipSync(Buffer.from(text, 'utf8')), contentType: 'application/x-gzip' }
    : { file: text, contentType: 'text/plain;charset=utf-8' };
}

/** `/pay/downloadbill`: the trade bill of a day. @internal */
export function downloadBill(pay: PayState, ctx: PayContext): PayResult {
  const day = billDay(ctx);
  const type = (optional(ctx, 'bill_type', (v) => BILL_TYPES.has(v as TradeBillType)) ?? 'ALL') as TradeBillType;
  const gzip = tarGzip(ctx);
  const { mchId } = ctx.merchant;
  const text = tradeBill(pay.ordersOf(mchId), pay.refundsOf(mchId), (r) => pay.order(mchId, r.outTradeNo), day, type);
  if (text === undefined) throw new PayReject('No Bill Exist', { error_code: '20002' });
  return file(text, gzip);
}

/** `/pay/downloadfundflow`: the fund flow bill of a day and account. @internal */
export function downloadFundFlow(pay: PayState, ctx: PayContext): PayResult {
  const day = billDay(ctx);
  const account = required(ctx, 'account_type');
  check(ACCOUNT_TYPES.has(account as FundAccountType), 'account_type');
  const gzip = tarGzip(ctx);
  const { mchId } = ctx.merchant;
  const text = fundFlowBill(mchId, pay.ordersOf(mchId), pay.refundsOf(mchId), day, account as FundAccountType);
  if (text === undefined) throw new PayBusinessError('NO_BILL_EXIST', '账单不存在');
  return file(text, gzip);
}

/** `/payitil/report`: records the call report (readable through the control API). @internal */
export function report(pay: PayState, ctx: PayContext): PayResult {
  required(ctx, 'interface_url');
  // The v2 document names it `execute_time_`; some SDKs send `execute_time`. Either is accepted.
  if (present(ctx.params.execute_time_) === undefined && present(ctx.params.execute_time) === undefined) {
    throw new PayReject('execute_time_参数缺失');
  }
  optional(ctx, 'execute_time_', (v) => /^[0-9]{1,10}$/.test(v));
  optional(ctx, 'execute_time', (v) => /^[0-9]{1,10}$/.test(v));
  const returnCode = required(ctx, 'return_code');
  check(returnCode === 'SUCCESS' || returnCode === 'FAIL', 'return_code');
  const resultCode = required(ctx, 'result_code');
  check(resultCode === 'SUCCESS' || resultCode === 'FAIL', 'result_code');
  const userIp = required(ctx, 'user_ip');
  check(isIP(userIp) !== 0, 'user_ip');
  optional(ctx, 'time', compactTime);
  const { sign: _sign, ...fields } = ctx.params;
  pay.recordReport({ appId: ctx.merchant.appId, mchId: ctx.merchant.mchId, at: pay.now(), fields: { ...fields } });
  return { fields: {} };
}

/** `/billcommentsp/batchquerycomment`: the comments of paid orders in a time range. @internal */
export function batchQueryComment(pay: PayState, ctx: PayContext): PayResult {
  const beginText = required(ctx, 'begin_time');
  const begin = parseBeijingCompact(beginText);
  check(begin !== undefined, 'begin_time');
  const endText = required(ctx, 'end_time');
  const end = parseBeijingCompact(endText);
  check(end !== undefined, 'end_time');
  if ((begin as number) > (end as number)) throw new PayReject('begin_time不能晚于end_time');
  const offsetText = required(ctx, 'offset');
  check(/^(0|[1-9][0-9]{0,8})$/.test(offsetText), 'offset');
  const limitText = optional(ctx, 'limit', (v) => /^[1-9][0-9]{0,2}$/.test(v) && Number(v) <= 200);
  const text = commentsText(pay.ordersOf(ctx.merchant.mchId), begin as number, end as number, Number(offsetText), Number(limitText ?? 200));
  return { file: text, contentType: 'text/plain;charset=utf-8' };
}
