import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import { encryptPayV3Resource, parsePayV3Authorization, payV3Message, verifyPayV3 } from '../../crypto/pay-v3.crypto';
import { fundFlowBill, tradeBill } from '../pay/pay-bills';
import type { FundAccountType, TradeBillType } from '../pay/pay-bills';
import { beijingCompact, newPrepayId, parseBeijingDay } from '../pay/pay-format';
import type { OrderRecord } from '../pay/pay-state';
import { newRequestId } from './pay-v3-state';
import type { PayV3State, V3Merchant } from './pay-v3-state';
import { controlBody, controlOk, isPlainObject } from '../server/simulator-http';
import type { SimResponse, SimRoute } from '../server/simulator-http';
import type { SimPayV3SettingsInput } from './pay-v3.interfaces';

/** A v3 error answer `{code, message}`. @internal */
export class PayV3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a v3 handler answers: JSON (signed), 204 (signed over ''), or a bill file (not signed). */
type V3Result = { status: number; json?: unknown } | { file: Buffer };

interface V3Context {
  readonly v3: PayV3State;
  readonly merchant: V3Merchant;
  readonly method: string;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly body: Buffer;
  readonly payUrl: string;
}

interface V3Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly handler: (ctx: V3Context) => V3Result;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const SKEW_SECONDS = 300;
const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const TRANSACTION_ID = /^[0-9]{1,32}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const BILL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SEGMENT = '([^/?]+)';

const ROUTES: readonly V3Route[] = [
  { method: 'POST', pattern: /^\/v3\/pay\/transactions\/jsapi$/, handler: jsapi },
  { method: 'GET', pattern: new RegExp(`^/v3/pay/transactions/out-trade-no/${SEGMENT}$`), handler: queryByOutTradeNo },
  { method: 'GET', pattern: new RegExp(`^/v3/pay/transactions/id/${SEGMENT}$`), handler: queryById },
  { method: 'POST', pattern: new RegExp(`^/v3/pay/transactions/out-trade-no/${SEGMENT}/close$`), handler: close },
  { method: 'POST', pattern: /^\/v3\/refund\/domestic\/refunds$/, handler: refund },
  { method: 'GET', pattern: new RegExp(`^/v3/refund/domestic/refunds/${SEGMENT}$`), handler: refundQuery },
  { method: 'GET', pattern: /^\/v3\/bill\/tradebill$/, handler: tradeBillRoute },
  { method: 'GET', pattern: /^\/v3\/bill\/fundflowbill$/, handler: fundFlowBillRoute },
  { method: 'GET', pattern: /^\/v3\/billdownload\/file$/, handler: billDownload },
  { method: 'GET', pattern: /^\/v3\/certificates$/, handler: certificates },
];

/**
 * Answers one WeChat Pay API v3 request (a path under `/v3/` of the pay server): authenticates the `Authorization`
 * header against the exact request target and raw body, runs the API and signs the answer (errors included; bill
 * files are not signed, as WeChat's).
 * @internal
 */
export function answerPayV3(
  v3: PayV3State,
  method: string,
  target: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  payUrl: string,
  faultCode?: string,
): SimResponse {
  const queryAt = target.indexOf('?');
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  const query = new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1));
  let mchId: string | undefined;
  try {
    const merchant = authenticate(v3, method, target, headers, body);
    mchId = merchant.merchant.mchId;
    // A `payErrCode` fault answers an authenticated request with that v3 error code instead of the API.
    if (faultCode !== undefined) throw faultError(faultCode);
    const routes = ROUTES.filter((r) => r.pattern.test(path));
    if (routes.length === 0) throw new PayV3Error(404, 'NOT_FOUND', '请求的资源不存在');
    const route = routes.find((r) => r.method === method);
    if (!route) throw new PayV3Error(405, 'METHOD_NOT_ALLOWED', `不支持的请求方法 ${method}`);
    const params = (route.pattern.exec(path) as RegExpExecArray).slice(1).map((p) => safeDecode(p));
    const result = route.handler({ v3, merchant, method, params, query, body, payUrl });
    if ('file' in result) {
      return {
        status: 200,
        contentType: 'application/octet-stream',
        body: result.file,
        headers: { 'request-id': newRequestId() },
        mchId,
        returnCode: 'SUCCESS',
      };
    }
    return signed(v3, result.status, result.json, mchId);
  } catch (error) {
    if (error instanceof PayV3Error) return signed(v3, error.status, { code: error.code, message: error.message }, mchId, error.code);
    throw error;
  }
}

/** The v3 answer of a `payErrCode` fault: v2 spellings are mapped to their v3 codes. */
function faultError(code: string): PayV3Error {
  const v3Code = code === 'SYSTEMERROR' ? 'SYSTEM_ERROR' : code === 'ORDERNOTEXIST' ? 'ORDER_NOT_EXIST' : code;
  const known: Record<string, [number, string]> = {
    SYSTEM_ERROR: [500, '系统异常，请稍后重试'],
    BANK_ERROR: [500, '银行系统异常'],
    FREQUENCY_LIMITED: [429, '请求频率超限，请降低请求频率'],
    NOAUTH: [403, '商户无此接口权限'],
    NOT_ENOUGH: [403, '基本账户余额不足'],
    ORDER_NOT_EXIST: [404, '订单不存在'],
    RESOURCE_NOT_EXISTS: [404, '资源不存在'],
    SIGN_ERROR: [401, '错误的签名，验签失败'],
  };
  const [httpStatus, message] = known[v3Code] ?? [400, 'simulated fault'];
  return new PayV3Error(httpStatus, v3Code, message);
}

function signed(v3: PayV3State, status: number, json: unknown, mchId?: string, code?: string): SimResponse {
  const text = status === 204 || json === undefined ? '' : JSON.stringify(json);
  return {
    status,
    contentType: JSON_TYPE,
    body: text,
    headers: { ...v3.signedHeaders(text), 'request-id': newRequestId() },
    ...(mchId !== undefined ? { mchId } : {}),
    returnCode: code === undefined ? 'SUCCESS' : 'FAIL',
    ...(code !== undefined ? { errCode: code } : {}),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function signError(message: string): PayV3Error {
  return new PayV3Error(401, 'SIGN_ERROR', message);
}

function authenticate(v3: PayV3State, method: string, target: string, headers: IncomingHttpHeaders, body: Buffer): V3Merchant {
  const header = headers.authorization;
  if (typeof header !== 'string' || header === '') throw signError('Http头缺少Authorization或格式错误');
  const auth = parsePayV3Authorization(header);
  if (!auth) throw signError('Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》');
  const merchant = v3.merchants.get(auth.mchid);
  if (!merchant) throw signError('商户号不存在或未开通APIv3');
  if (auth.serial_no.toUpperCase() !== merchant.serialNo) throw signError('商户证书序列号有误。请使用签名私钥匹配的证书序列号');
  if (!/^\d{1,12}$/.test(auth.timestamp)) throw signError('Authorization中的timestamp格式错误');
  const now = Math.floor(v3.pay.now() / 1000);
  if (Math.abs(now - Number(auth.timestamp)) > SKEW_SECONDS) throw signError('请求的时间戳已过期，请确认时间戳在5分钟内');
  const message = Buffer.concat([
    Buffer.from(payV3Message(method, target, auth.timestamp, auth.nonce_str), 'utf8'),
    body,
    Buffer.from('\n'),
  ]);
  if (!verifyPayV3(message, auth.signature, merchant.publicKey)) throw signError('错误的签名，验签失败');
  return merchant;
}

// ---- input checks

function paramError(pointer: string, detail: string): PayV3Error {
  return new PayV3Error(400, 'PARAM_ERROR', `输入源“${pointer}”映射到值字段“${pointer.split('/').pop()}”${detail}`);
}

function jsonBody(ctx: V3Context): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(ctx.body.toString('utf8'));
  } catch {
    throw new PayV3Error(400, 'PARAM_ERROR', '请求体不是合法的JSON');
  }
  if (!isPlainObject(value)) throw new PayV3Error(400, 'PARAM_ERROR', '请求体必须是JSON对象');
  return value;
}

function str(obj: Record<string, unknown>, name: string, pointer: string, valid?: (v: string) => boolean): string {
  const value = obj[name];
  if (value === undefined || value === null || value === '') throw paramError(`${pointer}/${name}`, '必填性规则校验失败，此字段为必填项');
  if (typeof value !== 'string') throw paramError(`${pointer}/${name}`, '类型校验失败，应为字符串');
  if (valid && !valid(value)) throw paramError(`${pointer}/${name}`, '格式校验失败');
  return value;
}

function optStr(obj: Record<string, unknown>, name: string, pointer: string, valid?: (v: string) => boolean): string | undefined {
  return obj[name] === undefined ? undefined : str(obj, name, pointer, valid);
}

function obj(parent: Record<string, unknown>, name: string, pointer: string): Record<string, unknown> {
  const value = parent[name];
  if (value === undefined || value === null) throw paramError(`${pointer}/${name}`, '必填性规则校验失败，此字段为必填项');
  if (!isPlainObject(value)) throw paramError(`${pointer}/${name}`, '类型校验失败，应为对象');
  return value;
}

function fen(parent: Record<string, unknown>, name: string, pointer: string): number {
  const value = parent[name];
  if (value === undefined || value === null) throw paramError(`${pointer}/${name}`, '必填性规则校验失败，此字段为必填项');
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 99_999_999_999) {
    throw paramError(`${pointer}/${name}`, '数值校验失败，应为正整数（单位：分）');
  }
  return value;
}

function currency(parent: Record<string, unknown>, pointer: string, required: boolean): void {
  if (!required && parent.currency === undefined) return;
  str(parent, 'currency', pointer, (v) => v === 'CNY');
}

function chars(value: string): number {
  return [...value].length;
}

function notifyUrl(value: string): boolean {
  if (value.length > 256) return false;
  try {
    const url = new URL(value);
    // WeChat requires https; the simulator accepts http too, so that local listeners need no certificate.
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '';
  } catch {
    return false;
  }
}

/** The `mchid` of the query string, which must be the authenticated merchant's. */
function queryMchId(ctx: V3Context): void {
  const mchid = ctx.query.get('mchid');
  if (mchid === null || mchid === '') throw paramError('/query/mchid', '必填性规则校验失败，此字段为必填项');
  if (mchid !== ctx.merchant.merchant.mchId) throw new PayV3Error(400, 'PARAM_ERROR', 'mchid与请求签名的商户号不一致');
}

function bodyMchId(ctx: V3Context, body: Record<string, unknown>): void {
  const mchid = str(body, 'mchid', '/body');
  if (mchid !== ctx.merchant.merchant.mchId) throw new PayV3Error(400, 'PARAM_ERROR', 'mchid与请求签名的商户号不一致');
}

// ---- the APIs

function jsapi(ctx: V3Context): V3Result {
  const pay = ctx.v3.pay;
  const body = jsonBody(ctx);
  const appId = str(body, 'appid', '/body');
  bodyMchId(ctx, body);
  const { merchant } = ctx.merchant;
  if (appId !== merchant.appId) throw new PayV3Error(400, 'PARAM_ERROR', 'appid和mch_id不匹配');
  const description = str(body, 'description', '/body', (v) => chars(v) <= 127);
  const outTradeNo = str(body, 'out_trade_no', '/body', (v) => OUT_TRADE_NO.test(v));
  const timeExpireText = optStr(body, 'time_expire', '/body', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
  const attach = optStr(body, 'attach', '/body', (v) => chars(v) <= 128);
  const notify = str(body, 'notify_url', '/body', notifyUrl);
  optStr(body, 'goods_tag', '/body', (v) => chars(v) <= 32);
  const amount = obj(body, 'amount', '/body');
  const total = fen(amount, 'total', '/body/amount');
  currency(amount, '/body/amount', false);
  const payer = obj(body, 'payer', '/body');
  const openId = str(payer, 'openid', '/body/payer', (v) => chars(v) <= 128);
  if (!pay.sim.user(appId, openId)) throw new PayV3Error(400, 'PARAM_ERROR', 'appid和openid不匹配');
  const timeExpire = timeExpireText === undefined ? undefined : beijingCompact(Date.parse(timeExpireText));

  const now = pay.now();
  let order = pay.order(merchant.mchId, outTradeNo);
  if (order) {
    if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new PayV3Error(400, 'ORDERPAID', '该订单已支付');
    if (order.tradeState === 'CLOSED') throw new PayV3Error(400, 'ORDER_CLOSED', '该订单已关闭');
    if (
      order.apiVersion !== 'v3' ||
      order.body !== description ||
      order.totalFee !== total ||
      order.openId !== openId ||
      order.tradeType !== 'JSAPI' ||
      order.attach !== attach ||
      order.notifyUrl !== notify
    ) {
      throw new PayV3Error(400, 'INVALID_REQUEST', '201 商户订单号重复');
    }
    if (now >= order.prepayExpiresAt) pay.renewPrepay(order, newPrepayId(now));
  } else {
    const record: OrderRecord = {
      appId,
      mchId: merchant.mchId,
      outTradeNo,
      body: description,
      totalFee: total,
      tradeType: 'JSAPI',
      openId,
      notifyUrl: notify,
      ...(attach !== undefined ? { attach } : {}),
      spbillCreateIp: '127.0.0.1',
      ...(timeExpire !== undefined ? { timeExpire } : {}),
      signType: 'HMAC-SHA256',
      prepayId: newPrepayId(now),
      prepayExpiresAt: now + pay.config.prepayTtlMs * pay.config.timeScale,
      createdAt: now,
      tradeState: 'NOTPAY',
      refunds: [],
      apiVersion: 'v3',
    };
    pay.addOrder(record);
    order = record;
  }
  return { status: 200, json: { prepay_id: order.prepayId } };
}

function orderNotFound(): PayV3Error {
  return new PayV3Error(404, 'ORDER_NOT_EXIST', '订单不存在');
}

function queryByOutTradeNo(ctx: V3Context): V3Result {
  queryMchId(ctx);
  const [outTradeNo] = ctx.params;
  if (!OUT_TRADE_NO.test(outTradeNo)) throw paramError('/path/out_trade_no', '格式校验失败');
  const order = ctx.v3.pay.order(ctx.merchant.merchant.mchId, outTradeNo);
  if (!order) throw orderNotFound();
  return { status: 200, json: ctx.v3.transaction(order) };
}

function queryById(ctx: V3Context): V3Result {
  queryMchId(ctx);
  const [transactionId] = ctx.params;
  if (!TRANSACTION_ID.test(transactionId)) throw paramError('/path/transaction_id', '格式校验失败');
  const order = ctx.v3.pay.orderByTransaction(ctx.merchant.merchant.mchId, transactionId);
  if (!order) throw orderNotFound();
  return { status: 200, json: ctx.v3.transaction(order) };
}

function close(ctx: V3Context): V3Result {
  const body = jsonBody(ctx);
  bodyMchId(ctx, body);
  const [outTradeNo] = ctx.params;
  if (!OUT_TRADE_NO.test(outTradeNo)) throw paramError('/path/out_trade_no', '格式校验失败');
  const order = ctx.v3.pay.order(ctx.merchant.merchant.mchId, outTradeNo);
  if (!order) throw orderNotFound();
  if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new PayV3Error(400, 'ORDERPAID', '订单已支付，不能发起关单');
  // Closing a closed order again is accepted, as WeChat does.
  order.tradeState = 'CLOSED';
  return { status: 204 };
}

function refund(ctx: V3Context): V3Result {
  const pay = ctx.v3.pay;
  const { mchId, appId } = ctx.merchant.merchant;
  const body = jsonBody(ctx);
  const transactionId = optStr(body, 'transaction_id', '/body', (v) => TRANSACTION_ID.test(v));
  const outTradeNo = optStr(body, 'out_trade_no', '/body', (v) => OUT_TRADE_NO.test(v));
  if (transactionId === undefined && outTradeNo === undefined) {
    throw new PayV3Error(400, 'PARAM_ERROR', 'transaction_id和out_trade_no必须二选一进行传参');
  }
  const outRefundNo = str(body, 'out_refund_no', '/body', (v) => OUT_REFUND_NO.test(v));
  const reason = optStr(body, 'reason', '/body', (v) => chars(v) <= 80);
  const notify = optStr(body, 'notify_url', '/body', notifyUrl);
  optStr(body, 'funds_account', '/body', (v) => v === 'AVAILABLE' || v === 'UNSETTLED');
  const amount = obj(body, 'amount', '/body');
  const refundFee = fen(amount, 'refund', '/body/amount');
  const totalFee = fen(amount, 'total', '/body/amount');
  currency(amount, '/body/amount', true);

  const order = transactionId !== undefined ? pay.orderByTransaction(mchId, transactionId) : pay.order(mchId, outTradeNo as string);
  if (!order) throw new PayV3Error(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  const previous = pay.refund(mchId, outRefundNo);
  if (previous) {
    if (previous.outTradeNo !== order.outTradeNo) throw new PayV3Error(400, 'INVALID_REQUEST', '商户退款单号已用于其他订单');
    if (previous.totalFee !== totalFee || previous.refundFee !== refundFee) {
      throw new PayV3Error(400, 'INVALID_REQUEST', '订单金额或退款金额与之前请求不一致，请核实后再试');
    }
    return { status: 200, json: ctx.v3.refundJson(previous) };
  }
  if (order.tradeState !== 'SUCCESS' && order.tradeState !== 'REFUND')
    throw new PayV3Error(400, 'INVALID_REQUEST', '订单状态错误，未支付的订单不能退款');
  if (totalFee !== order.totalFee) throw new PayV3Error(400, 'PARAM_ERROR', '订单金额与原订单金额不一致');
  if (refundFee > pay.refundableFee(order)) throw new PayV3Error(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
  const record = pay.openRefund(order, {
    appId,
    mchId,
    outRefundNo,
    totalFee,
    refundFee,
    refundDesc: reason,
    notifyUrl: notify,
    apiVersion: 'v3',
  });
  return { status: 200, json: ctx.v3.refundJson(record) };
}

function refundQuery(ctx: V3Context): V3Result {
  const [outRefundNo] = ctx.params;
  if (!OUT_REFUND_NO.test(outRefundNo)) throw paramError('/path/out_refund_no', '格式校验失败');
  const found = ctx.v3.pay.refund(ctx.merchant.merchant.mchId, outRefundNo);
  if (!found) throw new PayV3Error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
  return { status: 200, json: ctx.v3.refundJson(found) };
}

function billDay(ctx: V3Context): { start: number; end: number } {
  const text = ctx.query.get('bill_date');
  if (text === null || text === '') throw paramError('/query/bill_date', '必填性规则校验失败，此字段为必填项');
  const match = BILL_DATE.exec(text);
  const day = match ? parseBeijingDay(`${match[1]}${match[2]}${match[3]}`) : undefined;
  if (!day) throw paramError('/query/bill_date', '格式校验失败，应为yyyy-MM-DD');
  return day;
}

function tarGzip(ctx: V3Context): boolean {
  const tar = ctx.query.get('tar_type');
  if (tar !== null && tar !== 'GZIP') throw paramError('/query/tar_type', '枚举值校验失败');
  return tar === 'GZIP';
}

function billAnswer(ctx: V3Context, text: string | undefined, gzip: boolean): V3Result {
  if (text === undefined) throw new PayV3Error(400, 'NO_STATEMENT_EXIST', '要下载的账单不存在');
  const bytes = Buffer.from(text, 'utf8');
  const file = gzip ? gzipSync(bytes) : bytes;
  const token = ctx.v3.storeBill(ctx.merchant.merchant.mchId, file);
  return {
    status: 200,
    json: {
      hash_type: 'SHA1',
      hash_value: createHash('sha1').update(file).digest('hex'),
      download_url: `${ctx.payUrl}/v3/billdownload/file?token=${token}`,
    },
  };
}

function tradeBillRoute(ctx: V3Context): V3Result {
  const pay = ctx.v3.pay;
  const day = billDay(ctx);
  const type = ctx.query.get('bill_type') ?? 'ALL';
  if (type !== 'ALL' && type !== 'SUCCESS' && type !== 'REFUND') throw paramError('/query/bill_type', '枚举值校验失败');
  const gzip = tarGzip(ctx);
  const { mchId } = ctx.merchant.merchant;
  const text = tradeBill(pay.ordersOf(mchId), pay.refundsOf(mchId), (r) => pay.order(mchId, r.outTradeNo), day, type as TradeBillType);
  return billAnswer(ctx, text, gzip);
}

const ACCOUNT_TYPES: Record<string, FundAccountType> = { BASIC: 'Basic', OPERATION: 'Operation', FEES: 'Fees' };

function fundFlowBillRoute(ctx: V3Context): V3Result {
  const pay = ctx.v3.pay;
  const day = billDay(ctx);
  const account = ACCOUNT_TYPES[ctx.query.get('account_type') ?? 'BASIC'];
  if (!account) throw paramError('/query/account_type', '枚举值校验失败');
  const gzip = tarGzip(ctx);
  const { mchId } = ctx.merchant.merchant;
  const text = fundFlowBill(mchId, pay.ordersOf(mchId), pay.refundsOf(mchId), day, account);
  return billAnswer(ctx, text, gzip);
}

function billDownload(ctx: V3Context): V3Result {
  const token = ctx.query.get('token');
  const file = token ? ctx.v3.bill(ctx.merchant.merchant.mchId, token) : undefined;
  if (!file) throw new PayV3Error(400, 'INVALID_REQUEST', '下载链接无效或已过期，请重新申请');
  return { file };
}

function certificates(ctx: V3Context): V3Result {
  const listed = ctx.v3.platformCertificates();
  if (listed.length === 0) throw new PayV3Error(404, 'NOT_FOUND', '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥');
  return {
    status: 200,
    json: {
      data: listed.map((cert) => {
        const { original_type: _type, ...encrypted } = encryptPayV3Resource(cert.certificate, ctx.merchant.apiV3Key, {
          associatedData: 'certificate',
          originalType: 'certificate',
        });
        return {
          serial_no: cert.serialNo,
          effective_time: cert.effective,
          expire_time: cert.expire,
          encrypt_certificate: {
            algorithm: encrypted.algorithm,
            nonce: encrypted.nonce,
            associated_data: encrypted.associated_data,
            ciphertext: encrypted.ciphertext,
          },
        };
      }),
    },
  };
}

/**
 * The control API of the v3 signing settings: `GET /__sim/v3` and `POST /__sim/v3 {mode?, rotate?}`.
 * @internal
 */
export function payV3ControlRoutes(v3: PayV3State): SimRoute[] {
  return [
    { method: 'GET', path: '/__sim/v3', handler: () => controlOk(v3.settings()) },
    { method: 'POST', path: '/__sim/v3', handler: (req) => controlOk(v3.configure(controlBody(req) as SimPayV3SettingsInput)) },
  ];
}
