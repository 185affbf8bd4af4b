import { ShippingInput, isRecord } from './shipping-input';
import type { WireOrderKey } from './shipping-input';
import { ShippingOrderState } from './wechat-shipping.interfaces';
import type {
  NotifyConfirmReceiveRequest,
  ShippingOrderListQuery,
  UploadCombinedShippingInfoRequest,
  UploadShippingInfoRequest,
} from './wechat-shipping.interfaces';

// Each builder checks one call's input field by field (every problem named in one WeChatInputError, nothing sent) and
// answers the JSON body WeChat takes, in its snake_case.

const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;
/** How far ahead of this server's clock a `receivedAt` may be (clock skew), in ms. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** `sub_orders` of a combined payment: WeChat Pay's combined orders (合单支付) hold at most 50 sub-orders. */
const MAX_SUB_ORDERS = 50;
/** `page_size` of `get_order_list`: WeChat's default is 100. */
const MAX_PAGE_SIZE = 100;
/** Seconds of `pay_time_range` are a 32-bit unsigned integer: WeChat reads an absent `end_time` as its maximum. */
const MAX_UINT32 = 0xffff_ffff;
const ORDER_STATES: readonly number[] = Object.values(ShippingOrderState);

/** A moment in RFC 3339 with milliseconds, in Beijing time, as WeChat's examples write `upload_time`. @internal */
export function rfc3339Beijing(date: Date): string {
  return new Date(date.getTime() + BEIJING_OFFSET_MS).toISOString().replace(/Z$/, '+08:00');
}

/** Epoch seconds of a moment, as the shipping APIs count time. */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** `upload_time`: the given moment, or now. */
function uploadTime(input: ShippingInput, value: unknown, now: Date): string | undefined {
  const date = value === undefined ? now : input.date('uploadTime', value);
  return date && rfc3339Beijing(date);
}

/** The body of `upload_shipping_info`. @internal */
export function uploadShippingBody(request: UploadShippingInfoRequest, now: Date): Record<string, unknown> {
  const input = new ShippingInput('uploadShippingInfo');
  const req = input.request(request);
  const body = {
    order_key: input.orderKey('orderKey', req.orderKey),
    ...input.shipment('', req),
    upload_time: uploadTime(input, req.uploadTime, now),
    payer: { openid: input.openId('payerOpenId', req.payerOpenId) },
  };
  input.done();
  return body;
}

/** The body of `upload_combined_shipping_info`: every sub-order keyed like the combined order. @internal */
export function uploadCombinedShippingBody(request: UploadCombinedShippingInfoRequest, now: Date): Record<string, unknown> {
  const input = new ShippingInput('uploadCombinedShippingInfo');
  const req = input.request(request);
  const orderKey = input.orderKey('orderKey', req.orderKey);
  const subOrders = Array.isArray(req.subOrders) ? req.subOrders : [];
  input.check(subOrders.length >= 1 && subOrders.length <= MAX_SUB_ORDERS, `subOrders must be a list of 1 to ${MAX_SUB_ORDERS} sub-orders`);
  const sub_orders = subOrders.slice(0, MAX_SUB_ORDERS).map((value: unknown, i) => {
    const name = `subOrders[${i}]`;
    const sub = input.object(name, value);
    if (!sub) return undefined;
    const key: WireOrderKey = input.orderKey(`${name}.orderKey`, sub.orderKey);
    input.check(
      key.order_number_type === orderKey.order_number_type,
      `${name}.orderKey must be of the same kind as orderKey (a transaction id, or mchId and outTradeNo)`,
    );
    return { order_key: key, ...input.shipment(name, sub) };
  });
  const body = {
    order_key: orderKey,
    sub_orders,
    upload_time: uploadTime(input, req.uploadTime, now),
    payer: { openid: input.openId('payerOpenId', req.payerOpenId) },
  };
  input.done();
  return body;
}

/** The payment of `get_order` and `notify_confirm_receive`: `transaction_id`, or `merchant_id` and `merchant_trade_no`. */
function queryKey(input: ShippingInput, value: unknown): Record<string, string> {
  const key = input.orderKey('orderKey', value);
  const subMchId = isRecord(value) ? value.subMchId : undefined;
  const sub = subMchId === undefined ? undefined : input.mchId('orderKey.subMchId', subMchId);
  return {
    ...(key.order_number_type === 2
      ? { transaction_id: key.transaction_id }
      : { merchant_id: key.mchid, merchant_trade_no: key.out_trade_no }),
    ...(sub !== undefined ? { sub_merchant_id: sub } : {}),
  };
}

/** The body of `get_order`. @internal */
export function getOrderBody(orderKey: unknown): Record<string, unknown> {
  const input = new ShippingInput('getOrder');
  const body = queryKey(input, orderKey);
  input.done();
  return body;
}

/** The body of `get_order_list`: only the filters given. @internal */
export function getOrderListBody(query: ShippingOrderListQuery = {}): Record<string, unknown> {
  const input = new ShippingInput('getOrderList');
  const q = input.request(query);
  const from = q.paidFrom === undefined ? undefined : input.date('paidFrom', q.paidFrom);
  const to = q.paidTo === undefined ? undefined : input.date('paidTo', q.paidTo);
  for (const [name, date] of [
    ['paidFrom', from],
    ['paidTo', to],
  ] as const) {
    if (date) input.check(date.getTime() >= 0 && seconds(date) <= MAX_UINT32, `${name} must be between 1970 and 2106 (32-bit seconds)`);
  }
  if (from && to) input.check(from.getTime() <= to.getTime(), 'paidFrom must not be after paidTo');
  const state = q.state === undefined ? undefined : input.oneOf('state', q.state, ORDER_STATES);
  const openid = q.payerOpenId === undefined ? undefined : input.openId('payerOpenId', q.payerOpenId);
  const lastIndex = input.text('lastIndex', q.lastIndex, { maxBytes: 1024 }, false);
  const pageSize = q.pageSize;
  if (pageSize !== undefined) {
    input.check(
      Number.isInteger(pageSize) && (pageSize as number) >= 1 && (pageSize as number) <= MAX_PAGE_SIZE,
      `pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}`,
    );
  }
  input.done();
  return {
    ...(from || to ? { pay_time_range: { ...(from ? { begin_time: seconds(from) } : {}), ...(to ? { end_time: seconds(to) } : {}) } } : {}),
    ...(state !== undefined ? { order_state: state } : {}),
    ...(openid !== undefined ? { openid } : {}),
    ...(lastIndex !== undefined ? { last_index: lastIndex } : {}),
    ...(pageSize !== undefined ? { page_size: pageSize } : {}),
  };
}

/** The body of `notify_confirm_receive`: `received_time` in seconds, never in the future. @internal */
export function notifyConfirmReceiveBody(request: NotifyConfirmReceiveRequest, now: Date): Record<string, unknown> {
  const input = new ShippingInput('notifyConfirmReceive');
  const req = input.request(request);
  const key = queryKey(input, req.orderKey);
  const receivedAt = input.date('receivedAt', req.receivedAt);
  if (receivedAt) input.check(receivedAt.getTime() <= now.getTime() + CLOCK_SKEW_MS, 'receivedAt must not be in the future');
  input.done();
  return { ...key, received_time: seconds(receivedAt as Date) };
}

/**
 * The body of `set_msg_jump_path`: a page path of the mini program, with a query if wanted (WeChat appends
 * `transaction_id`, `merchant_id`, `merchant_trade_no`); `''` goes back to WeChat's own confirmation page.
 * @internal
 */
export function msgJumpPathBody(path: unknown): Record<string, unknown> {
  const input = new ShippingInput('setMsgJumpPath');
  if (path !== '') {
    input.text('path', path, { max: 1024 });
    input.check(typeof path !== 'string' || !/\s/.test(path), 'path must not contain white space');
  }
  input.done();
  return { path };
}
