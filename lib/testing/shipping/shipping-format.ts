import type { OrderRecord } from '../pay/pay-state';
import { WeChatErrcode } from '../server/simulator.constants';
import { isPlainObject } from '../server/simulator-http';
import { ShippingErrcode, refuseUnless } from './shipping-checks';
import type { ShippingState } from './shipping-state';

// The answers of get_order and get_order_list in WeChat's shape (developers.weixin.qq.com/miniprogram/dev/server/API/
// order_shipping/api_getorder and api_getorderlist): times in seconds, `shipping` `{}` until something was uploaded.

/** `page_size` when none is given: WeChat's default. */
const DEFAULT_PAGE_SIZE = 100;
/** `description` is cut at 120 characters and ends with `...` then. */
const DESCRIPTION_MAX = 120;

/** Epoch seconds of epoch ms. */
function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/** The goods descriptions of an order's parcels joined by `;`, cut as WeChat cuts them. */
function description(itemDescs: string[]): string {
  const chars = [...itemDescs.join(';')];
  return chars.length > DESCRIPTION_MAX ? `${chars.slice(0, DESCRIPTION_MAX).join('')}...` : chars.join('');
}

/** A paid order as `get_order` answers it (`order`). @internal */
export function wireOrder(state: ShippingState, order: OrderRecord): Record<string, unknown> {
  const { shipping } = state.record(order);
  const goods = description(shipping?.parcels.map((parcel) => parcel.itemDesc) ?? []);
  return {
    transaction_id: order.transactionId,
    merchant_trade_no: order.outTradeNo,
    merchant_id: order.mchId,
    sub_merchant_id: '',
    description: goods,
    paid_amount: order.totalFee,
    openid: order.openId ?? '',
    trade_create_time: seconds(order.createdAt),
    pay_time: seconds(order.paidAt as number),
    in_complaint: false,
    order_state: state.stateOf(order),
    shipping: shipping
      ? {
          delivery_mode: shipping.deliveryMode,
          logistics_type: shipping.logisticsType,
          finish_shipping: shipping.finishShipping,
          finish_shipping_count: shipping.finishShippingCount,
          goods_desc: goods,
          shipping_list: shipping.parcels.map((parcel) => ({
            ...(parcel.trackingNo !== undefined ? { tracking_no: parcel.trackingNo } : {}),
            ...(parcel.expressCompany !== undefined ? { express_company: parcel.expressCompany } : {}),
            goods_desc: parcel.itemDesc,
            upload_time: seconds(parcel.uploadedAt),
            ...(parcel.consignorContact !== undefined || parcel.receiverContact !== undefined
              ? {
                  contact: {
                    ...(parcel.consignorContact !== undefined ? { consignor_contact: parcel.consignorContact } : {}),
                    ...(parcel.receiverContact !== undefined ? { receiver_contact: parcel.receiverContact } : {}),
                  },
                }
              : {}),
          })),
        }
      : {},
  };
}

/** An optional number field of a query; anything but a number is 47001. */
function optionalNumber(value: unknown): number | undefined {
  refuseUnless(value === undefined || typeof value === 'number', WeChatErrcode.DATA_FORMAT_ERROR);
  return value as number | undefined;
}

/** `last_index` of the page after `offset`: opaque hex, as WeChat's look. */
function lastIndexOf(offset: number): string {
  return Buffer.from(`sim:${offset}`, 'utf8').toString('hex');
}

/** The offset a `last_index` stands for, or WeChat's 10060011. */
function offsetOf(lastIndex: unknown): number {
  if (lastIndex === undefined || lastIndex === '') return 0;
  refuseUnless(typeof lastIndex === 'string', WeChatErrcode.DATA_FORMAT_ERROR);
  const text = /^(?:[0-9a-f]{2})+$/.test(lastIndex as string) ? Buffer.from(lastIndex as string, 'hex').toString('utf8') : '';
  const match = /^sim:(0|[1-9][0-9]{0,8})$/.exec(text);
  refuseUnless(match !== null, ShippingErrcode.BAD_LAST_INDEX);
  return Number((match as RegExpExecArray)[1]);
}

/**
 * A page of `get_order_list`: the app's paid orders, paid first first, filtered by `pay_time_range` (inclusive, in
 * seconds), `order_state` and `openid`; `page_size` 1 or more (above 100 read as 100: WeChat documents only its default).
 * @internal
 */
export function orderPage(state: ShippingState, appId: string, body: Record<string, unknown>): Record<string, unknown> {
  refuseUnless(body.pay_time_range === undefined || isPlainObject(body.pay_time_range), WeChatErrcode.DATA_FORMAT_ERROR);
  const range = (body.pay_time_range ?? {}) as Record<string, unknown>;
  const begin = optionalNumber(range.begin_time) ?? 0;
  const end = optionalNumber(range.end_time) ?? 0xffff_ffff;
  const orderState = optionalNumber(body.order_state);
  refuseUnless(body.openid === undefined || typeof body.openid === 'string', WeChatErrcode.DATA_FORMAT_ERROR);
  const pageSize = optionalNumber(body.page_size) ?? DEFAULT_PAGE_SIZE;
  refuseUnless(Number.isInteger(pageSize) && pageSize >= 1, ShippingErrcode.BAD_PARAMETER, 'page_size must be a positive integer');
  const offset = offsetOf(body.last_index);
  const matching = state.paidOrders(appId).filter((order) => {
    const paid = seconds(order.paidAt as number);
    return (
      paid >= begin &&
      paid <= end &&
      (orderState === undefined || state.stateOf(order) === orderState) &&
      (body.openid === undefined || order.openId === body.openid)
    );
  });
  const page = matching.slice(offset, offset + Math.min(pageSize, DEFAULT_PAGE_SIZE));
  const next = offset + page.length;
  return {
    order_list: page.map((order) => wireOrder(state, order)),
    last_index: lastIndexOf(next),
    has_more: next < matching.length,
  };
}
