import { beijingCompact, newPrepayId } from '../pay/pay-format';
import { chars, OUT_TRADE_NO, TRANSACTION_ID } from '../pay/pay-request';
import type { OrderRecord, PayState } from '../pay/pay-state';
import { v3Transaction } from './pay-v3-format';
import { bodyMchId, currency, fen, jsonBody, notifyUrl, obj, optStr, paramError, queryMchId, str } from './pay-v3-input';
import { PayV3Error, SEGMENT } from './pay-v3-request';
import type { V3Context, V3Result, V3Route } from './pay-v3-request';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function jsapi(ctx: V3Context): V3Result {
  const pay = ctx.v3.pay;
  const body = jsonBody(ctx);
  const appId = str(body, 'appid', '/body');
  bodyMchId(ctx, body);
  const { merchant } = ctx.merchant;
  if (appId !== merchant.appId) throw new PayV3Error(400, 'PARAM_ERROR', 'appid和mch_id不匹配');
  const description = str(body, 'description', '/body', (v) => chars(v) <= 127);
  const outTradeNo = str(body, 'out_trade_no', '/body', (v) => OUT_TRADE_NO.test(v));
  const timeExpireText = optStr(body, 'time_expire', '/body', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));
  const attach = optStr(body, 'attach', '/body', (v) => chars(v) <= 128);
  const notify = str(body, 'notify_url', '/body', notifyUrl);
  optStr(body, 'goods_tag', '/body', (v) => chars(v) <= 32);
  const amount = obj(body, 'amount', '/body');
  const total = fen(amount, 'total', '/body/amount');
  currency(amount, '/body/amount', false);
  const payer = obj(body, 'payer', '/body');
  const openId = str(payer, 'openid', '/body/payer', (v) => chars(v) <= 128);
  if (!pay.sim.user(appId, openId)) throw new PayV3Error(400, 'PARAM_ERROR', 'appid和openid不匹配');
  const timeExpire = timeExpireText === undefined ? undefined : beijingCompact(Date.parse(timeExpireText));
  const settle = body.settle_info === undefined ? undefined : obj(body, 'settle_info', '/body');
  if (settle && settle.profit_sharing !== undefined && typeof settle.profit_sharing !== 'boolean') {
    throw paramError('/body/settle_info/profit_sharing', '类型校验失败，应为布尔值');
  }
  const profitSharing = settle?.profit_sharing === true;

  const now = pay.now();
  let order = pay.order(merchant.mchId, outTradeNo);
  if (order) {
    if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new PayV3Error(400, 'ORDERPAID', '该订单已支付');
    if (order.tradeState === 'CLOSED') throw new PayV3Error(400, 'ORDER_CLOSED', '该订单已关闭');
    if (
      order.apiVersion !== 'v3' ||
      order.body !== description ||
      order.totalFee !== total ||
      order.openId !== openId ||
      order.tradeType !== 'JSAPI' ||
      order.attach !== attach ||
      order.notifyUrl !== notify ||
      (order.profitSharing ?? false) !== profitSharing
    ) {
      throw new PayV3Error(400, 'INVALID_REQUEST', '201 商户订单号重复');
    }
    if (now >= order.prepayExpiresAt) pay.renewPrepay(order, newPrepayId(now));
  } else {
    const record: OrderRecord = {
      appId,
      mchId: merchant.mchId,
      outTradeNo,
      body: description,
      totalFee: total,
      tradeType: 'JSAPI',
      openId,
      notifyUrl: notify,
      ...(attach !== undefined ? { attach } : {}),
      spbillCreateIp: '127.0.0.1',
      ...(timeExpire !== undefined ? { timeExpire } : {}),
      signType: 'HMAC-SHA256',
      prepayId: newPrepayId(now),
      prepayExpiresAt: now + pay.config.prepayTtlMs * pay.config.timeScale,
      createdAt: now,
      tradeState: 'NOTPAY',
      refunds: [],
      apiVersion: 'v3',
      ...(profitSharing ? { profitSharing } : {}),
    };
    pay.addOrder(record);
    order = record;
  }
  return { status: 200, json: { prepay_id: order.prepayId } };
}

function orderNotFound(): PayV3Error {
  return new PayV3Error(404, 'ORDER_NOT_EXIST', '订单不存在');
}

/** An order query: by `out_trade_no` or `transaction_id`, the path parameter `name`, which must match `format`. */
function orderQuery(name: string, format: RegExp, find: (pay: PayState, mchId: string, value: string) => OrderRecord | undefined) {
  return (ctx: V3Context): V3Result => {
    queryMchId(ctx);
    const [value] = ctx.params;
    if (!format.test(value)) throw paramError(`/path/${name}`, '格式校验失败');
    const order = find(ctx.v3.pay, ctx.merchant.merchant.mchId, value);
    if (!order) throw orderNotFound();
    return { status: 200, json: v3Transaction(order) };
  };
}

const queryByOutTradeNo = orderQuery('out_trade_no', OUT_TRADE_NO, (pay, mchId, outTradeNo) => pay.order(mchId, outTradeNo));
const queryById = orderQuery('transaction_id', TRANSACTION_ID, (pay, mchId, transactionId) => pay.orderByTransaction(mchId, transactionId));

function close(ctx: V3Context): V3Result {
  const body = jsonBody(ctx);
  bodyMchId(ctx, body);
  const [outTradeNo] = ctx.params;
  if (!OUT_TRADE_NO.test(outTradeNo)) throw paramError('/path/out_trade_no', '格式校验失败');
  const order = ctx.v3.pay.order(ctx.merchant.merchant.mchId, outTradeNo);
  if (!order) throw orderNotFound();
  if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new PayV3Error(400, 'ORDERPAID', '订单已支付，不能发起关单');
  // Closing a closed order again is accepted, as WeChat does.
  order.tradeState = 'CLOSED';
  return { status: 204 };
}

/**
 * The v3 transaction APIs: JSAPI ordering, the queries by `out_trade_no` and by `transaction_id`, and closing.
 * @internal
 */
export const TRANSACTION_ROUTES: readonly V3Route[] = [
  { method: 'POST', pattern: /^\/v3\/pay\/transactions\/jsapi$/, handler: jsapi },
  { method: 'GET', pattern: new RegExp(`^/v3/pay/transactions/out-trade-no/${SEGMENT}$`), handler: queryByOutTradeNo },
  { method: 'GET', pattern: new RegExp(`^/v3/pay/transactions/id/${SEGMENT}$`), handler: queryById },
  { method: 'POST', pattern: new RegExp(`^/v3/pay/transactions/out-trade-no/${SEGMENT}/close$`), handler: close },
];
