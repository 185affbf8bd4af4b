import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';

/**
 * WeChat Pay v2 notifications built here, independently of the library (its signer, XML writer
 * and req_info cipher are what the tests check), plus a raw HTTP client for hostile requests.
 */

export type SignType = 'MD5' | 'HMAC-SHA256';

/** The v2 signature: sorted non-empty fields except `sign`, `&key=`, MD5 or HMAC-SHA256, uppercase hex. */
export function signV2(fields: Record<string, string>, key: string, type: SignType = 'MD5'): string {
  const base =
    Object.keys(fields)
      .filter((k) => k !== 'sign' && fields[k] !== '')
      .sort()
      .map((k) => `${k}=${fields[k]}`)
      .join('&') + `&key=${key}`;
  const digest = type === 'MD5' ? createHash('md5').update(base, 'utf8') : createHmac('sha256', key).update(base, 'utf8');
  return digest.digest('hex').toUpperCase();
}

export function signed(fields: Record<string, string>, key: string, type: SignType = 'MD5'): Record<string, string> {
  return { ...fields, sign: signV2(fields, key, type) };
}

const escapeText = (v: string) => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const cdata = (v: string) => (v === '' ? '' : `<![CDATA[${v.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`);

/** An XML document of `[name, value]` pairs (duplicates allowed), values in CDATA or escaped text. */
export function xmlOf(
  pairs: Array<[string, string]>,
  { root = 'xml', style = 'cdata' }: { root?: string; style?: 'cdata' | 'text' } = {},
): string {
  const body = pairs.map(([k, v]) => `<${k}>${style === 'cdata' ? cdata(v) : escapeText(v)}</${k}>`).join('');
  return `<${root}>${body}</${root}>`;
}

/** The refund `req_info`: AES-256-ECB under the lowercase hex md5 of the API key, PKCS#7, base64. */
export function encryptReqInfo(plain: string | Buffer, apiKey: string): string {
  const key = Buffer.from(createHash('md5').update(apiKey, 'utf8').digest('hex'), 'ascii');
  const cipher = createCipheriv('aes-256-ecb', key, null);
  return Buffer.concat([cipher.update(typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain), cipher.final()]).toString('base64');
}

export interface Merchant {
  appId: string;
  mchId: string;
  apiKey: string;
}

/** The fields (unsigned) of the payment notification WeChat sends for a paid order. */
export function paymentFields(
  merchant: Merchant,
  order: { outTradeNo: string; totalFee: number; openId: string },
  transactionId: string,
  nonce = 'n0nce0n0nce0n0nce0n0nce0n0nce012',
): Record<string, string> {
  return {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: merchant.appId,
    mch_id: merchant.mchId,
    nonce_str: nonce,
    result_code: 'SUCCESS',
    openid: order.openId,
    is_subscribe: 'N',
    trade_type: 'JSAPI',
    bank_type: 'OTHERS',
    total_fee: String(order.totalFee),
    fee_type: 'CNY',
    cash_fee: String(order.totalFee),
    transaction_id: transactionId,
    out_trade_no: order.outTradeNo,
    time_end: '20261124120000',
  };
}

/** The decrypted `req_info` fields of a refund notification. */
export function refundInfoFields(refund: {
  outTradeNo: string;
  transactionId: string;
  outRefundNo: string;
  refundId: string;
  totalFee: number;
  refundFee: number;
  status: string;
}): Record<string, string> {
  return {
    transaction_id: refund.transactionId,
    out_trade_no: refund.outTradeNo,
    refund_id: refund.refundId,
    out_refund_no: refund.outRefundNo,
    total_fee: String(refund.totalFee),
    settlement_total_fee: String(refund.totalFee),
    refund_fee: String(refund.refundFee),
    settlement_refund_fee: String(refund.refundFee),
    refund_status: refund.status,
    success_time: '2026-11-24 12:00:00',
    refund_recv_accout: '支付用户的零钱',
    refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
    refund_request_source: 'API',
  };
}

/** The outer fields of a refund notification around an encrypted `req_info`. */
export function refundOuterFields(merchant: Merchant, reqInfo: string): Record<string, string> {
  return { return_code: 'SUCCESS', appid: merchant.appId, mch_id: merchant.mchId, nonce_str: 'r3fundn0nce', req_info: reqInfo };
}

export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

/**
 * POSTs (or sends any method) raw bytes over a fresh connection: a `content-length` body, or
 * chunked transfer in pieces. `contentType: null` sends no content type at all.
 */
export function rawRequest(
  port: number,
  path: string,
  body: Buffer,
  { method = 'POST', contentType = 'text/xml', chunked = false }: { method?: string; contentType?: string | null; chunked?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (contentType !== null) headers['content-type'] = contentType;
    if (!chunked) headers['content-length'] = String(body.length);
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    if (chunked && body.length > 0) {
      const step = Math.max(1, Math.ceil(body.length / 3));
      for (let at = 0; at < body.length; at += step) req.write(body.subarray(at, at + step));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** `return_code` of a notification answer, read without the library's parser. */
export function answerCode(text: string): string | undefined {
  return /^<xml><return_code>(?:<!\[CDATA\[)?(SUCCESS|FAIL)(?:\]\]>)?<\/return_code>/.exec(text)?.[1];
}
