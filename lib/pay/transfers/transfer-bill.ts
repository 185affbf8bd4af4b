import { createHmac } from 'node:crypto';
import type { PayTransfer, PayTransferState } from '../../entities/pay-transfer.entity';
import { WeChatPayInputError } from '../../errors/wechat-pay.error';
import { PayInput } from '../pay-input.util';
import { parseRfc3339 } from '../v3/wechat-pay-v3.api';
import type { CreateTransferRequest, TransferBill, TransferBillKey } from './pay-transfer.interfaces';

/** `out_bill_no`: letters and digits only, at most 32 (WeChat's rule for 商家转账). @internal */
export const OUT_BILL_NO = /^[0-9A-Za-z]{1,32}$/;
/** `transfer_bill_no` as WeChat writes it. @internal */
export const TRANSFER_BILL_NO = /^[0-9A-Za-z]{1,64}$/;
/** From this amount (fen: 2,000 yuan) on, WeChat requires the user's real name. @internal */
export const USER_NAME_REQUIRED_FROM_FEN = 200_000;
/** The largest amount the `PayTransfer.transferAmount` column holds. */
const MAX_AMOUNT_FEN = 2_147_483_647;

/** The states WeChat documents for a transfer bill. A Map lookup, so `__proto__` or `constructor` find nothing. */
const STATES: ReadonlySet<string> = new Set<PayTransferState>([
  'ACCEPTED',
  'PROCESSING',
  'WAIT_USER_CONFIRM',
  'TRANSFERING',
  'SUCCESS',
  'FAIL',
  'CANCELING',
  'CANCELLED',
]);

/** Whether a state is final (`SUCCESS`, `FAIL`, `CANCELLED`). @internal */
export function isFinalTransferState(state: string | undefined): boolean {
  return state === 'SUCCESS' || state === 'FAIL' || state === 'CANCELLED';
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const fen = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0) ? value : undefined;

/** A transfer bill of an answer (create, query, cancel) or of a decrypted notification, normalised. @internal */
export function normaliseTransferBill(raw: Record<string, unknown>, fallbackOutBillNo = ''): TransferBill {
  const state = str(raw.state);
  return {
    outBillNo: str(raw.out_bill_no) ?? fallbackOutBillNo,
    transferBillNo: str(raw.transfer_bill_no),
    state: state !== undefined && STATES.has(state) ? (state as PayTransferState) : undefined,
    // The query answers `mch_id`, the notification `mchid`.
    mchId: str(raw.mch_id) ?? str(raw.mchid),
    appId: str(raw.appid),
    openId: str(raw.openid),
    transferAmount: fen(raw.transfer_amount),
    transferRemark: str(raw.transfer_remark),
    failReason: str(raw.fail_reason),
    packageInfo: str(raw.package_info),
    createTime: parseRfc3339(raw.create_time),
    updateTime: parseRfc3339(raw.update_time),
    raw,
  };
}

/** Why a bill WeChat told of cannot be the stored transfer's, or `undefined` when it can. @internal */
export function billMismatch(transfer: PayTransfer, bill: TransferBill): string | undefined {
  if (bill.outBillNo !== transfer.outBillNo) return 'out_bill_no differs from the transfer';
  if (bill.transferAmount !== undefined && bill.transferAmount !== transfer.transferAmount) {
    return `transfer_amount ${bill.transferAmount} differs from the transfer's ${transfer.transferAmount}`;
  }
  if (bill.openId !== undefined && bill.openId !== transfer.openId) return 'openid differs from the transfer';
  if (transfer.transferBillNo && bill.transferBillNo && bill.transferBillNo !== transfer.transferBillNo) {
    return 'transfer_bill_no differs from the transfer';
  }
  return undefined;
}

/** A create request, checked; throws every problem at once as a `WeChatPayInputError`. @internal */
export function checkCreateTransfer(api: string, request: unknown): CreateTransferRequest {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new WeChatPayInputError(api, ['the request must be an object']);
  }
  const req = request as Partial<CreateTransferRequest>;
  const input = new PayInput(api);
  input.check(typeof req.outBillNo === 'string' && OUT_BILL_NO.test(req.outBillNo), 'outBillNo must be 1–32 letters or digits');
  input.text('openId', req.openId, 64);
  const amount = input.fen('amount', req.amount);
  input.check(amount <= MAX_AMOUNT_FEN, `amount must be at most ${MAX_AMOUNT_FEN} fen`);
  input.check(
    typeof req.transferSceneId === 'string' && /^[0-9A-Za-z]{1,36}$/.test(req.transferSceneId),
    'transferSceneId must be 1–36 letters or digits',
  );
  input.text('remark', req.remark, 32);
  const infos = req.reportInfos;
  if (!Array.isArray(infos) || infos.length === 0 || infos.length > 10) {
    input.check(false, 'reportInfos must be an array of 1–10 {infoType, infoContent}');
  } else {
    infos.forEach((info, i) => {
      const line = (info ?? {}) as Partial<{ infoType: unknown; infoContent: unknown }>;
      input.text(`reportInfos[${i}].infoType`, line.infoType, 15);
      input.text(`reportInfos[${i}].infoContent`, line.infoContent, 32);
    });
  }
  input.text('userRecvPerception', req.userRecvPerception, 32, false);
  input.text('notifyUrl', req.notifyUrl, 256, false);
  if (req.notifyUrl !== undefined) input.check(isHttpsOrLoopback(req.notifyUrl), 'notifyUrl must be an https URL without a query');
  input.text('userName', req.userName, 64, false);
  input.check(
    req.userName !== undefined || !(amount >= USER_NAME_REQUIRED_FROM_FEN),
    `userName is required from ${USER_NAME_REQUIRED_FROM_FEN} fen (2,000 yuan) on`,
  );
  input.done();
  return req as CreateTransferRequest;
}

/** A notify URL WeChat accepts (https, no query); plain http on loopback too, for local tests. */
function isHttpsOrLoopback(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
    return (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

/** The JSON body of `POST /v3/fund-app/mch-transfer/transfer-bills`, without `user_name` (encrypted by the caller). @internal */
export function transferBody(appId: string, req: CreateTransferRequest, notifyUrl: string | undefined): Record<string, unknown> {
  return {
    appid: appId,
    out_bill_no: req.outBillNo,
    transfer_scene_id: req.transferSceneId,
    openid: req.openId,
    transfer_amount: req.amount,
    transfer_remark: req.remark,
    ...(notifyUrl !== undefined ? { notify_url: notifyUrl } : {}),
    ...(req.userRecvPerception !== undefined ? { user_recv_perception: req.userRecvPerception } : {}),
    transfer_scene_report_infos: req.reportInfos.map((info) => ({ info_type: info.infoType, info_content: info.infoContent })),
  };
}

/**
 * A keyed digest of what a create asks (HMAC-SHA256 under a key derived from the APIv3 key): two creates with one
 * `out_bill_no` must ask the same. Keyed, so the stored digest does not let anyone guess the user's name. @internal
 */
export function transferDigest(apiV3Key: string, req: CreateTransferRequest): string {
  const key = createHmac('sha256', apiV3Key).update('nestjs-miniprogram-api transfer request').digest();
  const content = JSON.stringify([
    req.openId,
    req.amount,
    req.transferSceneId,
    req.remark,
    req.reportInfos.map((info) => [info.infoType, info.infoContent]),
    req.userRecvPerception ?? null,
    req.userName ?? null,
  ]);
  return createHmac('sha256', key).update(content, 'utf8').digest('hex');
}

/** The path of a bill query, checked. @internal */
export function queryPath(api: string, key: TransferBillKey): string {
  const k = (key ?? {}) as Partial<{ outBillNo: unknown; transferBillNo: unknown }>;
  const input = new PayInput(api);
  input.check((k.outBillNo === undefined) !== (k.transferBillNo === undefined), 'give exactly one of outBillNo and transferBillNo');
  if (k.outBillNo !== undefined) {
    input.check(typeof k.outBillNo === 'string' && OUT_BILL_NO.test(k.outBillNo), 'outBillNo must be 1–32 letters or digits');
  }
  if (k.transferBillNo !== undefined) {
    input.check(
      typeof k.transferBillNo === 'string' && TRANSFER_BILL_NO.test(k.transferBillNo),
      'transferBillNo must be 1–64 letters or digits',
    );
  }
  input.done();
  const base = '/v3/fund-app/mch-transfer/transfer-bills';
  return k.outBillNo !== undefined
    ? `${base}/out-bill-no/${k.outBillNo as string}`
    : `${base}/transfer-bill-no/${k.transferBillNo as string}`;
}
