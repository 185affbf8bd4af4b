import { chars, OUT_REFUND_NO, OUT_TRADE_NO, TRANSACTION_ID } from '../pay/pay-request';
import { v3Refund } from './pay-v3-format';
import { currency, fen, jsonBody, notifyUrl, obj, optStr, paramError, str } from './pay-v3-input';
import { PayV3Error, SEGMENT } from './pay-v3-request';
import type { V3Context, V3Result, V3Route } from './pay-v3-request';

function refund(ctx: V3Context): V3Result {
  const pay = ctx.v3.pay;
  const { mchId, appId } = ctx.merchant.merchant;
  const body = jsonBody(ctx);
  const transactionId = optStr(body, 'transaction_id', '/body', (v) => TRANSACTION_ID.test(v));
  const outTradeNo = optStr(body, 'out_trade_no', '/body', (v) => OUT_TRADE_NO.test(v));
  if (transactionId === undefined && outTradeNo === undefined) {
    throw new PayV3Error(400, 'PARAM_ERROR', 'transaction_id和out_trade_no必须二选一进行传参');
  }
  const outRefundNo = str(body, 'out_refund_no', '/body', (v) => OUT_REFUND_NO.test(v));
  const reason = optStr(body, 'reason', '/body', (v) => chars(v) <= 80);
  const notify = optStr(body, 'notify_url', '/body', notifyUrl);
  optStr(body, 'funds_account', '/body', (v) => v === 'AVAILABLE' || v === 'UNSETTLED');
  const amount = obj(body, 'amount', '/body');
  const refundFee = fen(amount, 'refund', '/body/amount');
  const totalFee = fen(amount, 'total', '/body/amount');
  currency(amount, '/body/amount', true);

  const order = transactionId !== undefined ? pay.orderByTransaction(mchId, transactionId) : pay.order(mchId, outTradeNo as string);
  if (!order) throw new PayV3Error(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  const previous = pay.refund(mchId, outRefundNo);
  if (previous) {
    if (previous.outTradeNo !== order.outTradeNo) throw new PayV3Error(400, 'INVALID_REQUEST', '商户退款单号已用于其他订单');
    if (previous.totalFee !== totalFee || previous.refundFee !== refundFee) {
      throw new PayV3Error(400, 'INVALID_REQUEST', '订单金额或退款金额与之前请求不一致，请核实后再试');
    }
    return { status: 200, json: v3Refund(previous) };
  }
  if (order.tradeState !== 'SUCCESS' && order.tradeState !== 'REFUND')
    throw new PayV3Error(400, 'INVALID_REQUEST', '订单状态错误，未支付的订单不能退款');
  if (totalFee !== order.totalFee) throw new PayV3Error(400, 'PARAM_ERROR', '订单金额与原订单金额不一致');
  if (refundFee > pay.refundableFee(order)) throw new PayV3Error(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
  const record = pay.openRefund(order, {
    appId,
    mchId,
    outRefundNo,
    totalFee,
    refundFee,
    refundDesc: reason,
    notifyUrl: notify,
    apiVersion: 'v3',
  });
  return { status: 200, json: v3Refund(record) };
}

function refundQuery(ctx: V3Context): V3Result {
  const [outRefundNo] = ctx.params;
  if (!OUT_REFUND_NO.test(outRefundNo)) throw paramError('/path/out_refund_no', '格式校验失败');
  const found = ctx.v3.pay.refund(ctx.merchant.merchant.mchId, outRefundNo);
  if (!found) throw new PayV3Error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
  return { status: 200, json: v3Refund(found) };
}

/**
 * The v3 refund APIs: requesting a refund (of an order of either API version) and querying it by `out_refund_no`.
 * @internal
 */
export const REFUND_ROUTES: readonly V3Route[] = [
  { method: 'POST', pattern: /^\/v3\/refund\/domestic\/refunds$/, handler: refund },
  { method: 'GET', pattern: new RegExp(`^/v3/refund/domestic/refunds/${SEGMENT}$`), handler: refundQuery },
];
