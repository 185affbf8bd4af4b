import type { PayOrderStatus } from '../../entities/pay-order.entity';

/** Every v3 result also carries WeChat's answer as parsed JSON. @publicApi */
export interface WithV3Raw {
  raw: Record<string, unknown>;
}

/** `POST /v3/pay/transactions/jsapi` input. Amounts in integer fen. @publicApi */
export interface V3JsapiRequest {
  outTradeNo: string;
  /** `description`, at most 127 characters. */
  description: string;
  total: number;
  openId: string;
  /** Default: `pay.v3.notifyUrl`. */
  notifyUrl?: string;
  attach?: string;
  /** `time_expire`: a Date (sent as RFC 3339 in Beijing time). */
  timeExpire?: Date;
  /** `amount.currency`: domestic merchants can only take `CNY` (the default). */
  currency?: 'CNY';
  /** `settle_info.profit_sharing`: the payment may be split (分账) afterwards; its money stays frozen until then. */
  profitSharing?: boolean;
}

/** @publicApi */
export interface V3JsapiResult extends WithV3Raw {
  prepayId: string;
}

/** The documented v3 `trade_state`s: the `PayOrder` states and `ACCEPT` (accepted, not yet paid). @publicApi */
export type V3TradeState = PayOrderStatus | 'ACCEPT';

/** A v3 transaction (`queryOrder`), normalised like `orderQuery`. @publicApi */
export interface V3TransactionResult extends WithV3Raw {
  /**
   * `trade_state`; `undefined` when WeChat sent none or one that is not documented (the value as sent is
   * `raw.trade_state`). Never guessed: `syncOrder` refuses such an answer and leaves the order as it is.
   */
  tradeState: V3TradeState | undefined;
  tradeStateDesc?: string;
  outTradeNo: string;
  transactionId?: string;
  appId?: string;
  mchId?: string;
  openId?: string;
  tradeType?: string;
  bankType?: string;
  attach?: string;
  /** `amount.total`. */
  totalFee?: number;
  /** `amount.payer_total` (what the payer paid). */
  cashFee?: number;
  currency?: string;
  /** `success_time`. */
  successTime?: Date;
}

/** `POST /v3/refund/domestic/refunds` input: one order key. @publicApi */
export type V3RefundRequest = ({ outTradeNo: string; transactionId?: undefined } | { transactionId: string; outTradeNo?: undefined }) & {
  outRefundNo: string;
  /** Order amount (fen). */
  total: number;
  /** Refund amount (fen). */
  refund: number;
  reason?: string;
  /** Default: `pay.v3.notifyUrl`. */
  notifyUrl?: string;
  /** `amount.currency`: only `CNY` (the default) for refunds of domestic merchants. */
  currency?: 'CNY';
};

/** v3 refund status: `SUCCESS`, `CLOSED`, `PROCESSING`, `ABNORMAL`. @publicApi */
export type V3RefundStatus = 'SUCCESS' | 'CLOSED' | 'PROCESSING' | 'ABNORMAL';

/** A v3 refund (`refund`, `queryRefund`). @publicApi */
export interface V3RefundResult extends WithV3Raw {
  refundId: string;
  outRefundNo: string;
  transactionId?: string;
  outTradeNo?: string;
  status: V3RefundStatus;
  successTime?: Date;
  userReceivedAccount?: string;
  /** `amount.refund`: the refunded amount (fen), named as in v2 (`RefundResult.refundFee`). */
  refundFee?: number;
  /** `amount.total`: the order's amount (fen), named as in v2 (`RefundResult.totalFee`). */
  totalFee?: number;
  /** @deprecated `refundFee`, under its v3 JSON name. */
  refund?: number;
  /** @deprecated `totalFee`, under its v3 JSON name. */
  total?: number;
}

/** `tradeBill` input. @publicApi */
export interface V3TradeBillRequest {
  /** `yyyy-MM-dd`, or a Date (its Beijing date). */
  billDate: string | Date;
  billType?: 'ALL' | 'SUCCESS' | 'REFUND';
}

/** `fundFlowBill` input. @publicApi */
export interface V3FundFlowBillRequest {
  billDate: string | Date;
  accountType?: 'BASIC' | 'OPERATION' | 'FEES';
}

/** A downloaded bill whose SHA1 matched `hash_value`. @publicApi */
export interface V3BillResult extends WithV3Raw {
  hashType: string;
  hashValue: string;
  downloadUrl: string;
  /** The file as downloaded. */
  data: Buffer;
  /** The file as UTF-8 text. */
  text: string;
}

/**
 * Exactly what `wx.requestPayment` takes for a v3 prepay_id (`signType: 'RSA'`); `paySign` covers the mini program's
 * AppID, `timeStamp`, `nonceStr` and `package`. @publicApi
 */
export interface V3JsapiPaymentParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}

/** A sensitive field encrypted for WeChat Pay; send `serial` as `Wechatpay-Serial`. @publicApi */
export interface V3EncryptedField {
  ciphertext: string;
  serial: string;
}
