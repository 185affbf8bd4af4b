import { randomBytes } from 'node:crypto';
import { beijingDateTime } from '../pay/pay-format';
import type { OrderRecord, RefundRecord } from '../pay/pay-state';
import type { SimTradeState } from '../pay/pay.interfaces';

/** `trade_state_desc` of API v3. @internal */
export const V3_TRADE_STATE_DESC: Record<SimTradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  USERPAYING: '用户支付中',
  PAYERROR: '支付失败',
};

/** The v3 names of the refund states. @internal */
export const V3_REFUND_STATUS: Record<string, string> = {
  PROCESSING: 'PROCESSING',
  SUCCESS: 'SUCCESS',
  REFUNDCLOSE: 'CLOSED',
  CHANGE: 'ABNORMAL',
};

const USER_RECEIVED_ACCOUNT = '支付用户零钱';

/** RFC 3339 in Beijing time, e.g. `2026-11-24T16:00:05+08:00`. @internal */
export function rfc3339(ms: number): string {
  return `${beijingDateTime(ms).replace(' ', 'T')}+08:00`;
}

/** A `Request-ID` shaped like WeChat's (uppercase hex). @internal */
export function newRequestId(): string {
  return randomBytes(20).toString('hex').toUpperCase();
}

/**
 * The v3 transaction JSON of an order: the answer of the order queries and the resource of payment notifications,
 * whichever API version created the order.
 * @internal
 */
export function v3Transaction(order: OrderRecord): Record<string, unknown> {
  const paid = order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND';
  const failed = order.tradeState === 'PAYERROR';
  return {
    appid: order.appId,
    mchid: order.mchId,
    out_trade_no: order.outTradeNo,
    ...(order.transactionId !== undefined && (paid || failed) ? { transaction_id: order.transactionId } : {}),
    trade_type: order.tradeType,
    trade_state: order.tradeState,
    trade_state_desc: V3_TRADE_STATE_DESC[order.tradeState],
    ...(paid || failed ? { bank_type: order.bankType ?? 'OTHERS' } : {}),
    ...(order.attach !== undefined ? { attach: order.attach } : {}),
    ...(paid && order.paidAt !== undefined ? { success_time: rfc3339(order.paidAt) } : {}),
    payer: order.openId !== undefined ? { openid: order.openId } : {},
    amount: paid
      ? { total: order.totalFee, payer_total: order.totalFee, currency: 'CNY', payer_currency: 'CNY' }
      : { total: order.totalFee, currency: 'CNY', payer_currency: 'CNY' },
  };
}

/** The v3 refund JSON (answers of the refund APIs). @internal */
export function v3Refund(refund: RefundRecord): Record<string, unknown> {
  return {
    refund_id: refund.refundId,
    out_refund_no: refund.outRefundNo,
    transaction_id: refund.transactionId,
    out_trade_no: refund.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: USER_RECEIVED_ACCOUNT,
    ...(refund.status === 'SUCCESS' && refund.settledAt !== undefined ? { success_time: rfc3339(refund.settledAt) } : {}),
    create_time: rfc3339(refund.createdAt),
    status: V3_REFUND_STATUS[refund.status],
    funds_account: 'AVAILABLE',
    amount: {
      total: refund.totalFee,
      refund: refund.refundFee,
      from: [],
      payer_total: refund.totalFee,
      payer_refund: refund.refundFee,
      settlement_refund: refund.refundFee,
      settlement_total: refund.totalFee,
      discount_refund: 0,
      currency: 'CNY',
      refund_fee: 0,
    },
    promotion_detail: [],
  };
}

/** The resource of a refund notification, which is shorter than the refund JSON of the APIs. @internal */
export function v3RefundResource(refund: RefundRecord): Record<string, unknown> {
  return {
    mchid: refund.mchId,
    out_trade_no: refund.outTradeNo,
    transaction_id: refund.transactionId,
    out_refund_no: refund.outRefundNo,
    refund_id: refund.refundId,
    refund_status: V3_REFUND_STATUS[refund.status],
    ...(refund.status === 'SUCCESS' && refund.settledAt !== undefined ? { success_time: rfc3339(refund.settledAt) } : {}),
    user_received_account: USER_RECEIVED_ACCOUNT,
    amount: { total: refund.totalFee, refund: refund.refundFee, payer_total: refund.totalFee, payer_refund: refund.refundFee },
  };
}
