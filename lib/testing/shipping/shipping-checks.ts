import { WeChatErrcode } from '../server/simulator.constants';
import { isPlainObject } from '../server/simulator-http';

// WeChat's checks of the order-shipping requests, with the errcodes of the API pages' 错误码 tables
// (developers.weixin.qq.com/miniprogram/dev/server/API/order_shipping/api_uploadshippinginfo and the others). Which
// errcode comes first when a request has several faults is not documented; the order here is: the JSON's shape (47001,
// as WeChat answers a `shipping_list` that is not a list), the order key, the upload time, the modes, the list, each
// parcel, the payer.

/** The errcodes of the shipping APIs the simulator answers. @internal */
export const ShippingErrcode = {
  NO_SUCH_PAYMENT: 10060001,
  SHIPPING_COMPLETED: 10060002,
  RESHIPMENT_USED: 10060003,
  NOT_SHIPPABLE: 10060004,
  BAD_LOGISTICS_TYPE: 10060005,
  SPLIT_NOT_EXPRESS: 10060006,
  SPLIT_NEEDS_ALL_DELIVERED: 10060007,
  ITEM_DESC_EMPTY: 10060008,
  ITEM_DESC_TOO_LONG: 10060009,
  BAD_LAST_INDEX: 10060011,
  BAD_PARAMETER: 10060014,
  NOT_UPDATED: 10060023,
  LIST_TOO_LONG: 10060024,
  EXPRESS_COMPANY_TOO_LONG: 10060025,
  TRACKING_NO_TOO_LONG: 10060026,
  BAD_RECEIVED_TIME: 10060029,
  REMINDER_USED: 10060030,
  OTHER_PAYER: 10060031,
  REMINDER_NOT_EXPRESS: 10060032,
  BAD_ORDER_NUMBER_TYPE: 268485194,
  TRANSACTION_ID_MISSING: 268485195,
  MCHID_MISSING: 268485196,
  OUT_TRADE_NO_MISSING: 268485197,
  BAD_UPLOAD_TIME: 268485216,
  BAD_DELIVERY_MODE: 268485224,
  TRACKING_NO_MISSING: 268485226,
  EXPRESS_COMPANY_MISSING: 268485227,
  UNIFIED_NEEDS_ONE: 268485228,
  INVALID_APPID: 40013,
  APPID_MISSING: 40097,
} as const;

/** WeChat's wording of each (the simulator appends `, rid: …`). @internal */
export const SHIPPING_ERRMSG: Readonly<Record<number, string>> = {
  10060001: '支付单不存在',
  10060002: '支付单已完成发货，无法继续发货',
  10060003: '支付单已使用重新发货机会',
  10060004: '支付单处于不可发货的状态',
  10060005: '物流类型有误',
  10060006: '非快递发货时不允许分拆发货',
  10060007: '分拆发货模式下必须填写 is_all_delivered 字段',
  10060008: '商品描述 item_desc 字段不能为空',
  10060009: '商品描述 item_desc 字段太长',
  10060011: 'last_index不合法',
  10060014: '参数错误',
  10060023: '发货信息未更新',
  10060024: '物流信息列表太长',
  10060025: '物流公司编码太长',
  10060026: '物流单号太长',
  10060029: '签收时间不合理',
  10060030: '支付单已使用提醒收货机会',
  10060031: '该笔支付单不属于 openid 所指定的用户',
  10060032: '只有物流快递发货时允许提醒用户确认收货',
  268485194: '订单单号类型非法',
  268485195: '微信支付单号形式下 transaction_id 字段不能为空',
  268485196: '商户侧单号形式下 mchid 字段不能为空',
  268485197: '商户侧单号形式下 out_trade_no 字段不能为空',
  268485216: '上传时间非法，请按照 RFC 3339 格式填写',
  268485224: '发货模式非法',
  268485226: '物流单号不能为空',
  268485227: '物流公司编码不能为空',
  268485228: '统一发货模式下，物流信息列表长度必须为 1',
  40013: 'invalid appid',
  40097: 'invalid args',
};

/** A request WeChat refuses: its errcode, and for 10060014 a hint saying which parameter. @internal */
export class ShippingRefused extends Error {
  constructor(
    readonly errcode: number,
    readonly hint?: string,
  ) {
    super(hint ?? String(errcode));
  }
}

/** Throws WeChat's refusal unless `ok`. @internal */
export function refuseUnless(ok: boolean, errcode: number, hint?: string): void {
  if (!ok) throw new ShippingRefused(errcode, hint);
}

/** An `order_key`: by transaction id (type 2) or by merchant id and out_trade_no (type 1). @internal */
export type ParsedOrderKey = { type: 2; transactionId: string } | { type: 1; mchId: string; outTradeNo: string };

/** One parcel of `shipping_list`. @internal */
export interface ParsedParcel {
  trackingNo?: string;
  expressCompany?: string;
  itemDesc: string;
  consignorContact?: string;
  receiverContact?: string;
}

/** How one payment was shipped: an upload's body, or a combined upload's sub-order. @internal */
export interface ParsedShipment {
  logisticsType: 1 | 2 | 3 | 4;
  deliveryMode: 1 | 2;
  isAllDelivered?: boolean;
  parcels: ParsedParcel[];
}

/** RFC 3339's date-time with a zone offset: what `upload_time` must be. */
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** A JSON field of the wrong type: WeChat's 47001. */
function formatUnless(ok: boolean): void {
  refuseUnless(ok, WeChatErrcode.DATA_FORMAT_ERROR);
}

/** An optional text field; `''` reads as absent, anything but text is 47001. */
function optionalText(value: unknown): string | undefined {
  formatUnless(value === undefined || typeof value === 'string');
  return value === '' ? undefined : (value as string | undefined);
}

/** `order_key` (or a sub-order's). @internal */
export function parseOrderKey(value: unknown): ParsedOrderKey {
  formatUnless(isPlainObject(value));
  const key = value as Record<string, unknown>;
  formatUnless(typeof key.order_number_type === 'number');
  const transactionId = optionalText(key.transaction_id);
  const mchId = optionalText(key.mchid);
  const outTradeNo = optionalText(key.out_trade_no);
  if (key.order_number_type === 2) {
    refuseUnless(transactionId !== undefined, ShippingErrcode.TRANSACTION_ID_MISSING);
    return { type: 2, transactionId: transactionId as string };
  }
  refuseUnless(key.order_number_type === 1, ShippingErrcode.BAD_ORDER_NUMBER_TYPE);
  refuseUnless(mchId !== undefined, ShippingErrcode.MCHID_MISSING);
  refuseUnless(outTradeNo !== undefined, ShippingErrcode.OUT_TRADE_NO_MISSING);
  return { type: 1, mchId: mchId as string, outTradeNo: outTradeNo as string };
}

/** RFC 3339 with a zone (`2022-12-15T13:29:35.120+08:00`), as epoch ms; 268485216 otherwise. @internal */
export function parseUploadTime(value: unknown): number {
  formatUnless(typeof value === 'string');
  const match = RFC_3339.exec(value as string);
  refuseUnless(match !== null, ShippingErrcode.BAD_UPLOAD_TIME);
  const [year, month, day, hour, minute, second] = (match as RegExpExecArray).slice(1, 7).map(Number);
  const [fraction = '', zone] = (match as RegExpExecArray).slice(7);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const real = new Date(utc).getUTCDate() === day && month >= 1 && month <= 12 && hour < 24 && minute < 60 && second < 60;
  refuseUnless(real, ShippingErrcode.BAD_UPLOAD_TIME);
  const offsetMinutes = /^z$/i.test(zone) ? 0 : (zone.startsWith('-') ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
  return utc - offsetMinutes * 60_000 + Math.floor(Number(`0${fraction}`) * 1000);
}

/** `payer.openid`. @internal */
export function parsePayer(value: unknown): string {
  formatUnless(isPlainObject(value));
  const openId = (value as Record<string, unknown>).openid;
  formatUnless(typeof openId === 'string');
  refuseUnless(openId !== '', ShippingErrcode.BAD_PARAMETER, 'payer.openid is empty');
  return openId as string;
}

/** The shipping of one payment: modes, list and parcels, with WeChat's rules. @internal */
export function parseShipment(body: Record<string, unknown>): ParsedShipment {
  formatUnless(typeof body.logistics_type === 'number' && typeof body.delivery_mode === 'number');
  formatUnless(body.is_all_delivered === undefined || typeof body.is_all_delivered === 'boolean');
  formatUnless(Array.isArray(body.shipping_list));
  const logisticsType = body.logistics_type as number;
  const deliveryMode = body.delivery_mode as number;
  const list = body.shipping_list as unknown[];
  refuseUnless([1, 2, 3, 4].includes(logisticsType), ShippingErrcode.BAD_LOGISTICS_TYPE);
  refuseUnless(deliveryMode === 1 || deliveryMode === 2, ShippingErrcode.BAD_DELIVERY_MODE);
  if (deliveryMode === 2) {
    refuseUnless(logisticsType === 1, ShippingErrcode.SPLIT_NOT_EXPRESS);
    refuseUnless(body.is_all_delivered !== undefined, ShippingErrcode.SPLIT_NEEDS_ALL_DELIVERED);
  }
  refuseUnless(list.length > 0, ShippingErrcode.BAD_PARAMETER, 'shipping_list is empty');
  refuseUnless(list.length <= 15, ShippingErrcode.LIST_TOO_LONG);
  refuseUnless(deliveryMode === 2 || list.length === 1, ShippingErrcode.UNIFIED_NEEDS_ONE);
  return {
    logisticsType: logisticsType as ParsedShipment['logisticsType'],
    deliveryMode: deliveryMode as ParsedShipment['deliveryMode'],
    ...(deliveryMode === 2 ? { isAllDelivered: body.is_all_delivered as boolean } : {}),
    parcels: list.map((item) => parseParcel(item, logisticsType === 1)),
  };
}

/** One parcel: `item_desc` 1–120 characters; for express a tracking number and a carrier of 1–128 bytes; SF a contact. */
function parseParcel(value: unknown, express: boolean): ParsedParcel {
  formatUnless(isPlainObject(value));
  const item = value as Record<string, unknown>;
  formatUnless(item.contact === undefined || isPlainObject(item.contact));
  const contact = (item.contact ?? {}) as Record<string, unknown>;
  const itemDesc = optionalText(item.item_desc);
  const trackingNo = optionalText(item.tracking_no);
  const expressCompany = optionalText(item.express_company);
  const consignorContact = optionalText(contact.consignor_contact);
  const receiverContact = optionalText(contact.receiver_contact);
  refuseUnless(itemDesc !== undefined, ShippingErrcode.ITEM_DESC_EMPTY);
  refuseUnless([...(itemDesc as string)].length <= 120, ShippingErrcode.ITEM_DESC_TOO_LONG);
  if (express) {
    refuseUnless(trackingNo !== undefined, ShippingErrcode.TRACKING_NO_MISSING);
    refuseUnless(expressCompany !== undefined, ShippingErrcode.EXPRESS_COMPANY_MISSING);
  }
  refuseUnless(Buffer.byteLength(trackingNo ?? '') <= 128, ShippingErrcode.TRACKING_NO_TOO_LONG);
  refuseUnless(Buffer.byteLength(expressCompany ?? '') <= 128, ShippingErrcode.EXPRESS_COMPANY_TOO_LONG);
  for (const [name, phone] of [
    ['consignor_contact', consignorContact],
    ['receiver_contact', receiverContact],
  ] as const) {
    if (phone === undefined) continue;
    const marks = phone.replace(/[^0-9*]/g, '');
    refuseUnless(
      phone.length <= 1024 && /[0-9]{4}$/.test(marks),
      ShippingErrcode.BAD_PARAMETER,
      `${name} must keep its last 4 digits unmasked`,
    );
  }
  const sf = expressCompany === 'SF';
  refuseUnless(
    !sf || consignorContact !== undefined || receiverContact !== undefined,
    ShippingErrcode.BAD_PARAMETER,
    'contact is required with SF',
  );
  return {
    itemDesc: itemDesc as string,
    ...(trackingNo !== undefined ? { trackingNo } : {}),
    ...(expressCompany !== undefined ? { expressCompany } : {}),
    ...(consignorContact !== undefined ? { consignorContact } : {}),
    ...(receiverContact !== undefined ? { receiverContact } : {}),
  };
}
