import { WeChatUnavailableError } from '../errors/wechat-api.error';
import { isRecord } from './shipping-input';
import { ShippingDeliveryMode, ShippingLogisticsType, ShippingOrderState } from './wechat-shipping.interfaces';
import type {
  ShippedItem,
  ShippingContact,
  ShippingDetails,
  ShippingOrder,
  ShippingOrderList,
  ShippingOrderState as OrderState,
} from './wechat-shipping.interfaces';

// Reads WeChat's answers (get_order, get_order_list, is_trade_managed, …) into the typed results: times in seconds as
// Dates, enums checked. A required field that is missing or an enum value the module does not know is not guessed at:
// the call fails with WeChatUnavailableError `invalid-response`, as an unknown trade state does in WeChatPayService.

const ORDER_STATES: readonly number[] = Object.values(ShippingOrderState);
const LOGISTICS_TYPES: readonly number[] = Object.values(ShippingLogisticsType);
const DELIVERY_MODES: readonly number[] = Object.values(ShippingDeliveryMode);

/** A field of an answer that is not what WeChat documents. */
function invalid(api: string, detail: string): WeChatUnavailableError {
  return new WeChatUnavailableError(api, 'invalid-response', detail);
}

/** A non-negative integer field, which WeChat may quote. */
function integer(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^(?:0|[1-9][0-9]*)$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** A text field; `''` reads as absent. */
function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A time in epoch seconds, as a Date. */
function time(value: unknown): Date | undefined {
  const n = integer(value);
  return n === undefined ? undefined : new Date(n * 1000);
}

/** `enumValue` of `allowed`, or the answer is refused. */
function member<T extends number>(api: string, name: string, value: unknown, allowed: readonly number[]): T {
  const n = integer(value);
  if (n === undefined || !allowed.includes(n)) throw invalid(api, `unknown ${name} ${JSON.stringify(value)}`);
  return n as T;
}

function contactOf(value: unknown): ShippingContact | undefined {
  if (!isRecord(value)) return undefined;
  const consignorContact = text(value.consignor_contact);
  const receiverContact = text(value.receiver_contact);
  if (consignorContact === undefined && receiverContact === undefined) return undefined;
  return { ...(consignorContact ? { consignorContact } : {}), ...(receiverContact ? { receiverContact } : {}) };
}

function shippedItem(value: unknown): ShippedItem {
  const item = isRecord(value) ? value : {};
  const fields: ShippedItem = {
    trackingNo: text(item.tracking_no),
    expressCompany: text(item.express_company),
    goodsDesc: text(item.goods_desc),
    uploadedAt: time(item.upload_time),
    contact: contactOf(item.contact),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as ShippedItem;
}

/** `order.shipping`; WeChat answers `{}` for a payment nothing was uploaded for. */
function shippingOf(api: string, value: unknown): ShippingDetails | undefined {
  if (!isRecord(value) || Object.keys(value).length === 0) return undefined;
  const goodsDesc = text(value.goods_desc);
  return {
    deliveryMode: member(api, 'delivery_mode', value.delivery_mode, DELIVERY_MODES),
    logisticsType: member(api, 'logistics_type', value.logistics_type, LOGISTICS_TYPES),
    finishShipping: value.finish_shipping === true,
    finishShippingCount: integer(value.finish_shipping_count) ?? 0,
    ...(goodsDesc !== undefined ? { goodsDesc } : {}),
    shippingList: Array.isArray(value.shipping_list) ? value.shipping_list.map(shippedItem) : [],
  };
}

/** A payment of `get_order` or `get_order_list`. @internal */
export function readShippingOrder(api: string, value: unknown): ShippingOrder {
  if (!isRecord(value)) throw invalid(api, 'order missing');
  const transactionId = text(value.transaction_id);
  const mchId = text(value.merchant_id);
  const outTradeNo = text(value.merchant_trade_no);
  const payerOpenId = text(value.openid);
  const paidAmount = integer(value.paid_amount);
  const tradeCreatedAt = time(value.trade_create_time);
  const paidAt = time(value.pay_time);
  if (!transactionId || !mchId || !outTradeNo || !payerOpenId || paidAmount === undefined || !tradeCreatedAt || !paidAt) {
    throw invalid(api, 'an order lacks transaction_id, merchant_id, merchant_trade_no, openid, paid_amount or its times');
  }
  const subMchId = text(value.sub_merchant_id);
  const shipping = shippingOf(api, value.shipping);
  return {
    transactionId,
    mchId,
    ...(subMchId !== undefined ? { subMchId } : {}),
    outTradeNo,
    description: typeof value.description === 'string' ? value.description : '',
    paidAmount,
    payerOpenId,
    tradeCreatedAt,
    paidAt,
    state: member<OrderState>(api, 'order_state', value.order_state, ORDER_STATES),
    inComplaint: value.in_complaint === true,
    ...(shipping !== undefined ? { shipping } : {}),
  };
}

/** A page of `get_order_list`. @internal */
export function readShippingOrderList(api: string, json: Record<string, unknown>): ShippingOrderList {
  if (json.order_list !== undefined && !Array.isArray(json.order_list)) throw invalid(api, 'order_list is not a list');
  const lastIndex = text(json.last_index);
  return {
    orders: ((json.order_list as unknown[] | undefined) ?? []).map((order) => readShippingOrder(api, order)),
    hasMore: json.has_more === true,
    ...(lastIndex !== undefined ? { lastIndex } : {}),
  };
}

/** A boolean field of an answer (`is_trade_managed`, `completed`). @internal */
export function readFlag(api: string, json: Record<string, unknown>, name: string): boolean {
  const value = json[name];
  if (typeof value !== 'boolean') throw invalid(api, `${name} missing`);
  return value;
}
