import { Injectable } from '@nestjs/common';
import type { PaySignType } from '../crypto/pay-sign.crypto';
import { PayOrder } from '../entities/pay-order.entity';
import { PayRefund } from '../entities/pay-refund.entity';
import type { PayTransfer } from '../entities/pay-transfer.entity';
import type { PayProfitShare } from '../entities/pay-profit-share.entity';
import { PayOrdersService } from './orders/pay-orders.service';
import { PayNotifyProcessor } from './pay-notify.processor';
import { WeChatPayV2Api } from './v2/wechat-pay-v2.api';
import type { HeaderBag } from './v3/pay-v3-headers';
import { WeChatPayV3Api } from './v3/wechat-pay-v3.api';
import type {
  BatchQueryCommentRequest,
  BatchQueryCommentResult,
  BillResult,
  CreateJsapiPaymentRequest,
  CreateJsapiPaymentResult,
  DownloadBillRequest,
  DownloadFundFlowRequest,
  JsapiPaymentParams,
  NotifyOutcome,
  OrderKey,
  OrderQueryResult,
  PayApiVersionOption,
  RefundQueryRequest,
  RefundQueryResult,
  RefundRequest,
  RefundResult,
  ReportRequest,
  UnifiedOrderRequest,
  UnifiedOrderResult,
  V3NotifyOutcome,
  WithRaw,
} from './wechat-pay.interfaces';

/**
 * WeChat Pay API v2 for a mini program: every API of the original's list, typed, plus high-level
 * calls that keep `PayOrder` and `PayRefund` in step with WeChat.
 *
 * Every request is signed (`pay.signType`), every successful answer's signature is verified, and
 * failures become `WeChatPayError` (WeChat refused), `WeChatUnavailableError` (no usable answer)
 * or `WeChatPayInputError` (not sent: invalid input). Requests are repeated only when that is
 * safe: WeChat's keys (`out_trade_no`, `out_refund_no`) make every call here idempotent, so
 * network failures, 5xx answers and `SYSTEMERROR` are retried with the same parameters.
 * @publicApi
 */
@Injectable()
export class WeChatPayService {
  constructor(
    /** WeChat Pay API v2, low level (`pay.v2.unifiedOrder(...)`, `.request(path, params)` for any other v2 API). */
    readonly v2: WeChatPayV2Api,
    /** WeChat Pay API v3, low level (`pay.v3.jsapi(...)`, `.queryOrder`, `.refund`, `.request(method, path, body)`…). */
    readonly v3: WeChatPayV3Api,
    private readonly payOrders: PayOrdersService,
    private readonly notifications: PayNotifyProcessor,
  ) {}

  // ---------------------------------------------------------------- the APIs

  /** `pay/unifiedorder` for a JSAPI (mini program) payment. */
  unifiedOrder(req: UnifiedOrderRequest): Promise<UnifiedOrderResult> {
    return this.v2.unifiedOrder(req);
  }

  /** `pay/orderquery` by transaction id (preferred) or out_trade_no. */
  orderQuery(key: OrderKey): Promise<OrderQueryResult> {
    return this.v2.orderQuery(key);
  }

  /** `pay/closeorder`. WeChat answers `ORDERPAID` (a `WeChatPayError`) when the order was paid meanwhile. */
  closeOrder(outTradeNo: string): Promise<WithRaw> {
    return this.v2.closeOrder(outTradeNo);
  }

  /**
   * `secapi/pay/refund` with the client certificate. When the order is a `PayOrder` of this
   * database, a `PayRefund` is recorded (status `PROCESSING`) before WeChat is asked — so a
   * refund notification can never arrive for an unknown refund — and removed again only if
   * WeChat refuses for good. An accepted refund is not yet settled: the refund notification or
   * `refundQuery` tells the outcome. Retrying with the same `outRefundNo` never refunds twice.
   * @throws PayOrderStateError when the recorded order is not paid or the refunds would exceed what was paid.
   */
  refund(req: RefundRequest): Promise<RefundResult> {
    return this.payOrders.refund(req);
  }

  /** `pay/refundquery`; the indexed `_$n` fields become `refunds`. */
  refundQuery(req: RefundQueryRequest): Promise<RefundQueryResult> {
    return this.v2.refundQuery(req);
  }

  /** `pay/downloadbill`: the trade bill of a day, parsed. */
  downloadBill(req: DownloadBillRequest): Promise<BillResult> {
    return this.v2.downloadBill(req);
  }

  /** `pay/downloadfundflow` (client certificate, HMAC-SHA256): the fund flow of a day, parsed. */
  downloadFundFlow(req: DownloadFundFlowRequest): Promise<BillResult> {
    return this.v2.downloadFundFlow(req);
  }

  /** `payitil/report` (transaction-assurance report). */
  report(req: ReportRequest): Promise<WithRaw> {
    return this.v2.report(req);
  }

  /** `billcommentsp/batchquerycomment` (client certificate, HMAC-SHA256): users' comments on orders. */
  batchQueryComment(req: BatchQueryCommentRequest): Promise<BatchQueryCommentResult> {
    return this.v2.batchQueryComment(req);
  }

  /**
   * The object `wx.requestPayment` takes for a prepay_id: `timeStamp` in whole seconds (as a
   * string), a fresh `nonceStr`, `package=prepay_id=…`, and `paySign` over exactly those fields.
   */
  jsapiParams(prepayId: string, signType?: PaySignType): JsapiPaymentParams {
    return this.v2.jsapiParams(prepayId, signType);
  }

  // ---------------------------------------------------------------- high level

  /**
   * Creates (or continues) the `PayOrder` of a business order and returns the
   * `wx.requestPayment` parameters. A stored prepay_id is reused while it is valid; when the
   * amount, description or payer changed, or WeChat no longer accepts the out_trade_no
   * (`OUT_TRADE_NO_USED`, `ORDERCLOSED`), the old one is closed and the same `PayOrder` gets a
   * fresh out_trade_no — the host keeps one business order.
   * @throws PayOrderStateError when the order is already paid.
   */
  createJsapiPayment(req: CreateJsapiPaymentRequest): Promise<CreateJsapiPaymentResult> {
    return this.payOrders.createJsapiPayment(req);
  }

  /**
   * Asks WeChat for the order's state and applies it to the `PayOrder`. A payment learnt this
   * way goes through the same exactly-once transition as a notification (handlers run once,
   * whichever arrives first).
   */
  syncOrder(orderOrOutTradeNo: PayOrder | string | number, options?: PayApiVersionOption): Promise<PayOrder> {
    return this.payOrders.syncOrder(orderOrOutTradeNo, options);
  }

  /**
   * Closes an unpaid `PayOrder` at WeChat (through `pay.apiVersion` or the version asked for) and marks it `CLOSED`; its
   * prepay_id is forgotten, so paying it later goes through a new out_trade_no. Closing an order that is closed already,
   * or that never reached WeChat, just marks it.
   * @throws PayOrderStateError when the order is paid (or was paid meanwhile: then the payment is applied first).
   */
  closePayOrder(orderOrOutTradeNo: PayOrder | string | number, options?: PayApiVersionOption): Promise<PayOrder> {
    return this.payOrders.closePayOrder(orderOrOutTradeNo, options);
  }

  /**
   * Refunds a paid `PayOrder` — all that is left of it by default — through `refund`, which
   * records the `PayRefund`. Calling again with the same `outRefundNo` is safe. Concurrent refunds of one order, from
   * any number of instances, are reserved one at a time: the sum of the accepted ones never exceeds the payment, and
   * the excess is refused here, before WeChat is asked.
   * @throws PayOrderStateError when the order is not paid, nothing is left to refund, or the amount exceeds what is left.
   */
  refundOrder(
    req: { order: PayOrder | string | number; refundFee?: number; outRefundNo?: string; refundDesc?: string } & PayApiVersionOption,
  ): Promise<PayRefund> {
    return this.payOrders.refundOrder(req);
  }

  /**
   * Handles the raw XML of a payment notification (for hosts that mount their own route): safe
   * parse, signature (constant time, `sign_type` honoured), AppID and mch_id, amount, then the
   * exactly-once transition with the `@OnPayOrderPaid()` handlers. Answer WeChat with `xml`.
   */
  handlePayNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayOrder>> {
    return this.notifications.handlePayNotify(rawXml);
  }

  /**
   * Handles a WeChat Pay v3 notification (payment, refund or merchant transfer; for hosts that mount their own route): the headers as
   * received (any case) and the raw body. Answer WeChat with `httpStatus` and, when present, `body` as JSON.
   */
  handleV3Notify(
    headers: HeaderBag,
    rawBody: string | Buffer,
  ): Promise<V3NotifyOutcome<PayOrder | PayRefund | PayTransfer | PayProfitShare>> {
    return this.notifications.handleV3Notify(headers, rawBody);
  }

  /** Handles the raw XML of a refund notification (`req_info` decrypted), exactly once. Answer WeChat with `xml`. */
  handleRefundNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayRefund>> {
    return this.notifications.handleRefundNotify(rawXml);
  }
}
