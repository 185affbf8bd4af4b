import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { encryptPayV3Sensitive, payV3JsapiPaySign } from '../../crypto/pay-v3.crypto';
import { createNonceStr } from '../../crypto/random.util';
import { safeEqual } from '../../crypto/safe-equal.util';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import type { PayRefundStatus } from '../../entities/pay-refund.entity';
import { WeChatPayInputError } from '../../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions } from '../../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { formatBeijing, PayInput } from '../pay-input.util';
import { WeChatPayV3Client } from './wechat-pay-v3.client';
import type { PayV3CallOptions, PayV3Method } from './wechat-pay-v3.client';
import type {
  V3BillResult,
  V3EncryptedField,
  V3FundFlowBillRequest,
  V3JsapiPaymentParams,
  V3JsapiRequest,
  V3JsapiResult,
  V3RefundRequest,
  V3RefundResult,
  V3RefundStatus,
  V3TradeBillRequest,
  V3TradeState,
  V3TransactionResult,
} from './wechat-pay-v3.interfaces';

const V3_METHODS: ReadonlySet<string> = new Set<PayV3Method>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** A path (and query) of the pay API under `/v3/` that a URL parser leaves as it is: no dot segment, `//`, fragment or space. */
function isV3Path(path: unknown): path is string {
  if (typeof path !== 'string' || path.length > 2048 || !/^\/v3\/[\x21-\x7e]*$/.test(path) || path.includes('#')) return false;
  const url = new URL(path, 'https://pay.invalid');
  return url.origin === 'https://pay.invalid' && `${url.pathname}${url.search}` === path && !path.includes('//');
}

/** The trade states WeChat Pay documents (v2 and v3 name them alike). @internal */
export const TRADE_STATES: ReadonlySet<string> = new Set<V3TradeState>([
  'SUCCESS',
  'REFUND',
  'NOTPAY',
  'CLOSED',
  'REVOKED',
  'USERPAYING',
  'PAYERROR',
  'ACCEPT',
]);
const REFUND_STATES: ReadonlySet<string> = new Set<V3RefundStatus>(['SUCCESS', 'CLOSED', 'PROCESSING', 'ABNORMAL']);
/** `amount.currency` of domestic JSAPI payments and refunds: only CNY (ISO 4217). */
const CURRENCIES = ['CNY'] as const;
/** A UTF-16 surrogate that is not half of a pair (in `u` mode, pairs are one code point and do not match). */
const LONE_SURROGATE = /\p{Cs}/u;

/** RFC 3339 in Beijing time (`2026-11-24T16:00:00+08:00`), as v3 writes times. @internal */
export function formatRfc3339Beijing(date: Date): string {
  const s = formatBeijing(date, 14);
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}+08:00`;
}

/** Parses an RFC 3339 time with an explicit offset; `undefined` otherwise. @internal */
export function parseRfc3339(value: unknown): Date | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
/** An amount (fen) of a v3 answer or notification: a non-negative safe integer JSON number, never a string. */
const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0) ? value : undefined;
const obj = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * The final v3 refund statuses as the `PayRefund` model names them. A Map, not an object: a `refund_status` such as
 * `constructor` or `__proto__` must find nothing.
 * @internal
 */
export const V3_REFUND_STATUS: ReadonlyMap<string, PayRefundStatus> = new Map<string, PayRefundStatus>([
  ['SUCCESS', 'SUCCESS'],
  ['ABNORMAL', 'CHANGE'],
  ['CLOSED', 'REFUNDCLOSE'],
]);

/** A v3 transaction object (answer or decrypted notification), normalised. @internal */
export function normaliseTransaction(raw: Record<string, unknown>, fallbackOutTradeNo = ''): V3TransactionResult {
  const amount = obj(raw.amount);
  const state = str(raw.trade_state);
  return {
    // A missing or undocumented state is not guessed (it used to read as NOTPAY); `raw.trade_state` keeps what was sent.
    tradeState: state !== undefined && TRADE_STATES.has(state) ? (state as V3TradeState) : undefined,
    tradeStateDesc: str(raw.trade_state_desc),
    outTradeNo: str(raw.out_trade_no) ?? fallbackOutTradeNo,
    transactionId: str(raw.transaction_id),
    appId: str(raw.appid),
    mchId: str(raw.mchid),
    openId: str(obj(raw.payer).openid),
    tradeType: str(raw.trade_type),
    bankType: str(raw.bank_type),
    attach: str(raw.attach),
    totalFee: num(amount.total),
    cashFee: num(amount.payer_total),
    currency: str(amount.currency),
    successTime: parseRfc3339(raw.success_time),
    raw,
  };
}

/** A v3 refund object (answer or decrypted notification), normalised. @internal */
export function normaliseRefund(raw: Record<string, unknown>, fallbackOutRefundNo = ''): V3RefundResult {
  const amount = obj(raw.amount);
  const status = str(raw.status) ?? str(raw.refund_status) ?? 'PROCESSING';
  return {
    refundId: str(raw.refund_id) ?? '',
    outRefundNo: str(raw.out_refund_no) ?? fallbackOutRefundNo,
    transactionId: str(raw.transaction_id),
    outTradeNo: str(raw.out_trade_no),
    status: (REFUND_STATES.has(status) ? status : 'PROCESSING') as V3RefundStatus,
    successTime: parseRfc3339(raw.success_time),
    userReceivedAccount: str(raw.user_received_account),
    refundFee: num(amount.refund),
    totalFee: num(amount.total),
    refund: num(amount.refund),
    total: num(amount.total),
    raw,
  };
}

/** The request object of a call, or a typed error when there is none (instead of a TypeError on its first field). */
function requestObject<T>(api: string, value: unknown): Partial<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new WeChatPayInputError(api, [
      `the request must be an object (got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})`,
    ]);
  }
  return value as Partial<T>;
}

/**
 * WeChat Pay API v3, low level: each call is one signed request whose answer's signature was verified, with a typed
 * result and `raw` (the JSON). Reached as `WeChatPayService.v3`.
 * @publicApi
 */
@Injectable()
export class WeChatPayV3Api {
  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly client: WeChatPayV3Client,
  ) {}

  /** `POST /v3/pay/transactions/jsapi`: a prepay_id for a mini program payment. */
  async jsapi(request: V3JsapiRequest): Promise<V3JsapiResult> {
    const { pay, v3 } = this.client.v3('v3.jsapi');
    const req = requestObject<V3JsapiRequest>('v3.jsapi', request);
    const input = new PayInput('v3.jsapi');
    const body = {
      appid: this.options.appId,
      mchid: pay.mchId,
      description: input.text('description', req.description, 127),
      out_trade_no: input.outTradeNo('outTradeNo', req.outTradeNo),
      time_expire: req.timeExpire === undefined ? undefined : this.time(input, req.timeExpire),
      attach: input.text('attach', req.attach, 128, false),
      notify_url: input.text('notifyUrl', req.notifyUrl ?? v3.notifyUrl, 256),
      amount: {
        total: input.fen('total', req.total),
        currency: input.oneOf('currency', req.currency === undefined ? 'CNY' : req.currency, CURRENCIES),
      },
      payer: { openid: input.text('openId', req.openId, 128) },
      settle_info: req.profitSharing === undefined ? undefined : { profit_sharing: req.profitSharing === true },
    };
    input.check(req.profitSharing === undefined || typeof req.profitSharing === 'boolean', 'profitSharing must be a boolean');
    input.done();
    const { json } = await this.client.call('v3.jsapi', 'POST', '/v3/pay/transactions/jsapi', body);
    const prepayId = str(json.prepay_id);
    if (!prepayId || prepayId.length > 64) throw new WeChatUnavailableError('v3.jsapi', 'invalid-response', 'prepay_id missing');
    return { prepayId, raw: json };
  }

  /** `GET /v3/pay/transactions/out-trade-no/{no}` or `/id/{transaction_id}`. */
  async queryOrder(key: { outTradeNo: string } | { transactionId: string }): Promise<V3TransactionResult> {
    const { pay } = this.client.v3('v3.queryOrder');
    const k = requestObject<{ outTradeNo?: string; transactionId?: string }>('v3.queryOrder', key);
    const input = new PayInput('v3.queryOrder');
    input.check((k.outTradeNo === undefined) !== (k.transactionId === undefined), 'give exactly one of transactionId and outTradeNo');
    if (k.outTradeNo !== undefined) input.outTradeNo('outTradeNo', k.outTradeNo);
    if (k.transactionId !== undefined)
      input.check(
        typeof k.transactionId === 'string' && /^[0-9A-Za-z]{1,32}$/.test(k.transactionId),
        'transactionId must be 1–32 letters or digits',
      );
    input.done();
    const path =
      k.transactionId !== undefined
        ? `/v3/pay/transactions/id/${encodeURIComponent(k.transactionId)}?mchid=${pay.mchId}`
        : `/v3/pay/transactions/out-trade-no/${encodeURIComponent(k.outTradeNo!)}?mchid=${pay.mchId}`;
    const { json } = await this.client.call('v3.queryOrder', 'GET', path);
    return normaliseTransaction(json, k.outTradeNo);
  }

  /** `POST /v3/pay/transactions/out-trade-no/{no}/close` (204). */
  async closeOrder(outTradeNo: string): Promise<{ raw: Record<string, unknown> }> {
    const { pay } = this.client.v3('v3.closeOrder');
    const input = new PayInput('v3.closeOrder');
    input.outTradeNo('outTradeNo', outTradeNo);
    input.done();
    const { json } = await this.client.call(
      'v3.closeOrder',
      'POST',
      `/v3/pay/transactions/out-trade-no/${encodeURIComponent(outTradeNo)}/close`,
      {
        mchid: pay.mchId,
      },
    );
    return { raw: json };
  }

  /** `POST /v3/refund/domestic/refunds`. Retrying with the same `outRefundNo` never refunds twice. */
  async refund(request: V3RefundRequest): Promise<V3RefundResult> {
    const { v3 } = this.client.v3('v3.refund');
    const req = requestObject<V3RefundRequest>('v3.refund', request);
    const input = new PayInput('v3.refund');
    const r = req as V3RefundRequest & { outTradeNo?: string; transactionId?: string };
    input.check((r.outTradeNo === undefined) !== (r.transactionId === undefined), 'give exactly one of transactionId and outTradeNo');
    if (r.outTradeNo !== undefined) input.outTradeNo('outTradeNo', r.outTradeNo);
    if (r.transactionId !== undefined) input.text('transactionId', r.transactionId, 32);
    const body = {
      transaction_id: r.transactionId,
      out_trade_no: r.outTradeNo,
      out_refund_no: input.outRefundNo(req.outRefundNo),
      reason: input.text('reason', req.reason, 80, false),
      notify_url: input.text('notifyUrl', req.notifyUrl ?? v3.notifyUrl, 256, false),
      amount: {
        refund: input.fen('refund', req.refund),
        total: input.fen('total', req.total),
        currency: input.oneOf('currency', req.currency === undefined ? 'CNY' : req.currency, CURRENCIES),
      },
    };
    input.check(!((req.refund as number) > (req.total as number)), 'refund must not exceed total');
    input.done();
    const { json } = await this.client.call('v3.refund', 'POST', '/v3/refund/domestic/refunds', body);
    const result = normaliseRefund(json, req.outRefundNo);
    if (!result.refundId) throw new WeChatUnavailableError('v3.refund', 'invalid-response', 'refund_id missing');
    return result;
  }

  /** `GET /v3/refund/domestic/refunds/{out_refund_no}`. */
  async queryRefund(outRefundNo: string): Promise<V3RefundResult> {
    this.client.v3('v3.queryRefund');
    const input = new PayInput('v3.queryRefund');
    input.outRefundNo(outRefundNo);
    input.done();
    const { json } = await this.client.call('v3.queryRefund', 'GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNo)}`);
    return normaliseRefund(json, outRefundNo);
  }

  /** `GET /v3/bill/tradebill`, then the file, whose SHA1 must match. */
  async tradeBill(req: V3TradeBillRequest): Promise<V3BillResult> {
    this.client.v3('v3.tradeBill');
    const r = requestObject<V3TradeBillRequest>('v3.tradeBill', req);
    const input = new PayInput('v3.tradeBill');
    const date = this.billDate(input, r.billDate);
    const type = input.oneOf('billType', r.billType ?? 'ALL', ['ALL', 'SUCCESS', 'REFUND'] as const);
    input.done();
    return this.bill('v3.tradeBill', `/v3/bill/tradebill?bill_date=${date}&bill_type=${type}`);
  }

  /** `GET /v3/bill/fundflowbill`, then the file, whose SHA1 must match. */
  async fundFlowBill(req: V3FundFlowBillRequest): Promise<V3BillResult> {
    this.client.v3('v3.fundFlowBill');
    const r = requestObject<V3FundFlowBillRequest>('v3.fundFlowBill', req);
    const input = new PayInput('v3.fundFlowBill');
    const date = this.billDate(input, r.billDate);
    const type = input.oneOf('accountType', r.accountType ?? 'BASIC', ['BASIC', 'OPERATION', 'FEES'] as const);
    input.done();
    return this.bill('v3.fundFlowBill', `/v3/bill/fundflowbill?bill_date=${date}&account_type=${type}`);
  }

  /**
   * Calls any API v3 endpoint, including the ones this library does not wrap, with the same signing, answer
   * verification (fail-closed: an answer whose signature does not verify is `WeChatUnavailableError`
   * `invalid-response`), retries (network failures, 5xx, `SYSTEM_ERROR`; WeChat's v3 APIs are idempotent by their
   * merchant numbers) and typed errors (an error answer is `WeChatPayError` with v3's `code` as `errCode`).
   * `path` is the path and query as WeChat documents them (`/v3/…`); `body` is sent as JSON; `options.wechatpaySerial` is
   * the `Wechatpay-Serial` of a body with a field encrypted by {@link encryptSensitive} (its `serial`).
   *
   * @example
   * ```ts
   * const { data } = await pay.v3.request('GET', `/v3/refund/domestic/refunds/${outRefundNo}`);
   * ```
   * @throws WeChatPayInputError when API v3 is not configured, the method is not one of v3's or `path` is not a `/v3/` path.
   */
  async request<T extends Record<string, unknown> = Record<string, unknown>>(
    method: PayV3Method,
    path: string,
    body?: Record<string, unknown>,
    options: PayV3CallOptions = {},
  ): Promise<{ status: number; data: T }> {
    const api = `v3.request ${method} ${typeof path === 'string' ? path.split('?')[0].slice(0, 80) : ''}`.trim();
    this.client.v3(api);
    const input = new PayInput(api);
    input.check(typeof method === 'string' && V3_METHODS.has(method), 'method must be GET, POST, PUT, PATCH or DELETE');
    input.check(isV3Path(path), 'path must be a path of the pay API starting with /v3/ (query allowed, no fragment or dot segment)');
    input.check(body === undefined || (body !== null && typeof body === 'object' && !Array.isArray(body)), 'body must be a JSON object');
    input.check(body === undefined || method !== 'GET', 'a GET request has no body');
    const serial = options?.wechatpaySerial;
    input.check(
      serial === undefined || (typeof serial === 'string' && /^[0-9A-Za-z_]{1,64}$/.test(serial)),
      'wechatpaySerial must be 1–64 letters, digits or underscores',
    );
    input.done();
    const { status, json } = await this.client.call(api, method, path, body, serial === undefined ? {} : { wechatpaySerial: serial });
    return { status, data: json as T };
  }

  /**
   * Encrypts a sensitive field (RSA-OAEP) with the WeChat Pay public key, or the newest platform certificate; send
   * `serial` as the request's `Wechatpay-Serial`.
   * @throws WeChatPayInputError when `plaintext` is not a well-formed string or is longer than RSA-OAEP allows with the
   *   key (214 UTF-8 bytes for 2048 bits).
   */
  async encryptSensitive(plaintext: string): Promise<V3EncryptedField> {
    const api = 'v3.encryptSensitive';
    this.client.v3(api);
    const input = new PayInput(api);
    // A lone surrogate would be encrypted as U+FFFD: WeChat would receive another text than the one given.
    input.check(typeof plaintext === 'string' && !LONE_SURROGATE.test(plaintext), 'plaintext must be a string of whole Unicode characters');
    input.done();
    const { serial, key } = await this.client.encryptionKey(api);
    const max = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8 - 42;
    const bytes = Buffer.byteLength(plaintext, 'utf8');
    if (bytes > max) throw new WeChatPayInputError(api, [`plaintext must be at most ${max} UTF-8 bytes with this key (got ${bytes})`]);
    return { ciphertext: encryptPayV3Sensitive(plaintext, key), serial };
  }

  /** The object `wx.requestPayment` takes for a v3 prepay_id: `signType: 'RSA'`, `paySign` with the merchant key. */
  jsapiParams(prepayId: string): V3JsapiPaymentParams {
    const { v3 } = this.client.v3('v3.jsapiParams');
    const input = new PayInput('v3.jsapiParams');
    input.text('prepayId', prepayId, 64);
    input.done();
    const params = {
      timeStamp: String(Math.floor(Date.now() / 1000)),
      nonceStr: createNonceStr(32),
      package: `prepay_id=${prepayId}`,
    };
    const paySign = payV3JsapiPaySign({ appId: this.options.appId, ...params }, v3.merchantPrivateKey);
    return { ...params, signType: 'RSA', paySign };
  }

  // ---------------------------------------------------------------- plumbing

  private time(input: PayInput, value: Date): string | undefined {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return formatRfc3339Beijing(value);
    input.check(false, 'timeExpire must be a Date');
    return undefined;
  }

  private billDate(input: PayInput, value: unknown): string {
    const day = (date: Date) => {
      const s = formatBeijing(date, 8);
      return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`;
    };
    if (value instanceof Date && !Number.isNaN(value.getTime())) return day(value);
    // `new Date` rolls 2026-02-30 over to March: only a date that reads back the same is one.
    const parsed = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? parseRfc3339(`${value}T00:00:00+08:00`) : undefined;
    if (parsed && day(parsed) === value) return value;
    input.check(false, 'billDate must be a Date or a yyyy-MM-dd string');
    return '';
  }

  private async bill(api: string, path: string): Promise<V3BillResult> {
    const { json } = await this.client.call(api, 'GET', path);
    const hashType = str(json.hash_type);
    const hashValue = str(json.hash_value);
    const downloadUrl = str(json.download_url);
    if (hashType !== 'SHA1' || !hashValue || !downloadUrl) {
      throw new WeChatUnavailableError(api, 'invalid-response', 'the bill answer lacks a SHA1 hash_value or download_url');
    }
    const data = await this.client.download(api, downloadUrl);
    const digest = createHash('sha1').update(data).digest('hex');
    if (!safeEqual(digest, hashValue.toLowerCase())) {
      throw new WeChatUnavailableError(api, 'invalid-response', "the downloaded bill's SHA1 does not match hash_value");
    }
    return { hashType, hashValue, downloadUrl, data, text: data.toString('utf8'), raw: json };
  }
}
