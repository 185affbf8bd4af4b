import type { EntityManager } from 'typeorm';
import type { PaySignType } from '../crypto/pay-sign.crypto';
import type { PayOrder, PayOrderStatus } from '../entities/pay-order.entity';
import type { PayRefund, PayRefundStatus } from '../entities/pay-refund.entity';

import type { WeChatPayApiVersion } from '../interfaces/wechat-pay-options.interface';
import type { V3JsapiPaymentParams } from './v3/wechat-pay-v3.interfaces';

/**
 * WeChat's data as it came: for API v2 the XML fields (all strings); for API v3 the JSON object (nested objects for
 * `amount`, `payer`…). Typed loosely so that host code written for v2 keeps compiling.
 * @publicApi
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PayRawData = Record<string, any>;

/** Per-call choice of the API for the high-level calls. Default: `pay.apiVersion`. @publicApi */
export interface PayApiVersionOption {
  apiVersion?: WeChatPayApiVersion;
}

/** Every typed result also carries WeChat's answer as it came, field by field. @publicApi */
export interface WithRaw {
  raw: Record<string, string>;
}

/** A time for WeChat: a `Date`, or a `yyyyMMddHHmmss` string in Beijing time. @publicApi */
export type WeChatTime = Date | string;

/** `unifiedOrder` input (JSAPI). Amounts in integer fen. @publicApi */
export interface UnifiedOrderRequest {
  outTradeNo: string;
  /** Goods description, at most 127 characters. */
  body: string;
  totalFee: number;
  /** The payer's openid under this AppID (never the unionid). */
  openId: string;
  /** The payer's IP. Default: `127.0.0.1`. */
  spbillCreateIp?: string;
  /** Default: `pay.notifyUrl`. */
  notifyUrl?: string;
  attach?: string;
  /** JSON goods detail (sent in CDATA). */
  detail?: string;
  timeStart?: WeChatTime;
  timeExpire?: WeChatTime;
  goodsTag?: string;
  /** `no_credit` to refuse credit cards. */
  limitPay?: string;
  feeType?: string;
  deviceInfo?: string;
  /** Request profit sharing (`profit_sharing=Y`). */
  profitSharing?: boolean;
  signType?: PaySignType;
}

/** @publicApi */
export interface UnifiedOrderResult extends WithRaw {
  prepayId: string;
  tradeType: string;
}

/** Identify an order by WeChat's `transactionId` (preferred) or the merchant's `outTradeNo`. @publicApi */
export type OrderKey = { transactionId: string; outTradeNo?: undefined } | { outTradeNo: string; transactionId?: undefined };

/** `orderQuery` result. `tradeState` is WeChat's, including `ACCEPT` (accepted, not yet paid). @publicApi */
export interface OrderQueryResult extends WithRaw {
  tradeState: PayOrderStatus | 'ACCEPT';
  tradeStateDesc?: string;
  outTradeNo: string;
  transactionId?: string;
  openId?: string;
  tradeType?: string;
  bankType?: string;
  totalFee?: number;
  cashFee?: number;
  attach?: string;
  /** When it was paid (`time_end`). */
  timeEnd?: Date;
}

/** `refund` input: exactly one order key, amounts in fen. Retries must reuse `outRefundNo`. @publicApi */
export type RefundRequest = OrderKey & {
  outRefundNo: string;
  totalFee: number;
  refundFee: number;
  refundDesc?: string;
  /** Default: `pay.refundNotifyUrl`. */
  notifyUrl?: string;
  /** `REFUND_SOURCE_RECHARGE_FUNDS` to refund from the recharge balance. */
  refundAccount?: string;
  signType?: PaySignType;
};

/** The refund was accepted (not yet settled: see `refundQuery` or the refund notification). @publicApi */
export interface RefundResult extends WithRaw {
  refundId: string;
  outRefundNo: string;
  transactionId: string;
  outTradeNo: string;
  refundFee: number;
  totalFee: number;
  cashFee?: number;
  /** The recorded `PayRefund`, when the order is a `PayOrder` of this database. */
  record?: PayRefund;
}

/** `refundQuery` input: one of the four keys (WeChat uses the first present in this order). @publicApi */
export type RefundQueryRequest = ({ refundId: string } | { outRefundNo: string } | { transactionId: string } | { outTradeNo: string }) & {
  offset?: number;
};

/** One refund of a `refundQuery` answer (the `_$n` fields). @publicApi */
export interface RefundQueryItem {
  outRefundNo: string;
  refundId: string;
  refundChannel?: string;
  refundFee: number;
  settlementRefundFee?: number;
  refundStatus: PayRefundStatus;
  refundAccount?: string;
  /** Where the money went (`refund_recv_accout`, WeChat's spelling). */
  refundRecvAccout?: string;
  refundSuccessTime?: Date;
}

/** @publicApi */
export interface RefundQueryResult extends WithRaw {
  transactionId: string;
  outTradeNo: string;
  totalFee: number;
  cashFee?: number;
  totalRefundCount?: number;
  refundCount: number;
  refunds: RefundQueryItem[];
}

/** @publicApi */
export type BillType = 'ALL' | 'SUCCESS' | 'REFUND' | 'RECHARGE_REFUND';

/** `downloadBill` input. `billDate` is a `yyyyMMdd` string or a Date (its Beijing date). @publicApi */
export interface DownloadBillRequest {
  billDate: string | Date;
  billType?: BillType;
  /** Ask for a gzip stream (decompressed for you). */
  gzip?: boolean;
}

/** `downloadFundFlow` input. @publicApi */
export interface DownloadFundFlowRequest {
  billDate: string | Date;
  accountType: 'Basic' | 'Operation' | 'Fees';
  gzip?: boolean;
}

/** A CSV bill: rows keyed by the header's column names (backtick prefixes removed) and the summary. @publicApi */
export interface BillResult {
  header: string[];
  rows: Record<string, string>[];
  summaryHeader: string[];
  summary: Record<string, string>;
  /** The CSV text as WeChat sent it. */
  text: string;
}

/** `report` (transaction-assurance report) input. @publicApi */
export interface ReportRequest {
  interfaceUrl: string;
  /** How long the call took, in ms (`execute_time_`). */
  executeTimeMs: number;
  returnCode: 'SUCCESS' | 'FAIL';
  resultCode: 'SUCCESS' | 'FAIL';
  userIp: string;
  returnMsg?: string;
  errCode?: string;
  errCodeDes?: string;
  outTradeNo?: string;
  deviceInfo?: string;
  time?: WeChatTime;
}

/** `batchQueryComment` input. @publicApi */
export interface BatchQueryCommentRequest {
  beginTime: WeChatTime;
  endTime: WeChatTime;
  /** Where to continue: the `offset` of the previous answer. Default: 0. */
  offset?: number | string;
  /** At most 200. Default: 200. */
  limit?: number;
}

/** @publicApi */
export interface PayComment {
  time: string;
  transactionId: string;
  score: number;
  comment: string;
}

/** @publicApi */
export interface BatchQueryCommentResult {
  /** Pass it as `offset` to read on. */
  offset: string;
  comments: PayComment[];
}

/** Exactly the object `wx.requestPayment` takes. @publicApi */
export interface JsapiPaymentParams {
  appId: string;
  /** Integer seconds, as a string. */
  timeStamp: string;
  nonceStr: string;
  /** `prepay_id=…` */
  package: string;
  signType: PaySignType;
  paySign: string;
}

/** What `wx.requestPayment` takes, whichever API issued the prepay_id (`signType` tells them apart). @publicApi */
export type WxRequestPaymentParams = JsapiPaymentParams | V3JsapiPaymentParams;

/** `createJsapiPayment` input. @publicApi */
export interface CreateJsapiPaymentRequest extends PayApiVersionOption {
  /** An existing `PayOrder` (or its id) to pay again; without it a new one is created. */
  order?: PayOrder | number;
  /**
   * For a new order. Default: generated. Derive it from your business order (e.g. `pickup${id}`)
   * so that concurrent calls for one business order (a double tap) share one `PayOrder`.
   */
  outTradeNo?: string;
  body: string;
  totalFee: number;
  openId: string;
  attach?: string;
  spbillCreateIp?: string;
  timeExpire?: WeChatTime;
  /** `settle_info.profit_sharing` (v3; v2: `profit_sharing=Y`): the payment can then be split (分账). */
  profitSharing?: boolean;
}

/** @publicApi */
export interface CreateJsapiPaymentResult {
  order: PayOrder;
  /** v2: `signType` MD5/HMAC-SHA256 with `appId`; v3: `signType: 'RSA'`. Pass it to `wx.requestPayment` as it is. */
  params: WxRequestPaymentParams;
  /** Whether a stored, still valid prepay_id was used without asking WeChat. */
  reusedPrepayId: boolean;
}

/** A verified payment notification, as given to `@OnPayOrderPaid()` handlers. @publicApi */
export interface PayNotification {
  outTradeNo: string;
  transactionId: string;
  totalFee: number;
  cashFee?: number;
  openId?: string;
  bankType?: string;
  timeEnd?: Date;
  attach?: string;
  /** v2: the notification's (or query's) XML fields; v3: the decrypted transaction (or the queried one). */
  raw: PayRawData;
}

/** Passed to `@OnPayOrderPaid()` handlers, inside the transaction that marks the order paid. @publicApi */
export interface PayOrderPaidEvent {
  order: PayOrder;
  /** The notification, or the order query when the payment was learnt by `syncOrder`. */
  notification: PayNotification;
  source: 'notify' | 'query';
  /** The transaction's manager: write through it so your changes commit or roll back with the payment. */
  manager: EntityManager;
  /**
   * Runs `work` once the payment's transaction has committed (never if it rolls back): where to send a subscribe
   * message or call anything slow, without holding the transaction or the answer to WeChat. Failures are logged.
   */
  afterCommit(work: () => unknown): void;
}

/** Passed to `@OnPayRefundSettled()` handlers, inside the transaction that settles the refund. @publicApi */
export interface PayRefundSettledEvent {
  refund: PayRefund;
  order: PayOrder;
  source: 'notify' | 'query';
  /** v2: the decrypted `req_info` fields; v3: the decrypted refund object (or the refund answer). */
  raw: PayRawData;
  manager: EntityManager;
}

/** What a notification did, plus the XML to answer WeChat with. @publicApi */
export interface NotifyOutcome<T> {
  /** `processed`: state changed (handlers ran); `duplicate`: already done, nothing changed; `rejected`: refused, nothing changed. */
  status: 'processed' | 'duplicate' | 'rejected';
  /** Why it was rejected. */
  reason?: string;
  result?: T;
  /** `SUCCESS` or `FAIL` XML for WeChat. */
  xml: string;
}

/** What a v3 notification did, and how to answer WeChat: `httpStatus` with `body` (JSON) when there is one. @publicApi */
export interface V3NotifyOutcome<T> {
  status: 'processed' | 'duplicate' | 'rejected' | 'failed';
  reason?: string;
  result?: T;
  /** 204 done (or done before); 401 signature or timestamp refused; 400 undecryptable or invalid; 500 try again. */
  httpStatus: 204 | 400 | 401 | 500;
  body?: { code: 'FAIL'; message: string };
}
