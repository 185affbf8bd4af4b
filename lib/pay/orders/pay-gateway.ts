import type { PayOrder } from '../../entities/pay-order.entity';
import type { PayRefundStatus } from '../../entities/pay-refund.entity';
import type { WeChatPayApiVersion } from '../../interfaces';
import type { V3JsapiPaymentParams } from '../v3/wechat-pay-v3.interfaces';
import type { CreateJsapiPaymentRequest, JsapiPaymentParams, OrderKey, PayRawData, RefundRequest } from '../wechat-pay.interfaces';

/** A transaction as either version's order query tells it, named alike. @internal */
export interface GatewayTransaction {
  /** The state as WeChat sent it (`raw.trade_state`), unchecked. */
  sentTradeState: unknown;
  /** The state as the version's API read it (v2 reads a missing one as NOTPAY, v3 leaves an undocumented one out). */
  tradeState: string | undefined;
  transactionId?: string;
  totalFee?: number;
  cashFee?: number;
  openId?: string;
  bankType?: string;
  attach?: string;
  timeEnd?: Date;
  raw: PayRawData;
}

/** A version's order query result as a `GatewayTransaction` (the two name their fields alike but for the end time). @internal */
export function gatewayTransaction(
  q: Omit<GatewayTransaction, 'sentTradeState' | 'timeEnd' | 'tradeState'> & { tradeState?: string },
  timeEnd: Date | undefined,
): GatewayTransaction {
  const { transactionId, totalFee, cashFee, openId, bankType, attach, raw } = q;
  return {
    sentTradeState: raw.trade_state,
    tradeState: q.tradeState,
    transactionId,
    totalFee,
    cashFee,
    openId,
    bankType,
    attach,
    timeEnd,
    raw,
  };
}

/** What a refund request gave: WeChat's refund id, its final state when the answer already tells it, the API's result. @internal */
export interface GatewayRefund<R = unknown> {
  refundId: string;
  settled?: { status: PayRefundStatus; raw: PayRawData; successAt?: Date; recvAccount?: string };
  result: R;
}

/**
 * What the version-neutral order operations (`PayOrdersService`) need of one WeChat Pay API version. One adapter per
 * version (`V2PayGateway`, `V3PayGateway`): the only place where the two versions differ for a `PayOrder`.
 * @internal
 */
export interface PayGateway {
  readonly version: WeChatPayApiVersion;
  /** Asks WeChat for a prepay_id for the order's current out_trade_no and terms. */
  prepay(order: PayOrder, req: CreateJsapiPaymentRequest): Promise<string>;
  /** The `wx.requestPayment` parameters of a prepay_id this version issued. */
  paymentParams(prepayId: string): JsapiPaymentParams | V3JsapiPaymentParams;
  /** The order's transaction at WeChat, checked against `order` where the version's answer allows. */
  query(api: string, order: PayOrder, key: OrderKey): Promise<GatewayTransaction>;
  /** Closes an out_trade_no at WeChat. */
  close(outTradeNo: string): Promise<void>;
  /** Checks a refund request before a `PayRefund` is recorded. @throws WeChatPayInputError */
  checkRefund(req: RefundRequest): void;
  /** Sends a checked refund request. */
  refund(req: RefundRequest): Promise<GatewayRefund>;
  /** Whether `error` (of `refund`) means WeChat refused the refund for good, so it never existed there. */
  refusedForGood(error: unknown): boolean;
}
