import { isIP } from 'node:net';
import { newPrepayId } from './pay-format';
import {
  OUT_TRADE_NO,
  PayBusinessError,
  PayReject,
  chars,
  check,
  compactTime,
  fen,
  findOrder,
  httpUrl,
  optional,
  required,
} from './pay-request';
import type { PayContext, PayResult } from './pay-request';
import type { PayState } from './pay-state';
import type { SimTradeState } from './pay.interfaces';

const TRADE_TYPES = new Set(['JSAPI', 'NATIVE', 'APP', 'MWEB']);
const TRADE_STATE_DESC: Record<SimTradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '订单发生过退款',
  NOTPAY: '订单未支付',
  CLOSED: '订单已关闭',
  USERPAYING: '需要用户输入支付密码',
  PAYERROR: '支付失败',
};

/** `/pay/unifiedorder`: creates an order (or, for the same order unpaid, answers its prepay_id again). @internal */
export function unifiedOrder(pay: PayState, ctx: PayContext): PayResult {
  const body = required(ctx, 'body');
  check(chars(body) <= 127, 'body');
  const outTradeNo = required(ctx, 'out_trade_no');
  check(OUT_TRADE_NO.test(outTradeNo), 'out_trade_no');
  const totalFee = fen(ctx, 'total_fee');
  const ip = required(ctx, 'spbill_create_ip');
  check(isIP(ip) !== 0, 'spbill_create_ip');
  const notifyUrl = required(ctx, 'notify_url');
  check(httpUrl(notifyUrl), 'notify_url');
  const tradeType = required(ctx, 'trade_type');
  check(TRADE_TYPES.has(tradeType), 'trade_type');
  const openId = optional(ctx, 'openid', (v) => chars(v) <= 128);
  if (tradeType === 'JSAPI' && openId === undefined) throw new PayReject('openid参数缺失');
  const attach = optional(ctx, 'attach', (v) => chars(v) <= 127);
  const deviceInfo = optional(ctx, 'device_info', (v) => chars(v) <= 32);
  optional(ctx, 'detail', (v) => chars(v) <= 6000);
  optional(ctx, 'fee_type', (v) => v === 'CNY');
  const timeStart = optional(ctx, 'time_start', compactTime);
  const timeExpire = optional(ctx, 'time_expire', compactTime);
  const { appId, mchId } = ctx.merchant;
  if (tradeType === 'JSAPI' && !pay.sim.user(appId, openId as string)) {
    throw new PayBusinessError('PARAM_ERROR', 'appid和openid不匹配');
  }

  const now = pay.now();
  let order = pay.order(mchId, outTradeNo);
  if (order) {
    if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new PayBusinessError('ORDERPAID', '该订单已支付');
    if (order.tradeState === 'CLOSED') throw new PayBusinessError('ORDERCLOSED', '该订单已关闭');
    if (order.body !== body || order.totalFee !== totalFee || order.openId !== openId || order.tradeType !== tradeType) {
      throw new PayBusinessError('OUT_TRADE_NO_USED', '商户订单号重复');
    }
    if (now >= order.prepayExpiresAt) pay.renewPrepay(order, newPrepayId(now));
  } else {
    order = {
      appId,
      mchId,
      outTradeNo,
      body,
      totalFee,
      tradeType,
      ...(openId !== undefined ? { openId } : {}),
      notifyUrl,
      ...(attach !== undefined ? { attach } : {}),
      ...(deviceInfo !== undefined ? { deviceInfo } : {}),
      spbillCreateIp: ip,
      ...(timeStart !== undefined ? { timeStart } : {}),
      ...(timeExpire !== undefined ? { timeExpire } : {}),
      signType: ctx.signType,
      prepayId: newPrepayId(now),
      prepayExpiresAt: now + pay.config.prepayTtlMs * pay.config.timeScale,
      createdAt: now,
      tradeState: 'NOTPAY',
      refunds: [],
    };
    pay.addOrder(order);
  }
  return {
    fields: {
      device_info: order.deviceInfo,
      trade_type: order.tradeType,
      prepay_id: order.prepayId,
      code_url: order.tradeType === 'NATIVE' ? `weixin://wxpay/bizpayurl?pr=${order.prepayId.slice(-7)}` : undefined,
      mweb_url:
        order.tradeType === 'MWEB'
          ? `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${order.prepayId}&package=1`
          : undefined,
    },
  };
}

/** `/pay/orderquery`: the state of an order, with the payment fields once paid. @internal */
export function orderQuery(pay: PayState, ctx: PayContext): PayResult {
  const order = findOrder(pay, ctx);
  if (!order) throw new PayBusinessError('ORDERNOTEXIST', '订单不存在');
  const paid = order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND';
  return {
    fields: {
      device_info: order.deviceInfo,
      trade_state: order.tradeState,
      trade_state_desc: TRADE_STATE_DESC[order.tradeState],
      out_trade_no: order.outTradeNo,
      attach: order.attach,
      total_fee: String(order.totalFee),
      ...(paid
        ? {
            openid: order.openId,
            is_subscribe: 'N',
            trade_type: order.tradeType,
            bank_type: order.bankType ?? 'OTHERS',
            fee_type: 'CNY',
            cash_fee: String(order.totalFee),
            transaction_id: order.transactionId,
            time_end: order.timeEnd,
          }
        : {}),
    },
  };
}

/** `/pay/closeorder`: closes an unpaid order. @internal */
export function closeOrder(pay: PayState, ctx: PayContext): PayResult {
  const outTradeNo = required(ctx, 'out_trade_no');
  check(OUT_TRADE_NO.test(outTradeNo), 'out_trade_no');
  const order = pay.order(ctx.merchant.mchId, outTradeNo);
  if (!order) throw new PayBusinessError('ORDERNOTEXIST', '订单不存在');
  if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new PayBusinessError('ORDERPAID', '订单已支付，不能发起关单');
  if (order.tradeState === 'CLOSED') throw new PayBusinessError('ORDERCLOSED', '订单已关闭，无法重复关闭');
  order.tradeState = 'CLOSED';
  return { fields: { result_msg: 'OK' } };
}
