import { chars } from '../pay/pay-request';
import { randomDigits } from '../pay/pay-format';
import { rfc3339 } from '../pay-v3/pay-v3-format';
import { fen, jsonBody, optStr, paramError, str } from '../pay-v3/pay-v3-input';
import { PayV3Error, SEGMENT } from '../pay-v3/pay-v3-request';
import type { V3Context, V3Result, V3Route } from '../pay-v3/pay-v3-request';
import type { SimProfitSharingReturn } from './profit-sharing.interfaces';

function answer(r: SimProfitSharingReturn): Record<string, unknown> {
  return {
    order_id: r.orderId,
    out_order_no: r.outOrderNo,
    out_return_no: r.outReturnNo,
    return_id: r.returnId,
    return_mchid: r.returnMchId,
    amount: r.amount,
    description: r.description,
    result: r.result,
    create_time: rfc3339(r.createdAt),
    ...(r.finishedAt !== undefined ? { finish_time: rfc3339(r.finishedAt) } : {}),
  };
}

/** `POST /v3/profitsharing/return-orders` (请求分账回退): from a merchant receiver whose share succeeded. */
function requestReturn(outNo: RegExp) {
  return (ctx: V3Context): V3Result => {
    const body = jsonBody(ctx);
    const outOrderNo = optStr(body, 'out_order_no', '/body', (v) => outNo.test(v));
    const orderId = optStr(body, 'order_id', '/body', (v) => /^[0-9A-Za-z]{1,64}$/.test(v));
    if ((outOrderNo === undefined) === (orderId === undefined))
      throw paramError('/body/out_order_no', '必填性规则校验失败，out_order_no与order_id必填其一');
    const outReturnNo = str(body, 'out_return_no', '/body', (v) => outNo.test(v));
    const returnMchId = str(body, 'return_mchid', '/body', (v) => /^\d{6,32}$/.test(v));
    const amount = fen(body, 'amount', '/body');
    const description = str(body, 'description', '/body', (v) => chars(v) <= 80);
    const { mchId } = ctx.merchant.merchant;
    const sharing = ctx.v3.profitSharing;
    const previous = sharing.getReturn(mchId, outReturnNo);
    if (previous) {
      if (previous.amount !== amount || previous.returnMchId !== returnMchId)
        throw new PayV3Error(400, 'INVALID_REQUEST', '商户回退单号重复，且请求参数与原单据不一致');
      return { status: 200, json: answer(previous) };
    }
    const share = outOrderNo !== undefined ? sharing.get(mchId, outOrderNo) : sharing.byWeChatNo(mchId, orderId as string);
    if (!share || share.kind !== 'split') throw new PayV3Error(404, 'RESOURCE_NOT_EXISTS', '分账单不存在');
    const line = share.receivers.find((r) => r.type === 'MERCHANT_ID' && r.account === returnMchId && r.result === 'SUCCESS');
    if (!line) throw new PayV3Error(400, 'INVALID_REQUEST', '回退方不是该分账单中分账成功的接收方');
    if (amount > line.amount - line.returned) throw new PayV3Error(400, 'NOT_ENOUGH', '回退方剩余可回退金额不足');
    line.returned += amount;
    const now = ctx.v3.pay.now();
    const record: SimProfitSharingReturn = {
      mchId,
      outReturnNo,
      returnId: `3008${randomDigits(24)}`,
      outOrderNo: share.outOrderNo,
      orderId: share.orderId,
      returnMchId,
      amount,
      description,
      result: 'SUCCESS',
      createdAt: now,
      finishedAt: now,
    };
    sharing.addReturn(record);
    return { status: 200, json: answer(record) };
  };
}

/** `GET /v3/profitsharing/return-orders/{out_return_no}?out_order_no=`. */
function queryReturn(outNo: RegExp) {
  return (ctx: V3Context): V3Result => {
    const [outReturnNo] = ctx.params;
    if (!outNo.test(outReturnNo)) throw paramError('/path/out_return_no', '格式校验失败');
    const outOrderNo = ctx.query.get('out_order_no');
    if (!outOrderNo) throw paramError('/query/out_order_no', '必填性规则校验失败，此字段为必填项');
    const record = ctx.v3.profitSharing.getReturn(ctx.merchant.merchant.mchId, outReturnNo);
    if (!record || record.outOrderNo !== outOrderNo) throw new PayV3Error(404, 'RESOURCE_NOT_EXISTS', '记录不存在');
    return { status: 200, json: answer(record) };
  };
}

/** The return routes (分账回退) under `base`. @internal */
export function returnRoutes(base: string, outNo: RegExp): V3Route[] {
  return [
    { method: 'POST', pattern: new RegExp(`^${base}/return-orders$`), handler: requestReturn(outNo) },
    { method: 'GET', pattern: new RegExp(`^${base}/return-orders/${SEGMENT}$`), handler: queryReturn(outNo) },
  ];
}
