import type { IncomingHttpHeaders } from 'node:http';
import { parsePayV3Authorization, payV3Message, verifyPayV3 } from '../../crypto/pay-v3.crypto';
import { controlBody, controlOk } from '../server/simulator-http';
import type { SimResponse, SimRoute } from '../server/simulator-http';
import { DOWNLOAD_ROUTES } from './pay-v3-downloads';
import { newRequestId } from './pay-v3-format';
import { REFUND_ROUTES } from './pay-v3-refunds';
import { PayV3Error } from './pay-v3-request';
import type { V3Route } from './pay-v3-request';
import type { PayV3State, V3Merchant } from './pay-v3-state';
import { TRANSACTION_ROUTES } from './pay-v3-transactions';
import { TRANSFER_ROUTES } from '../transfers/transfer.routes';
import { PROFIT_SHARING_ROUTES } from '../profit-sharing/profit-sharing.routes';
import type { SimPayV3SettingsInput } from './pay-v3.interfaces';

const JSON_TYPE = 'application/json; charset=utf-8';
const SKEW_SECONDS = 300;

/** Every v3 API the simulator answers, by group. */
const ROUTES: readonly V3Route[] = [
  ...TRANSACTION_ROUTES,
  ...REFUND_ROUTES,
  ...DOWNLOAD_ROUTES,
  ...TRANSFER_ROUTES,
  ...PROFIT_SHARING_ROUTES,
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
    const result = route.handler({ v3, merchant, method, params, query, body, payUrl, headers });
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
