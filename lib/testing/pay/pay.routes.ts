import { isIP } from 'node:net';
import { gzipSync } from 'node:zlib';
import { payV2Sign, verifyPayV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../../crypto/pay-xml.codec';
import { createNonceStr } from '../../crypto/random.util';
import { CERT_ERROR_MSG, MAX_BODY_BYTES, REFUND_QUERY_PAGE_SIZE } from '../server/simulator.constants';
import { commentsText, fundFlowBill, tradeBill } from './pay-bills';
import type { FundAccountType, TradeBillType } from './pay-bills';
import { newPrepayId, parseBeijingCompact, parseBeijingDay } from './pay-format';
import type { OrderRecord, PayState, RefundRecord } from './pay-state';
import type { SimRequest, SimResponse } from '../server/simulator-http';
import type { SimPaySignType, SimTradeState, SimulatorMerchant } from './pay.interfaces';

/** What an API handler gets once the common checks passed. @internal */
export interface PayContext {
  readonly merchant: SimulatorMerchant;
  readonly params: Readonly<Record<string, string>>;
  readonly signType: SimPaySignType;
}

/** A successful handler result: business fields (signed, `result_code SUCCESS`), or a file (bills). @internal */
export type PayResult = { fields: Record<string, string | undefined> } | { file: string | Buffer; contentType: string };

/** One WeChat Pay API. @internal */
export interface PayRoute {
  readonly path: string;
  /** Needs the merchant's client certificate. */
  readonly cert?: boolean;
  /** Accepts `sign_type=HMAC-SHA256` only. */
  readonly hmacOnly?: boolean;
  readonly handler: (ctx: PayContext) => PayResult;
}

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

const XML_TYPE = 'text/xml; charset=utf-8';
const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const TRANSACTION_ID = /^[0-9]{1,32}$/;
const FEN = /^[1-9][0-9]{0,9}$/;
const TRADE_TYPES = new Set(['JSAPI', 'NATIVE', 'APP', 'MWEB']);
const BILL_TYPES = new Set<TradeBillType>(['ALL', 'SUCCESS', 'REFUND', 'RECHARGE_REFUND']);
const ACCOUNT_TYPES = new Set<FundAccountType>(['Basic', 'Operation', 'Fees']);
const TRADE_STATE_DESC: Record<SimTradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '订单发生过退款',
  NOTPAY: '订单未支付',
  CLOSED: '订单已关闭',
  USERPAYING: '需要用户输入支付密码',
  PAYERROR: '支付失败',
};
/** `err_code_des` of the codes a `payErrCode` fault is likely to name; others get a generic text. */
const ERR_CODE_DES: Record<string, string> = {
  SYSTEMERROR: '系统超时，请稍后再试',
  NOTENOUGH: '基本账户余额不足',
  NOAUTH: '商户无此接口权限',
  ORDERPAID: '该订单已支付',
  ORDERCLOSED: '该订单已关闭',
  ORDERNOTEXIST: '订单不存在',
  FREQUENCY_LIMITED: '频率限制',
  BIZERR_NEED_RETRY: '退款业务流程错误，需要商户触发重试来解决',
  INVALID_REQUEST: '参数错误',
  PARAM_ERROR: '参数错误',
};

/**
 * The WeChat Pay API v2 of `api.mch.weixin.qq.com`, served over HTTPS on the pay server.
 * @internal
 */
export function payRoutes(pay: PayState): PayRoute[] {
  return [
    { path: '/pay/unifiedorder', handler: (ctx) => unifiedOrder(pay, ctx) },
    { path: '/pay/orderquery', handler: (ctx) => orderQuery(pay, ctx) },
    { path: '/pay/closeorder', handler: (ctx) => closeOrder(pay, ctx) },
    { path: '/secapi/pay/refund', cert: true, handler: (ctx) => refund(pay, ctx) },
    { path: '/pay/refundquery', handler: (ctx) => refundQuery(pay, ctx) },
    { path: '/pay/downloadbill', handler: (ctx) => downloadBill(pay, ctx) },
    { path: '/pay/downloadfundflow', cert: true, hmacOnly: true, handler: (ctx) => downloadFundFlow(pay, ctx) },
    { path: '/payitil/report', handler: (ctx) => report(pay, ctx) },
    { path: '/billcommentsp/batchquerycomment', cert: true, hmacOnly: true, handler: (ctx) => batchQueryComment(pay, ctx) },
  ];
}

/**
 * Answers one pay request: the common checks in WeChat's order (method, client certificate, body, XML, merchant,
 * appid, sign type, signature, nonce), then the API, or the `payErrCode` of a fault instead of the API.
 * @internal
 */
export async function answerPay(pay: PayState, route: PayRoute | undefined, req: SimRequest, faultErrCode?: string): Promise<SimResponse> {
  if (!route) return { ...fail('invalid request: unknown API path'), status: 404 };
  if (req.method !== 'POST') return fail('请使用post方法');
  if (route.cert && req.clientCert?.authorized !== true) return fail(CERT_ERROR_MSG);
  if (req.body.length === 0) return fail('post数据为空');
  let params: Record<string, string>;
  try {
    params = await parsePayXml(req.body, { maxBytes: MAX_BODY_BYTES });
  } catch {
    return fail('XML格式错误');
  }
  const mchId = present(params.mch_id);
  if (mchId === undefined) return fail('mch_id参数缺失');
  if (route.cert && req.clientCert?.commonName !== mchId) return fail(CERT_ERROR_MSG, { mchId });
  const merchant = pay.merchants.get(mchId);
  if (!merchant) return fail('mch_id参数格式错误', { mchId });
  const meta = { mchId, appId: merchant.appId };
  const appId = present(params.appid);
  if (appId === undefined) return fail('appid参数缺失', meta);
  if (appId !== merchant.appId) return fail('appid和mch_id不匹配', meta);
  const declared = present(params.sign_type) ?? 'MD5';
  if (declared !== 'MD5' && declared !== 'HMAC-SHA256') return fail('sign_type参数格式错误', meta);
  if (route.hmacOnly && declared !== 'HMAC-SHA256') return fail('sign_type必须为HMAC-SHA256', meta);
  if (present(params.sign) === undefined) return fail('sign参数缺失', meta);
  if (!verifyPayV2Sign(params, merchant.apiKey, declared)) return fail('签名错误', meta);
  const nonce = present(params.nonce_str);
  if (nonce === undefined) return fail('nonce_str参数缺失', meta);
  if (nonce.length > 32) return fail('nonce_str参数格式错误', meta);

  const ctx: PayContext = { merchant, params, signType: declared };
  if (faultErrCode !== undefined) return signedFailure(ctx, faultErrCode, ERR_CODE_DES[faultErrCode] ?? 'simulated fault');
  try {
    const result = route.handler(ctx);
    if ('file' in result) return { status: 200, contentType: result.contentType, body: result.file, ...meta, returnCode: 'SUCCESS' };
    return signed(ctx, { result_code: 'SUCCESS', ...result.fields });
  } catch (error) {
    if (error instanceof PayReject) return fail(error.returnMsg, meta, error.extra);
    if (error instanceof PayBusinessError) return signedFailure(ctx, error.errCode, error.errCodeDes);
    throw error;
  }
}

/** A `return_code FAIL` XML answer, unsigned. @internal */
export function fail(returnMsg: string, meta: { mchId?: string; appId?: string } = {}, extra: Record<string, string> = {}): SimResponse {
  return {
    status: 200,
    contentType: XML_TYPE,
    body: buildPayXml({ return_code: 'FAIL', return_msg: returnMsg, ...extra }),
    ...meta,
    returnCode: 'FAIL',
  };
}

function signed(ctx: PayContext, result: Record<string, string | undefined>): SimResponse {
  const fields: Record<string, string> = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: ctx.merchant.appId,
    mch_id: ctx.merchant.mchId,
    nonce_str: createNonceStr(32),
  };
  for (const [name, value] of Object.entries(result)) if (value !== undefined) fields[name] = value;
  const sign = payV2Sign(fields, ctx.merchant.apiKey, ctx.signType);
  const { return_code, return_msg, appid, mch_id, nonce_str, ...rest } = fields;
  return {
    status: 200,
    contentType: XML_TYPE,
    body: buildPayXml({ return_code, return_msg, appid, mch_id, nonce_str, sign, ...rest }),
    appId: ctx.merchant.appId,
    mchId: ctx.merchant.mchId,
    returnCode: 'SUCCESS',
    ...(fields.result_code === 'FAIL' ? { errCode: fields.err_code } : {}),
  };
}

function signedFailure(ctx: PayContext, errCode: string, errCodeDes: string): SimResponse {
  return signed(ctx, { result_code: 'FAIL', err_code: errCode, err_code_des: errCodeDes });
}

function present(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function required(ctx: PayContext, name: string): string {
  const value = present(ctx.params[name]);
  if (value === undefined) throw new PayReject(`${name}参数缺失`);
  return value;
}

function optional(ctx: PayContext, name: string, valid?: (value: string) => boolean): string | undefined {
  const value = present(ctx.params[name]);
  if (value !== undefined && valid && !valid(value)) throw new PayReject(`${name}参数格式错误`);
  return value;
}

function check(ok: boolean, name: string): void {
  if (!ok) throw new PayReject(`${name}参数格式错误`);
}

function fen(ctx: PayContext, name: string): number {
  const value = required(ctx, name);
  check(FEN.test(value), name);
  return Number(value);
}

function chars(value: string): number {
  return [...value].length;
}

function httpUrl(value: string): boolean {
  if (value.length > 256) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function compactTime(value: string): boolean {
  return parseBeijingCompact(value) !== undefined;
}

/** The order named by `transaction_id` (preferred) or `out_trade_no`. */
function findOrder(pay: PayState, ctx: PayContext): OrderRecord | undefined {
  const transactionId = optional(ctx, 'transaction_id', (v) => TRANSACTION_ID.test(v));
  const outTradeNo = optional(ctx, 'out_trade_no', (v) => OUT_TRADE_NO.test(v));
  if (transactionId !== undefined) return pay.orderByTransaction(ctx.merchant.mchId, transactionId);
  if (outTradeNo !== undefined) return pay.order(ctx.merchant.mchId, outTradeNo);
  throw new PayReject('transaction_id或out_trade_no参数缺失');
}

function unifiedOrder(pay: PayState, ctx: PayContext): PayResult {
  const body = required(ctx, 'body');
  check(chars(body) <= 127, 'body');
  const outTradeNo = required(ctx, 'out_trade_no');
  check(OUT_TRADE_NO.test(outTradeNo), 'out_trade_no');
  const totalFee = fen(ctx, 'total_fee');
  const ip = required(ctx, 'spbill_create_ip');
  check(isIP(ip) !== 0, 'spbill_create_ip');
  const notifyUrl = required(ctx, 'notify_url');
  check(httpUrl(notifyUrl), 'notify_url');
  const tradeType = required(ctx, 'trade_type');
  check(TRADE_TYPES.has(tradeType), 'trade_type');
  const openId = optional(ctx, 'openid', (v) => chars(v) <= 128);
  if (tradeType === 'JSAPI' && openId === undefined) throw new PayReject('openid参数缺失');
  const attach = optional(ctx, 'attach', (v) => chars(v) <= 127);
  const deviceInfo = optional(ctx, 'device_info', (v) => chars(v) <= 32);
  optional(ctx, 'detail', (v) => chars(v) <= 6000);
  optional(ctx, 'fee_type', (v) => v === 'CNY');
  const timeStart = optional(ctx, 'time_start', compactTime);
  const timeExpire = optional(ctx, 'time_expire', compactTime);
  const { appId, mchId } = ctx.merchant;
  if (tradeType === 'JSAPI' && !pay.sim.user(appId, openId as string)) {
    throw new PayBusinessError('PARAM_ERROR', 'appid和openid不匹配');
  }

  const now = pay.now();
  let order = pay.order(mchId, outTradeNo);
  if (order) {
    if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new PayBusinessError('ORDERPAID', '该订单已支付');
    if (order.tradeState === 'CLOSED') throw new PayBusinessError('ORDERCLOSED', '该订单已关闭');
    if (order.body !== body || order.totalFee !== totalFee || order.openId !== openId || order.tradeType !== tradeType) {
      throw new PayBusinessError('OUT_TRADE_NO_USED', '商户订单号重复');
    }
    if (now >= order.prepayExpiresAt) pay.renewPrepay(order, newPrepayId(now));
  } else {
    order = {
      appId,
      mchId,
      outTradeNo,
      body,
      totalFee,
      tradeType,
      ...(openId !== undefined ? { openId } : {}),
      notifyUrl,
      ...(attach !== undefined ? { attach } : {}),
      ...(deviceInfo !== undefined ? { deviceInfo } : {}),
      spbillCreateIp: ip,
      ...(timeStart !== undefined ? { timeStart } : {}),
      ...(timeExpire !== undefined ? { timeExpire } : {}),
      signType: ctx.signType,
      prepayId: newPrepayId(now),
      prepayExpiresAt: now + pay.config.prepayTtlMs * pay.config.timeScale,
      createdAt: now,
      tradeState: 'NOTPAY',
      refunds: [],
    };
    pay.addOrder(order);
  }
  return {
    fields: {
      device_info: order.deviceInfo,
      trade_type: order.tradeType,
      prepay_id: order.prepayId,
      code_url: order.tradeType === 'NATIVE' ? `weixin://wxpay/bizpayurl?pr=${order.prepayId.slice(-7)}` : undefined,
      mweb_url:
        order.tradeType === 'MWEB'
          ? `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${order.prepayId}&package=1`
          : undefined,
    },
  };
}

function orderQuery(pay: PayState, ctx: PayContext): PayResult {
  const order = findOrder(pay, ctx);
  if (!order) throw new PayBusinessError('ORDERNOTEXIST', '订单不存在');
  const paid = order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND';
  return {
    fields: {
      device_info: order.deviceInfo,
      trade_state: order.tradeState,
      trade_state_desc: TRADE_STATE_DESC[order.tradeState],
      out_trade_no: order.outTradeNo,
      attach: order.attach,
      total_fee: String(order.totalFee),
      ...(paid
        ? {
            openid: order.openId,
            is_subscribe: 'N',
            trade_type: order.tradeType,
            bank_type: order.bankType ?? 'OTHERS',
            fee_type: 'CNY',
            cash_fee: String(order.totalFee),
            transaction_id: order.transactionId,
            time_end: order.timeEnd,
          }
        : {}),
    },
  };
}

function closeOrder(pay: PayState, ctx: PayContext): PayResult {
  const outTradeNo = required(ctx, 'out_trade_no');
  check(OUT_TRADE_NO.test(outTradeNo), 'out_trade_no');
  const order = pay.order(ctx.merchant.mchId, outTradeNo);
  if (!order) throw new PayBusinessError('ORDERNOTEXIST', '订单不存在');
  if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new PayBusinessError('ORDERPAID', '订单已支付，不能发起关单');
  if (order.tradeState === 'CLOSED') throw new PayBusinessError('ORDERCLOSED', '订单已关闭，无法重复关闭');
  order.tradeState = 'CLOSED';
  return { fields: { result_msg: 'OK' } };
}

function refund(pay: PayState, ctx: PayContext): PayResult {
  const outRefundNo = required(ctx, 'out_refund_no');
  check(OUT_REFUND_NO.test(outRefundNo), 'out_refund_no');
  const totalFee = fen(ctx, 'total_fee');
  const refundFee = fen(ctx, 'refund_fee');
  optional(ctx, 'refund_fee_type', (v) => v === 'CNY');
  const refundDesc = optional(ctx, 'refund_desc', (v) => chars(v) <= 80);
  optional(ctx, 'refund_account', (v) => v === 'REFUND_SOURCE_UNSETTLED_FUNDS' || v === 'REFUND_SOURCE_RECHARGE_FUNDS');
  const notifyUrl = optional(ctx, 'notify_url', httpUrl);
  const order = findOrder(pay, ctx);
  if (!order) throw new PayBusinessError('ORDERNOTEXIST', '订单不存在');
  const { mchId, appId } = ctx.merchant;

  const previous = pay.refund(mchId, outRefundNo);
  if (previous) {
    if (previous.outTradeNo !== order.outTradeNo) throw new PayBusinessError('INVALID_REQUEST', '商户退款单号已用于其他订单');
    if (previous.totalFee !== totalFee || previous.refundFee !== refundFee) {
      throw new PayBusinessError('INVALID_REQUEST', '订单金额或退款金额与之前请求不一致');
    }
    return refundAnswer(order, previous);
  }
  if (order.tradeState !== 'SUCCESS' && order.tradeState !== 'REFUND') throw new PayBusinessError('TRADE_STATE_ERROR', '订单状态错误');
  if (totalFee !== order.totalFee) throw new PayBusinessError('INVALID_REQUEST', '订单金额或退款金额与之前请求不一致');
  if (refundFee > pay.refundableFee(order)) throw new PayBusinessError('INVALID_REQUEST', '累计退款金额大于支付金额');
  const record = pay.openRefund(order, { appId, mchId, outRefundNo, totalFee, refundFee, refundDesc, notifyUrl });
  return refundAnswer(order, record);
}

function refundAnswer(order: OrderRecord, refund: RefundRecord): PayResult {
  return {
    fields: {
      transaction_id: refund.transactionId,
      out_trade_no: refund.outTradeNo,
      out_refund_no: refund.outRefundNo,
      refund_id: refund.refundId,
      refund_fee: String(refund.refundFee),
      settlement_refund_fee: String(refund.refundFee),
      total_fee: String(order.totalFee),
      settlement_total_fee: String(order.totalFee),
      fee_type: 'CNY',
      cash_fee: String(order.totalFee),
      cash_fee_type: 'CNY',
      cash_refund_fee: String(refund.refundFee),
      coupon_refund_fee: '0',
      coupon_refund_count: '0',
    },
  };
}

function refundQuery(pay: PayState, ctx: PayContext): PayResult {
  const { mchId } = ctx.merchant;
  const refundId = optional(ctx, 'refund_id', (v) => TRANSACTION_ID.test(v));
  const outRefundNo = optional(ctx, 'out_refund_no', (v) => OUT_REFUND_NO.test(v));
  const offsetText = optional(ctx, 'offset', (v) => /^(0|[1-9][0-9]{0,5})$/.test(v));
  const offset = offsetText === undefined ? 0 : Number(offsetText);
  let order: OrderRecord | undefined;
  let listed: RefundRecord[];
  if (refundId !== undefined || outRefundNo !== undefined) {
    const one = refundId !== undefined ? pay.refundById(mchId, refundId) : pay.refund(mchId, outRefundNo as string);
    order = one && pay.order(mchId, one.outTradeNo);
    listed = one ? [one] : [];
  } else {
    order = findOrder(pay, ctx);
    listed = order ? pay.refundsOfOrder(order).slice(offset, offset + REFUND_QUERY_PAGE_SIZE) : [];
  }
  if (!order || listed.length === 0) throw new PayBusinessError('REFUNDNOTEXIST', '退款订单查询失败');
  const found = order;
  const all = pay.refundsOfOrder(found);
  const fields: Record<string, string | undefined> = {
    transaction_id: found.transactionId,
    out_trade_no: found.outTradeNo,
    total_fee: String(found.totalFee),
    settlement_total_fee: String(found.totalFee),
    fee_type: 'CNY',
    cash_fee: String(found.totalFee),
    refund_fee: String(listed.reduce((sum, r) => sum + r.refundFee, 0)),
    total_refund_count: String(all.length),
    refund_count: String(listed.length),
  };
  listed.forEach((r, n) => {
    fields[`out_refund_no_${n}`] = r.outRefundNo;
    fields[`refund_id_${n}`] = r.refundId;
    fields[`refund_channel_${n}`] = 'ORIGINAL';
    fields[`refund_fee_${n}`] = String(r.refundFee);
    fields[`settlement_refund_fee_${n}`] = String(r.refundFee);
    fields[`refund_status_${n}`] = r.status;
    fields[`refund_account_${n}`] = 'REFUND_SOURCE_RECHARGE_FUNDS';
    fields[`refund_recv_accout_${n}`] = '支付用户的零钱';
    if (r.successTime !== undefined) fields[`refund_success_time_${n}`] = r.successTime;
  });
  return { fields };
}

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

function downloadBill(pay: PayState, ctx: PayContext): PayResult {
  const day = billDay(ctx);
  const type = (optional(ctx, 'bill_type', (v) => BILL_TYPES.has(v as TradeBillType)) ?? 'ALL') as TradeBillType;
  const gzip = tarGzip(ctx);
  const { mchId } = ctx.merchant;
  const text = tradeBill(pay.ordersOf(mchId), pay.refundsOf(mchId), (r) => pay.order(mchId, r.outTradeNo), day, type);
  if (text === undefined) throw new PayReject('No Bill Exist', { error_code: '20002' });
  return file(text, gzip);
}

function downloadFundFlow(pay: PayState, ctx: PayContext): PayResult {
  const day = billDay(ctx);
  const account = required(ctx, 'account_type');
  check(ACCOUNT_TYPES.has(account as FundAccountType), 'account_type');
  const gzip = tarGzip(ctx);
  const { mchId } = ctx.merchant;
  const text = fundFlowBill(mchId, pay.ordersOf(mchId), pay.refundsOf(mchId), day, account as FundAccountType);
  if (text === undefined) throw new PayBusinessError('NO_BILL_EXIST', '账单不存在');
  return file(text, gzip);
}

function report(pay: PayState, ctx: PayContext): PayResult {
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

function batchQueryComment(pay: PayState, ctx: PayContext): PayResult {
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
