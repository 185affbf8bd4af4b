import { payV2Sign, verifyPayV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../../crypto/pay-xml.codec';
import { createNonceStr } from '../../crypto/random.util';
import { CERT_ERROR_MSG, MAX_BODY_BYTES } from '../server/simulator.constants';
import { batchQueryComment, downloadBill, downloadFundFlow, report } from './pay-bills.routes';
import { closeOrder, orderQuery, unifiedOrder } from './pay-orders.routes';
import { refund, refundQuery } from './pay-refunds.routes';
import { PayBusinessError, PayReject, present } from './pay-request';
import type { PayContext, PayResult } from './pay-request';
import type { PayState } from './pay-state';
import type { SimRequest, SimResponse } from '../server/simulator-http';

/** One WeChat Pay API. @internal */
export interface PayRoute {
  readonly path: string;
  /** Needs the merchant's client certificate. */
  readonly cert?: boolean;
  /** Accepts `sign_type=HMAC-SHA256` only. */
  readonly hmacOnly?: boolean;
  readonly handler: (ctx: PayContext) => PayResult;
}

const XML_TYPE = 'text/xml; charset=utf-8';

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
