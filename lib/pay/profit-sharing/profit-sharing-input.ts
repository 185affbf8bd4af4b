import { createHmac } from 'node:crypto';
import type { PayProfitShareState, PayProfitSharingReceiverType } from '../../entities/pay-profit-share.entity';
import { WeChatPayInputError } from '../../errors/wechat-pay.error';
import { PayInput } from '../pay-input.util';
import { parseRfc3339 } from '../v3/wechat-pay-v3.api';
import type {
  AddProfitSharingReceiverRequest,
  ProfitSharingOrder,
  ProfitSharingReceiverLine,
  ProfitSharingRelationType,
  ProfitSharingReturn,
  ProfitSharingReturnRequest,
  RequestProfitSharingRequest,
} from './profit-sharing.interfaces';

/** `out_order_no` / `out_return_no`: 1–64 of letters, digits and `_-|*@` (WeChat's rule). @internal */
export const OUT_SHARE_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
/** WeChat's numbers (`transaction_id`, `order_id`) as they appear in paths. @internal */
export const WECHAT_NO = /^[0-9A-Za-z]{1,64}$/;
/** At most this many receivers per split (WeChat's limit). @internal */
export const MAX_RECEIVERS = 50;
/** The largest amount the `PayProfitShare.amount` column holds. */
const MAX_FEN = 2_147_483_647;

export const RECEIVER_TYPES: readonly PayProfitSharingReceiverType[] = ['MERCHANT_ID', 'PERSONAL_OPENID'];
export const RELATION_TYPES: readonly ProfitSharingRelationType[] = [
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
];

function object<T>(api: string, request: unknown): Partial<T> {
  if (request === null || typeof request !== 'object' || Array.isArray(request)) {
    throw new WeChatPayInputError(api, ['the request must be an object']);
  }
  return request as Partial<T>;
}

/** An account of its type: a merchant's mch_id (digits) or an openid. */
function checkAccount(input: PayInput, name: string, type: unknown, account: unknown): void {
  input.oneOf(`${name}.type`, type, RECEIVER_TYPES);
  if (type === 'MERCHANT_ID')
    input.check(typeof account === 'string' && /^\d{6,32}$/.test(account), `${name}.account must be a mch_id (digits)`);
  else input.check(typeof account === 'string' && /^[0-9A-Za-z_-]{1,64}$/.test(account), `${name}.account must be an openid`);
}

/** An add-receiver request, checked. @internal */
export function checkAddReceiver(api: string, request: unknown): AddProfitSharingReceiverRequest {
  const req = object<AddProfitSharingReceiverRequest>(api, request);
  const input = new PayInput(api);
  checkAccount(input, 'receiver', req.type, req.account);
  input.text('name', req.name, 64, req.type === 'MERCHANT_ID');
  input.oneOf('relationType', req.relationType, RELATION_TYPES);
  input.text('customRelation', req.customRelation, 10, req.relationType === 'CUSTOM');
  input.check(req.customRelation === undefined || req.relationType === 'CUSTOM', 'customRelation is only for relationType CUSTOM');
  input.done();
  return req as AddProfitSharingReceiverRequest;
}

/** A delete-receiver request, checked. @internal */
export function checkDeleteReceiver(api: string, request: unknown): { type: PayProfitSharingReceiverType; account: string } {
  const req = object<{ type: PayProfitSharingReceiverType; account: string }>(api, request);
  const input = new PayInput(api);
  checkAccount(input, 'receiver', req.type, req.account);
  input.done();
  return req as { type: PayProfitSharingReceiverType; account: string };
}

/** A split request, checked (the order is resolved by the caller). Returns the total amount. @internal */
export function checkSplit(api: string, request: unknown): { req: RequestProfitSharingRequest; amount: number } {
  const req = object<RequestProfitSharingRequest>(api, request);
  const input = new PayInput(api);
  input.check(
    typeof req.order === 'number' ? Number.isSafeInteger(req.order) && req.order > 0 : typeof req.order?.id === 'number',
    'order must be a PayOrder or its id',
  );
  input.check(
    typeof req.outOrderNo === 'string' && OUT_SHARE_NO.test(req.outOrderNo),
    'outOrderNo must be 1–64 characters of [0-9A-Za-z_-|*@]',
  );
  input.check(typeof req.unfreezeUnsplit === 'boolean', 'unfreezeUnsplit must be a boolean');
  let amount = 0;
  const receivers = req.receivers;
  if (!Array.isArray(receivers) || receivers.length === 0 || receivers.length > MAX_RECEIVERS) {
    input.check(false, `receivers must be an array of 1–${MAX_RECEIVERS} receivers`);
  } else {
    const seen = new Set<string>();
    receivers.forEach((r, i) => {
      const line = (r ?? {}) as Partial<RequestProfitSharingRequest['receivers'][number]>;
      checkAccount(input, `receivers[${i}]`, line.type, line.account);
      amount += input.fen(`receivers[${i}].amount`, line.amount);
      input.text(`receivers[${i}].description`, line.description, 80);
      input.text(`receivers[${i}].name`, line.name, 64, false);
      const key = `${String(line.type)}:${String(line.account)}`;
      input.check(!seen.has(key), `receivers[${i}] names a receiver given already`);
      seen.add(key);
    });
  }
  input.check(amount <= MAX_FEN, `the receivers' amounts must add up to at most ${MAX_FEN} fen`);
  input.done();
  return { req: req as RequestProfitSharingRequest, amount };
}

/** A return request, checked. @internal */
export function checkReturn(api: string, request: unknown): ProfitSharingReturnRequest {
  const req = object<ProfitSharingReturnRequest>(api, request);
  const input = new PayInput(api);
  input.check(
    typeof req.outReturnNo === 'string' && OUT_SHARE_NO.test(req.outReturnNo),
    'outReturnNo must be 1–64 characters of [0-9A-Za-z_-|*@]',
  );
  input.check((req.outOrderNo === undefined) !== (req.orderId === undefined), 'give exactly one of outOrderNo and orderId');
  if (req.outOrderNo !== undefined)
    input.check(
      typeof req.outOrderNo === 'string' && OUT_SHARE_NO.test(req.outOrderNo),
      'outOrderNo must be 1–64 characters of [0-9A-Za-z_-|*@]',
    );
  if (req.orderId !== undefined)
    input.check(typeof req.orderId === 'string' && WECHAT_NO.test(req.orderId), 'orderId must be 1–64 letters or digits');
  input.check(typeof req.returnMchId === 'string' && /^\d{6,32}$/.test(req.returnMchId), 'returnMchId must be a mch_id (digits)');
  input.fen('amount', req.amount);
  input.text('description', req.description, 80);
  input.done();
  return req as ProfitSharingReturnRequest;
}

/** An `out_order_no` / `out_return_no` given alone, checked. @internal */
export function checkShareNo(api: string, name: string, value: unknown): string {
  if (typeof value !== 'string' || !OUT_SHARE_NO.test(value))
    throw new WeChatPayInputError(api, [`${name} must be 1–64 characters of [0-9A-Za-z_-|*@]`]);
  return value;
}

/** The body of `POST /v3/profitsharing/orders`, names left out (encrypted by the caller). @internal */
export function splitBody(appId: string, transactionId: string, req: RequestProfitSharingRequest): Record<string, unknown> {
  return {
    appid: appId,
    transaction_id: transactionId,
    out_order_no: req.outOrderNo,
    receivers: req.receivers.map((r) => ({ type: r.type, account: r.account, amount: r.amount, description: r.description })),
    unfreeze_unsplit: req.unfreezeUnsplit,
  };
}

/** The body of `POST /v3/profitsharing/return-orders`. @internal */
export function returnBody(req: ProfitSharingReturnRequest): Record<string, unknown> {
  return {
    ...(req.outOrderNo !== undefined ? { out_order_no: req.outOrderNo } : { order_id: req.orderId }),
    out_return_no: req.outReturnNo,
    return_mchid: req.returnMchId,
    amount: req.amount,
    description: req.description,
  };
}

/**
 * A keyed digest of what a split asks (HMAC-SHA256 under a key derived from the APIv3 key): a retry with one
 * `out_order_no` must ask the same. Keyed, so the stored digest does not let anyone guess a receiver's name. @internal
 */
export function splitDigest(apiV3Key: string, orderId: number, req: RequestProfitSharingRequest): string {
  const key = createHmac('sha256', apiV3Key).update('nestjs-miniprogram-api profit sharing request').digest();
  const content = JSON.stringify([
    orderId,
    req.unfreezeUnsplit,
    req.receivers.map((r) => [r.type, r.account, r.amount, r.description, r.name ?? null]),
  ]);
  return createHmac('sha256', key).update(content, 'utf8').digest('hex');
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const fen = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && !Object.is(value, -0) ? value : undefined;
const RESULTS = new Map<string, ProfitSharingReceiverLine['result']>([
  ['PENDING', 'PENDING'],
  ['SUCCESS', 'SUCCESS'],
  ['CLOSED', 'CLOSED'],
]);
const STATES = new Map<string, PayProfitShareState>([
  ['PROCESSING', 'PROCESSING'],
  ['FINISHED', 'FINISHED'],
]);

/** A split order of an answer (request, query, unfreeze), normalised. @internal */
export function normaliseSplit(raw: Record<string, unknown>): ProfitSharingOrder {
  const lines = Array.isArray(raw.receivers) ? raw.receivers : [];
  const receivers: ProfitSharingReceiverLine[] = [];
  for (const line of lines as Array<Record<string, unknown>>) {
    if (line === null || typeof line !== 'object') continue;
    const type = RECEIVER_TYPES.find((t) => t === line.type);
    const account = str(line.account);
    const amount = fen(line.amount);
    if (!type || !account || amount === undefined) continue;
    const result = typeof line.result === 'string' ? RESULTS.get(line.result) : undefined;
    receivers.push({
      type,
      account,
      amount,
      description: str(line.description) ?? '',
      ...(result ? { result } : {}),
      ...(str(line.fail_reason) ? { failReason: str(line.fail_reason)!.slice(0, 64) } : {}),
      ...(str(line.detail_id) ? { detailId: str(line.detail_id) } : {}),
      ...(parseRfc3339(line.finish_time) ? { finishTime: parseRfc3339(line.finish_time) } : {}),
    });
  }
  return {
    transactionId: str(raw.transaction_id),
    outOrderNo: str(raw.out_order_no) ?? '',
    orderId: str(raw.order_id),
    state: typeof raw.state === 'string' ? STATES.get(raw.state) : undefined,
    receivers,
    raw,
  };
}

/** A return of an answer, normalised. @internal */
export function normaliseReturn(raw: Record<string, unknown>): ProfitSharingReturn {
  const result = raw.result === 'PROCESSING' || raw.result === 'SUCCESS' || raw.result === 'FAILED' ? raw.result : undefined;
  return {
    outReturnNo: str(raw.out_return_no) ?? '',
    returnId: str(raw.return_id),
    outOrderNo: str(raw.out_order_no),
    orderId: str(raw.order_id),
    returnMchId: str(raw.return_mchid),
    amount: fen(raw.amount),
    result,
    failReason: str(raw.fail_reason),
    raw,
  };
}

/** The largest sum of splits an order of `totalFee` allows at `maxRatio` (rounded down to the fen). @internal */
export function splitLimit(totalFee: number, maxRatio: number): number {
  return Math.floor((totalFee * Math.round(maxRatio * 10_000)) / 10_000);
}
