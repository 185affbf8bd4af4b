import { chars } from '../pay/pay-request';
import type { OrderRecord } from '../pay/pay-state';
import { rfc3339 } from '../pay-v3/pay-v3-format';
import { fen, jsonBody, optStr, paramError, str } from '../pay-v3/pay-v3-input';
import { PayV3Error, SEGMENT } from '../pay-v3/pay-v3-request';
import type { V3Context, V3Result, V3Route } from '../pay-v3/pay-v3-request';
import { controlBody, controlOk, isPlainObject, SimulatorInputError } from '../server/simulator-http';
import type { SimRoute } from '../server/simulator-http';
import { randomDigits } from '../pay/pay-format';
import { returnRoutes } from './profit-sharing-returns';
import type { ProfitSharingState, ShareRecord } from './profit-sharing-state';
import type {
  SimProfitSharingFinishInput,
  SimProfitSharingLine,
  SimProfitSharingNotifyInput,
  SimProfitSharingReceiverType,
  SimProfitSharingSettings,
} from './profit-sharing.interfaces';

const BASE = '/v3/profitsharing';
const OUT_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const TYPES = new Set(['MERCHANT_ID', 'PERSONAL_OPENID']);
const RELATIONS = new Set([
  'STORE',
  'STAFF',
  'STORE_OWNER',
  'PARTNER',
  'HEADQUARTER',
  'BRAND',
  'DISTRIBUTOR',
  'USER',
  'SUPPLIER',
  'CUSTOM',
]);

const state = (ctx: V3Context): ProfitSharingState => ctx.v3.profitSharing;
const invalid = (message: string) => new PayV3Error(400, 'INVALID_REQUEST', message);
const notFound = () => new PayV3Error(404, 'RESOURCE_NOT_EXISTS', '记录不存在');

/** A sensitive field decrypted with the key its `Wechatpay-Serial` names. */
function decryptName(ctx: V3Context, ciphertext: string): { name: string; serial: string } {
  const serial = ctx.headers['wechatpay-serial'];
  if (typeof serial !== 'string' || !ctx.v3.transfers.sensitiveKey(serial)) {
    throw new PayV3Error(400, 'PARAM_ERROR', 'Wechatpay-Serial缺失或不是有效的微信支付公钥ID/平台证书序列号');
  }
  const name = ctx.v3.transfers.decrypt(ciphertext, serial);
  if (name === undefined) throw new PayV3Error(400, 'PARAM_ERROR', '敏感信息解密失败，请使用正确的公钥加密');
  return { name, serial };
}

function receiverType(body: Record<string, unknown>, pointer: string): SimProfitSharingReceiverType {
  return str(body, 'type', pointer, (v) => TYPES.has(v)) as SimProfitSharingReceiverType;
}

function appId(ctx: V3Context, body: Record<string, unknown>): string {
  const appid = str(body, 'appid', '/body');
  if (appid !== ctx.merchant.merchant.appId) throw invalid('appid和mch_id不匹配');
  return appid;
}

function addReceiver(ctx: V3Context): V3Result {
  const body = jsonBody(ctx);
  const app = appId(ctx, body);
  const type = receiverType(body, '/body');
  const account = str(body, 'account', '/body', (v) => chars(v) <= 64);
  const relationType = str(body, 'relation_type', '/body', (v) => RELATIONS.has(v));
  const customRelation = optStr(body, 'custom_relation', '/body', (v) => chars(v) <= 10);
  if (relationType === 'CUSTOM' && customRelation === undefined)
    throw paramError('/body/custom_relation', '必填性规则校验失败，此字段为必填项');
  const encrypted = optStr(body, 'name', '/body');
  const decrypted = encrypted === undefined ? undefined : decryptName(ctx, encrypted);
  if (type === 'MERCHANT_ID' && !decrypted) throw paramError('/body/name', '必填性规则校验失败，此字段为必填项');
  if (type === 'PERSONAL_OPENID' && !ctx.v3.pay.sim.user(app, account)) throw invalid('分账接收方账号与appid不匹配');
  const { mchId } = ctx.merchant.merchant;
  state(ctx).receivers.set(state(ctx).receiverKey(mchId, type, account), {
    mchId,
    type,
    account,
    relationType,
    ...(customRelation !== undefined ? { customRelation } : {}),
    ...(decrypted ? { name: decrypted.name, nameSerial: decrypted.serial } : {}),
  });
  return {
    status: 200,
    json: { type, account, relation_type: relationType, ...(customRelation ? { custom_relation: customRelation } : {}) },
  };
}

function deleteReceiver(ctx: V3Context): V3Result {
  const body = jsonBody(ctx);
  appId(ctx, body);
  const type = receiverType(body, '/body');
  const account = str(body, 'account', '/body', (v) => chars(v) <= 64);
  state(ctx).receivers.delete(state(ctx).receiverKey(ctx.merchant.merchant.mchId, type, account));
  return { status: 200, json: { type, account } };
}

/** The paid, profit-sharing order of a `transaction_id`. */
function sharingOrder(ctx: V3Context, transactionId: string): OrderRecord {
  const order = ctx.v3.pay.orderByTransaction(ctx.merchant.merchant.mchId, transactionId);
  if (!order) throw new PayV3Error(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  if (order.tradeState !== 'SUCCESS' && order.tradeState !== 'REFUND') throw invalid('订单未支付，不能分账');
  if (!order.profitSharing) throw invalid('该笔订单不支持分账，请在下单时传入分账标识 profit_sharing');
  return order;
}

function lines(ctx: V3Context, body: Record<string, unknown>): SimProfitSharingLine[] {
  const value = body.receivers;
  if (!Array.isArray(value) || value.length === 0 || value.length > 50)
    throw paramError('/body/receivers', '类型校验失败，应为1–50个接收方');
  const { mchId } = ctx.merchant.merchant;
  return value.map((line, i) => {
    const pointer = `/body/receivers/${i}`;
    if (!isPlainObject(line)) throw paramError(pointer, '类型校验失败，应为对象');
    const type = receiverType(line, pointer);
    const account = str(line, 'account', pointer, (v) => chars(v) <= 64);
    const amount = fen(line, 'amount', pointer);
    const description = str(line, 'description', pointer, (v) => chars(v) <= 80);
    const encrypted = optStr(line, 'name', pointer);
    const added = state(ctx).receivers.get(state(ctx).receiverKey(mchId, type, account));
    if (!added) throw invalid(`分账接收方${account}不存在，请先添加分账接收方`);
    const name = encrypted === undefined ? undefined : decryptName(ctx, encrypted).name;
    if (name !== undefined && added.name !== undefined && name !== added.name) throw invalid('分账接收方全称不匹配');
    return {
      type,
      account,
      amount,
      description,
      ...(name !== undefined ? { name } : {}),
      result: 'PENDING' as const,
      detailId: `3600${randomDigits(24)}`,
      returned: 0,
    };
  });
}

function answer(share: ShareRecord): Record<string, unknown> {
  return {
    transaction_id: share.transactionId,
    out_order_no: share.outOrderNo,
    order_id: share.orderId,
    state: share.state,
    receivers: share.receivers.map((r) => ({
      amount: r.amount,
      description: r.description,
      type: r.type,
      account: r.account,
      result: r.result,
      ...(r.failReason !== undefined ? { fail_reason: r.failReason } : {}),
      detail_id: r.detailId,
      create_time: rfc3339(share.createdAt),
      ...(share.finishedAt !== undefined ? { finish_time: rfc3339(share.finishedAt) } : {}),
    })),
  };
}

function requestSplit(ctx: V3Context): V3Result {
  const body = jsonBody(ctx);
  const app = appId(ctx, body);
  const transactionId = str(body, 'transaction_id', '/body', (v) => /^[0-9A-Za-z]{1,32}$/.test(v));
  const outOrderNo = str(body, 'out_order_no', '/body', (v) => OUT_NO.test(v));
  if (typeof body.unfreeze_unsplit !== 'boolean') throw paramError('/body/unfreeze_unsplit', '必填性规则校验失败，此字段为必填项');
  const order = sharingOrder(ctx, transactionId);
  const receivers = lines(ctx, body);
  const content = JSON.stringify([
    transactionId,
    body.unfreeze_unsplit,
    receivers.map((r) => [r.type, r.account, r.amount, r.description]),
  ]);
  const previous = state(ctx).get(order.mchId, outOrderNo);
  if (previous) {
    // The same out_order_no is the same request (WeChat: 同一分账单号多次请求等同一次).
    if (previous.content !== content) throw invalid('商户分账单号重复，且请求参数与原单据不一致');
    previous.creates += 1;
    return { status: 200, json: answer(previous) };
  }
  if (state(ctx).unfrozen(order)) throw invalid('订单已解冻，剩余资金不能再分账');
  const amount = receivers.reduce((sum, r) => sum + r.amount, 0);
  const split = state(ctx).split(order);
  if (split + amount > state(ctx).limit(order) || amount > state(ctx).unsplit(order)) {
    throw new PayV3Error(400, 'NOT_ENOUGH', '分账金额超出最大分账比例或订单剩余待分金额');
  }
  const share = state(ctx).open({
    mchId: order.mchId,
    appId: app,
    kind: 'split',
    transactionId,
    outTradeNo: order.outTradeNo,
    outOrderNo,
    state: 'PROCESSING',
    receivers,
    unfreezeUnsplit: body.unfreeze_unsplit,
    content,
    notifyUrl: order.notifyUrl,
  });
  return { status: 200, json: answer(share) };
}

function querySplit(ctx: V3Context): V3Result {
  const [outOrderNo] = ctx.params;
  if (!OUT_NO.test(outOrderNo)) throw paramError('/path/out_order_no', '格式校验失败');
  const transactionId = ctx.query.get('transaction_id');
  if (!transactionId) throw paramError('/query/transaction_id', '必填性规则校验失败，此字段为必填项');
  const share = state(ctx).get(ctx.merchant.merchant.mchId, outOrderNo);
  if (!share || share.transactionId !== transactionId) throw notFound();
  return { status: 200, json: answer(share) };
}

function unfreeze(ctx: V3Context): V3Result {
  const body = jsonBody(ctx);
  const transactionId = str(body, 'transaction_id', '/body', (v) => /^[0-9A-Za-z]{1,32}$/.test(v));
  const outOrderNo = str(body, 'out_order_no', '/body', (v) => OUT_NO.test(v));
  const description = str(body, 'description', '/body', (v) => chars(v) <= 80);
  const order = sharingOrder(ctx, transactionId);
  const { mchId } = ctx.merchant.merchant;
  const previous = state(ctx).get(mchId, outOrderNo);
  if (previous) {
    if (previous.kind !== 'unfreeze' || previous.transactionId !== transactionId)
      throw invalid('商户分账单号重复，且请求参数与原单据不一致');
    return { status: 200, json: answer(previous) };
  }
  if (state(ctx).unfrozen(order)) throw invalid('订单已解冻');
  if (
    state(ctx)
      .sharesOf(order)
      .some((s) => s.state === 'PROCESSING')
  )
    throw new PayV3Error(400, 'ORDER_NOT_READY', '订单处理中，暂时无法解冻');
  const amount = state(ctx).unsplit(order);
  const line = {
    type: 'MERCHANT_ID' as const,
    account: mchId,
    amount,
    description,
    result: 'SUCCESS' as const,
    detailId: `3600${randomDigits(24)}`,
    returned: 0,
  };
  const share = state(ctx).open({
    mchId,
    appId: order.appId,
    kind: 'unfreeze',
    transactionId,
    outTradeNo: order.outTradeNo,
    outOrderNo,
    state: 'FINISHED',
    finishedAt: ctx.v3.pay.now(),
    receivers: [line],
    unfreezeUnsplit: true,
    content: '',
    notifyUrl: order.notifyUrl,
  });
  return { status: 200, json: answer(share) };
}

function amounts(ctx: V3Context): V3Result {
  const [transactionId] = ctx.params;
  if (!/^[0-9A-Za-z]{1,32}$/.test(transactionId)) throw paramError('/path/transaction_id', '格式校验失败');
  const order = ctx.v3.pay.orderByTransaction(ctx.merchant.merchant.mchId, transactionId);
  if (!order) throw new PayV3Error(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
  return { status: 200, json: { transaction_id: transactionId, unsplit_amount: order.profitSharing ? state(ctx).unsplit(order) : 0 } };
}

/** The v3 profit-sharing APIs of an ordinary merchant. @internal */
export const PROFIT_SHARING_ROUTES: readonly V3Route[] = [
  { method: 'POST', pattern: new RegExp(`^${BASE}/receivers/add$`), handler: addReceiver },
  { method: 'POST', pattern: new RegExp(`^${BASE}/receivers/delete$`), handler: deleteReceiver },
  { method: 'POST', pattern: new RegExp(`^${BASE}/orders$`), handler: requestSplit },
  { method: 'POST', pattern: new RegExp(`^${BASE}/orders/unfreeze$`), handler: unfreeze },
  { method: 'GET', pattern: new RegExp(`^${BASE}/orders/${SEGMENT}$`), handler: querySplit },
  { method: 'GET', pattern: new RegExp(`^${BASE}/transactions/${SEGMENT}/amounts$`), handler: amounts },
  ...returnRoutes(BASE, OUT_NO),
];

/**
 * The control API of profit sharing: `POST /__sim/profitSharing` (settings), `POST /__sim/profitSharingFinish`,
 * `POST /__sim/profitSharingNotify` and `GET /__sim/profitSharingOrder?outOrderNo=`.
 * @internal
 */
export function profitSharingControlRoutes(sharing: ProfitSharingState): SimRoute[] {
  return [
    {
      method: 'POST',
      path: '/__sim/profitSharing',
      handler: (req) => controlOk(sharing.settings(controlBody(req) as unknown as Partial<SimProfitSharingSettings>)),
    },
    {
      method: 'POST',
      path: '/__sim/profitSharingFinish',
      handler: async (req) => controlOk(await sharing.control(controlBody(req) as unknown as SimProfitSharingFinishInput)),
    },
    {
      method: 'POST',
      path: '/__sim/profitSharingNotify',
      handler: async (req) =>
        controlOk({ notifications: await sharing.notify(controlBody(req) as unknown as SimProfitSharingNotifyInput) }),
    },
    {
      method: 'GET',
      path: '/__sim/profitSharingOrder',
      handler: (req) => {
        const outOrderNo = req.query.get('outOrderNo');
        if (!outOrderNo) throw new SimulatorInputError('query parameter outOrderNo is required');
        const share = sharing.copy(outOrderNo, req.query.get('mchId') ?? undefined);
        if (!share) throw new SimulatorInputError('unknown split', 404);
        return controlOk(share);
      },
    },
  ];
}
