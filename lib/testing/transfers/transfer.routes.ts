import { chars } from '../pay/pay-request';
import { rfc3339 } from '../pay-v3/pay-v3-format';
import { fen, jsonBody, notifyUrl, optStr, paramError, str } from '../pay-v3/pay-v3-input';
import { PayV3Error, SEGMENT } from '../pay-v3/pay-v3-request';
import type { V3Context, V3Result, V3Route } from '../pay-v3/pay-v3-request';
import type { TransferState } from './transfer-state';
import { isFinal } from './transfer-state';
import type { TransferRecord } from './transfer-state';
import { controlBody, controlOk, isPlainObject, SimulatorInputError } from '../server/simulator-http';
import type { SimRoute } from '../server/simulator-http';
import type { SimTransferConfirmInput, SimTransferNotifyInput } from './transfer.interfaces';

const OUT_BILL_NO = /^[0-9A-Za-z]{1,32}$/;
/** From 2,000 yuan on, WeChat requires `user_name`. */
const USER_NAME_FROM_FEN = 200_000;
const BASE = '/v3/fund-app/mch-transfer/transfer-bills';

function transfers(ctx: V3Context): TransferState {
  return ctx.v3.transfers;
}

/** The report infos of a create: an array of `{info_type, info_content}`. */
function reportInfos(body: Record<string, unknown>): Array<{ infoType: string; infoContent: string }> {
  const value = body.transfer_scene_report_infos;
  const pointer = '/body/transfer_scene_report_infos';
  if (value === undefined || value === null) throw paramError(pointer, '必填性规则校验失败，此字段为必填项');
  if (!Array.isArray(value) || value.length === 0) throw paramError(pointer, '类型校验失败，应为非空数组');
  return value.map((line, i) => {
    if (!isPlainObject(line)) throw paramError(`${pointer}/${i}`, '类型校验失败，应为对象');
    return {
      infoType: str(line, 'info_type', `${pointer}/${i}`, (v) => chars(v) <= 15),
      infoContent: str(line, 'info_content', `${pointer}/${i}`, (v) => chars(v) <= 32),
    };
  });
}

/** `POST /v3/fund-app/mch-transfer/transfer-bills` (发起转账). */
function create(ctx: V3Context): V3Result {
  const { mchId, appId } = ctx.merchant.merchant;
  const body = jsonBody(ctx);
  const appid = str(body, 'appid', '/body');
  if (appid !== appId) throw new PayV3Error(400, 'INVALID_REQUEST', 'appid和mch_id不匹配');
  const outBillNo = str(body, 'out_bill_no', '/body', (v) => OUT_BILL_NO.test(v));
  const sceneId = str(body, 'transfer_scene_id', '/body', (v) => /^[0-9A-Za-z]{1,36}$/.test(v));
  const openId = str(body, 'openid', '/body', (v) => chars(v) <= 64);
  const amount = fen(body, 'transfer_amount', '/body');
  const remark = str(body, 'transfer_remark', '/body', (v) => chars(v) <= 32);
  const notify = optStr(body, 'notify_url', '/body', notifyUrl);
  const perception = optStr(body, 'user_recv_perception', '/body', (v) => chars(v) <= 32);
  const infos = reportInfos(body);
  const encryptedName = optStr(body, 'user_name', '/body');
  let userName: string | undefined;
  let userNameSerial: string | undefined;
  if (encryptedName !== undefined) {
    const serial = ctx.headers['wechatpay-serial'];
    if (typeof serial !== 'string' || !transfers(ctx).sensitiveKey(serial)) {
      throw new PayV3Error(400, 'PARAM_ERROR', 'Wechatpay-Serial缺失或不是有效的微信支付公钥ID/平台证书序列号');
    }
    userName = transfers(ctx).decrypt(encryptedName, serial);
    if (userName === undefined) throw new PayV3Error(400, 'PARAM_ERROR', '敏感信息解密失败，请使用正确的公钥加密');
    userNameSerial = serial;
  }
  if (amount >= USER_NAME_FROM_FEN && userName === undefined) {
    throw new PayV3Error(400, 'PARAM_ERROR', '转账金额大于等于2000元时，收款用户姓名必填');
  }
  const content = JSON.stringify([appid, sceneId, openId, amount, remark, notify ?? null, perception ?? null, infos, userName ?? null]);
  const previous = transfers(ctx).get(mchId, outBillNo);
  if (previous) {
    // WeChat answers a repeated out_bill_no with the bill it made, and refuses one whose content differs.
    if (previous.content !== content) throw new PayV3Error(400, 'INVALID_REQUEST', '商户单号重复，且请求参数与原单据不一致');
    previous.creates += 1;
    return { status: 200, json: createAnswer(previous) };
  }
  const bill = transfers(ctx).open({
    mchId,
    appId,
    outBillNo,
    openId,
    transferAmount: amount,
    transferSceneId: sceneId,
    transferRemark: remark,
    reportInfos: infos,
    ...(perception !== undefined ? { userRecvPerception: perception } : {}),
    ...(userName !== undefined ? { userName, userNameSerial } : {}),
    ...(notify !== undefined ? { notifyUrl: notify } : {}),
    content,
  });
  return { status: 200, json: createAnswer(bill) };
}

function createAnswer(bill: TransferRecord): Record<string, unknown> {
  return {
    out_bill_no: bill.outBillNo,
    transfer_bill_no: bill.transferBillNo,
    create_time: rfc3339(bill.createdAt),
    state: bill.state,
    ...(bill.state === 'WAIT_USER_CONFIRM' ? { package_info: bill.packageInfo } : {}),
    ...(bill.failReason !== undefined ? { fail_reason: bill.failReason } : {}),
  };
}

function queryAnswer(bill: TransferRecord): Record<string, unknown> {
  return {
    mch_id: bill.mchId,
    out_bill_no: bill.outBillNo,
    transfer_bill_no: bill.transferBillNo,
    appid: bill.appId,
    state: bill.state,
    transfer_amount: bill.transferAmount,
    transfer_remark: bill.transferRemark,
    ...(bill.failReason !== undefined ? { fail_reason: bill.failReason } : {}),
    openid: bill.openId,
    create_time: rfc3339(bill.createdAt),
    update_time: rfc3339(bill.updatedAt),
  };
}

function notFound(): PayV3Error {
  return new PayV3Error(404, 'NOT_FOUND', '记录不存在');
}

function byOutBillNo(ctx: V3Context): TransferRecord {
  const [outBillNo] = ctx.params;
  if (!OUT_BILL_NO.test(outBillNo)) throw paramError('/path/out_bill_no', '格式校验失败');
  const bill = transfers(ctx).get(ctx.merchant.merchant.mchId, outBillNo);
  if (!bill) throw notFound();
  return bill;
}

function cancel(ctx: V3Context): V3Result {
  const bill = byOutBillNo(ctx);
  if (bill.state === 'CANCELLED') return { status: 200, json: cancelAnswer(bill) };
  if (isFinal(bill.state) || bill.state === 'TRANSFERING') {
    throw new PayV3Error(400, 'INVALID_REQUEST', `单据状态为${bill.state}，不允许撤销`);
  }
  // The notification goes out in the background, as WeChat's.
  void transfers(ctx).finish(bill, ['CANCELING', 'CANCELLED'], undefined, true);
  return { status: 200, json: cancelAnswer(bill) };
}

function cancelAnswer(bill: TransferRecord): Record<string, unknown> {
  return { out_bill_no: bill.outBillNo, transfer_bill_no: bill.transferBillNo, state: bill.state, update_time: rfc3339(bill.updatedAt) };
}

/**
 * The v3 merchant transfer APIs (商家转账, user-confirmation mode): create, query by either number, cancel.
 * @internal
 */
export const TRANSFER_ROUTES: readonly V3Route[] = [
  { method: 'POST', pattern: new RegExp(`^${BASE}$`), handler: create },
  {
    method: 'GET',
    pattern: new RegExp(`^${BASE}/out-bill-no/${SEGMENT}$`),
    handler: (ctx) => ({ status: 200, json: queryAnswer(byOutBillNo(ctx)) }),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${BASE}/transfer-bill-no/${SEGMENT}$`),
    handler: (ctx) => {
      const [no] = ctx.params;
      if (!/^[0-9A-Za-z]{1,64}$/.test(no)) throw paramError('/path/transfer_bill_no', '格式校验失败');
      const bill = transfers(ctx).byWeChatNo(ctx.merchant.merchant.mchId, no);
      if (!bill) throw notFound();
      return { status: 200, json: queryAnswer(bill) };
    },
  },
  { method: 'POST', pattern: new RegExp(`^${BASE}/out-bill-no/${SEGMENT}/cancel$`), handler: cancel },
];

/**
 * The control API of transfers: `POST /__sim/transferConfirm` (the user in `wx.requestMerchantTransfer`),
 * `POST /__sim/transferNotify` (variants of the final notification) and `GET /__sim/transfer?outBillNo=`.
 * @internal
 */
export function transferControlRoutes(state: TransferState): SimRoute[] {
  return [
    {
      method: 'POST',
      path: '/__sim/transferConfirm',
      handler: async (req) => controlOk(await state.confirm(controlBody(req) as unknown as SimTransferConfirmInput)),
    },
    {
      method: 'POST',
      path: '/__sim/transferNotify',
      handler: async (req) => controlOk({ notifications: await state.notify(controlBody(req) as unknown as SimTransferNotifyInput) }),
    },
    {
      method: 'GET',
      path: '/__sim/transfer',
      handler: (req) => {
        const outBillNo = req.query.get('outBillNo');
        if (!outBillNo) throw new SimulatorInputError('query parameter outBillNo is required');
        const bill = state.copy(outBillNo, req.query.get('mchId') ?? undefined);
        if (!bill) throw new SimulatorInputError('unknown transfer', 404);
        return controlOk(bill);
      },
    },
  ];
}
