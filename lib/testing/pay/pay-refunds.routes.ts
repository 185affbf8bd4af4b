import { REFUND_QUERY_PAGE_SIZE } from '../server/simulator.constants';
import { OUT_REFUND_NO, PayBusinessError, TRANSACTION_ID, chars, check, fen, findOrder, httpUrl, optional, required } from './pay-request';
import type { PayContext, PayResult } from './pay-request';
import type { OrderRecord, PayState, RefundRecord } from './pay-state';

/** `/secapi/pay/refund`: opens a refund of a paid order (the same request again answers the same refund). @internal */
export function refund(pay: PayState, ctx: PayContext): PayResult {
  const outRefundNo = required(ctx, 'out_refund_no');
  check(OUT_REFUND_NO.test(outRefundNo), 'out_refund_no');
  const totalFee = fen(ctx, 'total_fee');
  const refundFee = fen(ctx, 'refund_fee');
  optional(ctx, 'refund_fee_type', (v) => v === 'CNY');
  const refundDesc = optional(ctx, 'refund_desc', (v) => chars(v) <= 80);
  optional(ctx, 'refund_account', (v) => v === 'REFUND_SOURCE_UNSETTLED_FUNDS' || v === 'REFUND_SOURCE_RECHARGE_FUNDS');
  const notifyUrl = optional(ctx, 'notify_url', httpUrl);
  const order = findOrder(pay, ctx);
  if (!order) throw new PayBusinessError('ORDERNOTEXIST', '订单不存在');
  const { mchId, appId } = ctx.merchant;

  const previous = pay.refund(mchId, outRefundNo);
  if (previous) {
    if (previous.outTradeNo !== order.outTradeNo) throw new PayBusinessError('INVALID_REQUEST', '商户退款单号已用于其他订单');
    if (previous.totalFee !== totalFee || previous.refundFee !== refundFee) {
      throw new PayBusinessError('INVALID_REQUEST', '订单金额或退款金额与之前请求不一致');
    }
    return refundAnswer(order, previous);
  }
  if (order.tradeState !== 'SUCCESS' && order.tradeState !== 'REFUND') throw new PayBusinessError('TRADE_STATE_ERROR', '订单状态错误');
  if (totalFee !== order.totalFee) throw new PayBusinessError('INVALID_REQUEST', '订单金额或退款金额与之前请求不一致');
  if (refundFee > pay.refundableFee(order)) throw new PayBusinessError('INVALID_REQUEST', '累计退款金额大于支付金额');
  const record = pay.openRefund(order, { appId, mchId, outRefundNo, totalFee, refundFee, refundDesc, notifyUrl });
  return refundAnswer(order, record);
}

function refundAnswer(order: OrderRecord, refund: RefundRecord): PayResult {
  return {
    fields: {
      transaction_id: refund.transactionId,
      out_trade_no: refund.outTradeNo,
      out_refund_no: refund.outRefundNo,
      refund_id: refund.refundId,
      refund_fee: String(refund.refundFee),
      settlement_refund_fee: String(refund.refundFee),
      total_fee: String(order.totalFee),
      settlement_total_fee: String(order.totalFee),
      fee_type: 'CNY',
      cash_fee: String(order.totalFee),
      cash_fee_type: 'CNY',
      cash_refund_fee: String(refund.refundFee),
      coupon_refund_fee: '0',
      coupon_refund_count: '0',
    },
  };
}

/** `/pay/refundquery`: one refund, or the refunds of an order ten at a time. @internal */
export function refundQuery(pay: PayState, ctx: PayContext): PayResult {
  const { mchId } = ctx.merchant;
  const refundId = optional(ctx, 'refund_id', (v) => TRANSACTION_ID.test(v));
  const outRefundNo = optional(ctx, 'out_refund_no', (v) => OUT_REFUND_NO.test(v));
  const offsetText = optional(ctx, 'offset', (v) => /^(0|[1-9][0-9]{0,5})$/.test(v));
  const offset = offsetText === undefined ? 0 : Number(offsetText);
  let order: OrderRecord | undefined;
  let listed: RefundRecord[];
  if (refundId !== undefined || outRefundNo !== undefined) {
    const one = refundId !== undefined ? pay.refundById(mchId, refundId) : pay.refund(mchId, outRefundNo as string);
    order = one && pay.order(mchId, one.outTradeNo);
    listed = one ? [one] : [];
  } else {
    order = findOrder(pay, ctx);
    listed = order ? pay.refundsOfOrder(order).slice(offset, offset + REFUND_QUERY_PAGE_SIZE) : [];
  }
  if (!order || listed.length === 0) throw new PayBusinessError('REFUNDNOTEXIST', '退款订单查询失败');
  const found = order;
  const all = pay.refundsOfOrder(found);
  const fields: Record<string, string | undefined> = {
    transaction_id: found.transactionId,
    out_trade_no: found.outTradeNo,
    total_fee: String(found.totalFee),
    settlement_total_fee: String(found.totalFee),
    fee_type: 'CNY',
    cash_fee: String(found.totalFee),
    refund_fee: String(listed.reduce((sum, r) => sum + r.refundFee, 0)),
    total_refund_count: String(all.length),
    refund_count: String(listed.length),
  };
  listed.forEach((r, n) => {
    fields[`out_refund_no_${n}`] = r.outRefundNo;
    fields[`refund_id_${n}`] = r.refundId;
    fields[`refund_channel_${n}`] = 'ORIGINAL';
    fields[`refund_fee_${n}`] = String(r.refundFee);
    fields[`settlement_refund_fee_${n}`] = String(r.refundFee);
    fields[`refund_status_${n}`] = r.status;
    fields[`refund_account_${n}`] = 'REFUND_SOURCE_RECHARGE_FUNDS';
    fields[`refund_recv_accout_${n}`] = '支付用户的零钱';
    if (r.successTime !== undefined) fields[`refund_success_time_${n}`] = r.successTime;
  });
  return { fields };
}
