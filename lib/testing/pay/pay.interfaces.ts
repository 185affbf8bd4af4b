import type { SimTransferNotifyVariant } from '../transfers/transfer.interfaces';
import type { SimV3NotifyVariant, SimulatorMerchantV3 } from '../pay-v3/pay-v3.interfaces';

/**
 * A WeChat Pay (API v2) merchant known to the simulator.
 * @publicApi
 */
export interface SimulatorMerchant {
  /** The mini program the merchant is bound to; it must be one of the simulator's apps. */
  appId: string;
  /** The merchant id (`mch_id`). */
  mchId: string;
  /** The API v2 key that signs requests, answers and notifications. */
  apiKey: string;
  /** The merchant's WeChat Pay API v3 credentials; without them the merchant's v3 requests get 401 `SIGN_ERROR`. */
  v3?: SimulatorMerchantV3;
}

/**
 * The development TLS material of the simulated WeChat Pay API (see `SIMULATOR_DEV_CERTIFICATES`). All PEM.
 * @publicApi
 */
export interface SimulatorDevCertificates {
  /** The development CA that signed the server and client certificates. */
  ca: string;
  serverCert: string;
  serverKey: string;
  /** The client certificate of the development merchant, subject CN `1900000109`. */
  clientCert: string;
  clientKey: string;
  /** PKCS#12 of the client certificate and key, passphrase `1900000109`, modern encryption (AES-256), base64. */
  clientPfxBase64: string;
  /** The same PKCS#12 in legacy encryption (RC2-40/3DES) like old `apiclient_cert.p12` files, base64. */
  legacyClientPfxBase64: string;
}

/**
 * The two signature types of WeChat Pay API v2.
 * @publicApi
 */
export type SimPaySignType = 'MD5' | 'HMAC-SHA256';

/**
 * The `trade_state` of a simulated order. `USERPAYING` is never produced (it belongs to code payments).
 * @publicApi
 */
export type SimTradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'USERPAYING' | 'PAYERROR';

/**
 * The status of a simulated refund.
 * @publicApi
 */
export type SimRefundStatus = 'PROCESSING' | 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE';

/**
 * A simulated WeChat Pay order (a copy of the simulator's state).
 * @publicApi
 */
export interface SimOrder {
  appId: string;
  mchId: string;
  outTradeNo: string;
  body: string;
  /** In fen. */
  totalFee: number;
  tradeType: string;
  openId?: string;
  notifyUrl: string;
  attach?: string;
  deviceInfo?: string;
  spbillCreateIp: string;
  /** `time_start`/`time_expire` as sent (yyyyMMddHHmmss, Beijing time). */
  timeStart?: string;
  timeExpire?: string;
  /** The sign type of the `unifiedorder` request, which the payment notification uses too. */
  signType: SimPaySignType;
  prepayId: string;
  /** Epoch ms after which the `prepay_id` can no longer be paid (2 hours, times the time scale). */
  prepayExpiresAt: number;
  createdAt: number;
  tradeState: SimTradeState;
  transactionId?: string;
  bankType?: string;
  /** yyyyMMddHHmmss, Beijing time. */
  timeEnd?: string;
  paidAt?: number;
  /** The `out_refund_no` of each refund, oldest first. */
  refunds: string[];
  /** `v3` when created through `POST /v3/pay/transactions/jsapi` (its notifications are then v3); absent for API v2. */
  apiVersion?: 'v3';
  /** Whether it was ordered through API v3 with `settle_info.profit_sharing`: it can then be split (分账). */
  profitSharing?: boolean;
}

/**
 * A simulated refund (a copy of the simulator's state).
 * @publicApi
 */
export interface SimRefund {
  appId: string;
  mchId: string;
  outTradeNo: string;
  transactionId: string;
  outRefundNo: string;
  refundId: string;
  /** In fen. */
  totalFee: number;
  refundFee: number;
  refundDesc?: string;
  notifyUrl?: string;
  status: SimRefundStatus;
  createdAt: number;
  settledAt?: number;
  /** `yyyy-MM-dd HH:mm:ss`, Beijing time, once SUCCESS. */
  successTime?: string;
  /** `v3` when requested through `POST /v3/refund/domestic/refunds` (its notification is then v3); absent for API v2. */
  apiVersion?: 'v3';
}

/**
 * Input of {@link WeChatSimulator.pay}, the user confirming `wx.requestPayment`.
 * @publicApi
 */
export interface SimPayInput {
  prepayId: string;
  /**
   * `FAIL` marks the order PAYERROR and notifies `result_code FAIL`; `SUCCESS` by default. API v3 orders: `FAIL` sends
   * nothing (WeChat's v3 only notifies successful payments); the answer's notification then has no attempts and is not
   * listed.
   */
  result?: 'SUCCESS' | 'FAIL';
  /** The `bank_type`, `OTHERS` by default. */
  bankType?: string;
}

/**
 * One attempt to deliver a notification. It is listed when it starts: `status` 0 without `error` means the answer is
 * still awaited.
 * @publicApi
 */
export interface SimNotificationAttempt {
  /** When the attempt started, epoch ms. */
  at: number;
  /** The HTTP status of the app's answer; 0 when there was none. */
  status: number;
  /** The first 1000 characters of the answer. */
  body: string;
  /** Why there was no usable answer: refused URL, connection error, timeout, cancelled. */
  error?: string;
}

/**
 * The variants of a payment notification `POST /__sim/notify` can send; `duplicate` is the genuine one again.
 * @publicApi
 */
export type SimNotifyVariant =
  'duplicate' | 'forged-sign' | 'wrong-key' | 'wrong-amount' | 'wrong-appid' | 'wrong-mchid' | 'fail-return-code' | 'unsigned';

/**
 * The variants of a refund notification `POST /__sim/refundNotify` can send; `duplicate` is the genuine one again.
 * @publicApi
 */
export type SimRefundNotifyVariant = 'duplicate' | 'garbage-req-info' | 'wrong-key' | 'wrong-appid';

/**
 * A notification the simulator delivered (or is still delivering) to an app.
 * @publicApi
 */
export interface SimNotification {
  id: string;
  /** `transfer` for a merchant transfer's MCHTRANSFER.BILL.FINISHED, `profit-sharing` for a 分账动账通知 (API v3). */
  kind: 'pay' | 'refund' | 'transfer' | 'profit-sharing';
  mchId: string;
  /** The order's `out_trade_no`; for a transfer, its `out_bill_no` (also in `outBillNo`). */
  outTradeNo: string;
  outRefundNo?: string;
  /** A transfer's `out_bill_no`. */
  outBillNo?: string;
  /** A split's `out_order_no` (分账). */
  outOrderNo?: string;
  url: string;
  /** `genuine` for the notification WeChat would send (retried on its schedule), else the variant asked for. */
  variant: 'genuine' | SimNotifyVariant | SimRefundNotifyVariant | SimV3NotifyVariant | SimTransferNotifyVariant;
  /** `v3` for a WeChat Pay API v3 notification (JSON, signed headers, acknowledged by any 2xx); absent for API v2. */
  apiVersion?: 'v3';
  attempts: SimNotificationAttempt[];
  /** Whether the app answered HTTP 2xx with XML `return_code SUCCESS` (API v3: any HTTP 2xx). */
  acknowledged: boolean;
  /** Whether no further attempt will be made (acknowledged, gave up, refused, not retried, or cancelled). */
  done: boolean;
  /** Whether the URL was refused without connecting because it is not a loopback address. */
  refused: boolean;
  /** Whether the simulator lost it on purpose (`POST /__sim/loseNotifications`): never sent, never retried. */
  lost?: boolean;
}

/**
 * Input of {@link WeChatSimulator.loseNotifications}: the next `count` genuine notifications (of `kind`, or of any
 * kind) are lost, as if WeChat gave up on them: the state changes at WeChat, the app hears nothing.
 * @publicApi
 */
export interface SimLoseNotificationsInput {
  kind?: 'pay' | 'refund' | 'transfer';
  /** How many, 1 by default (1–1000). */
  count?: number;
}

/**
 * Input of {@link WeChatSimulator.notify}: variants of an order's payment notification, sent once each. For an order
 * that was never paid, every variant but `duplicate` is built from the notification it would get if paid now (a
 * fresh transaction id, not stored); the order does not change.
 * @publicApi
 */
export interface SimNotifyInput {
  outTradeNo?: string;
  transactionId?: string;
  /** The merchant; the first configured when absent. */
  mchId?: string;
  /** A {@link SimNotifyVariant} for API v2 orders, a {@link SimV3NotifyVariant} for orders created through API v3. */
  kind: SimNotifyVariant | SimV3NotifyVariant;
  /** How many copies to send concurrently, 1 by default (at most 100). */
  copies?: number;
}

/**
 * Input of {@link WeChatSimulator.refundNotify}: variants of a settled refund's notification, sent once each.
 * @publicApi
 */
export interface SimRefundNotifyInput {
  outRefundNo: string;
  mchId?: string;
  /** A {@link SimRefundNotifyVariant} for API v2 refunds, a {@link SimV3NotifyVariant} for refunds requested through API v3. */
  kind: SimRefundNotifyVariant | SimV3NotifyVariant;
  copies?: number;
}

/**
 * Input of {@link WeChatSimulator.settleRefund}: settle a PROCESSING refund now.
 * @publicApi
 */
export interface SimSettleRefundInput {
  outRefundNo: string;
  mchId?: string;
  /** `SUCCESS` by default; the API v3 names `CLOSED` (= `REFUNDCLOSE`) and `ABNORMAL` (= `CHANGE`) are accepted too. */
  status?: 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE' | 'CLOSED' | 'ABNORMAL';
}

/**
 * What {@link WeChatSimulator.pay} answers: the order paid and the report of the first notification attempt.
 * @publicApi
 */
export interface SimPayResult {
  outTradeNo: string;
  transactionId: string;
  notification: SimNotification;
}

/**
 * A `/payitil/report` call the simulator recorded.
 * @publicApi
 */
export interface SimPayReport {
  appId: string;
  mchId: string;
  at: number;
  /** Every field of the request except `sign`. */
  fields: Record<string, string>;
}
