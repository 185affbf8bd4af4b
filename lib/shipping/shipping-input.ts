import { WeChatInputError } from '../errors/wechat-input.error';
import { ShippingDeliveryMode, ShippingLogisticsType } from './wechat-shipping.interfaces';

// The limits are WeChat's, from the API pages of upload_shipping_info and upload_combined_shipping_info
// (developers.weixin.qq.com/miniprogram/dev/server/API/order_shipping/): `item_desc` 限120个字以内, `tracking_no` and
// `express_company` 字符字节限制 [1, 128], `shipping_list` 多重性 [1, 15], `payer.openid` [1, 128] bytes, `contact` 采用掩码传输，
// 最后4位数字不能打掩码 (0 ≤ length ≤ 1024), 当发货的物流公司为顺丰时，联系方式为必填. Checking them here names every
// problem at once, where WeChat names one errcode per call and a refused upload costs a round trip.

/** An openid: WeChat's are 28 characters of this alphabet; the API takes 1–128 bytes. */
const OPENID = /^[A-Za-z0-9_-]{1,128}$/;
/** WeChat Pay's `transaction_id` (string[1, 32]; 28 digits in practice). */
const TRANSACTION_ID = /^[0-9A-Za-z]{1,32}$/;
/** WeChat Pay's `mchid`: digits. */
const MCH_ID = /^[0-9]{1,32}$/;
/** WeChat Pay's `out_trade_no`: 6–32 of these (`|` and `*` are allowed by API v2). */
const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
/** What a masked phone number is written with: digits, `*`, `-`, `+` and spaces (`+86-177****1234`, `0**2-***1234`). */
const CONTACT = /^[0-9*+\- ]+$/;
// eslint-disable-next-line no-control-regex -- control characters are what this finds
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** SF Express's `delivery_id` in WeChat's carrier list (`get_delivery_list`): its parcels need a contact. */
const SF_EXPRESS = 'SF';

const LOGISTICS_TYPES: readonly number[] = Object.values(ShippingLogisticsType);
const DELIVERY_MODES: readonly number[] = Object.values(ShippingDeliveryMode);

/** `order_key` as WeChat takes it. @internal */
export type WireOrderKey = { order_number_type: 2; transaction_id: string } | { order_number_type: 1; mchid: string; out_trade_no: string };

/** How one payment was shipped, as WeChat takes it (`sub_orders[]` without its `order_key`). @internal */
export interface WireShipment {
  logistics_type: number;
  delivery_mode: number;
  is_all_delivered?: boolean;
  shipping_list: Array<Record<string, unknown>>;
}

/** `name.key`, or `key` at the top level of a request. */
function field(name: string, key: string): string {
  return name ? `${name}.${key}` : key;
}

/** Whether a value is a non-null, non-array object. @internal */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Collects the input problems of one call and throws them together as a {@link WeChatInputError}; each check returns
 * the value to send (`undefined` when it was refused).
 * @internal
 */
export class ShippingInput {
  private readonly problems: string[] = [];

  constructor(private readonly api: string) {}

  /** Records `problem` unless `ok`; returns `ok`. */
  check(ok: boolean, problem: string): boolean {
    if (!ok) this.problems.push(problem);
    return ok;
  }

  /** An object, or a problem (and `undefined`: what is inside it is not looked at). */
  object(name: string, value: unknown): Record<string, unknown> | undefined {
    return this.check(isRecord(value), `${name} must be an object`) ? (value as Record<string, unknown>) : undefined;
  }

  /** The request object itself: anything else is the only problem there is to name. */
  request(value: unknown): Record<string, unknown> {
    if (!isRecord(value)) throw new WeChatInputError(this.api, ['the request must be an object']);
    return value;
  }

  /**
   * Text of 1 to `max` characters (code points), or of 1 to `maxBytes` UTF-8 bytes, without control characters, lone
   * surrogates or U+FFFE/U+FFFF (WeChat shows none of them, and PostgreSQL stores no U+0000). `undefined` when absent
   * and not `required`.
   */
  text(name: string, value: unknown, limit: { max?: number; maxBytes?: number }, required = true): string | undefined {
    if (value === undefined && !required) return undefined;
    const size = limit.max !== undefined ? `${limit.max} characters` : `${limit.maxBytes} bytes`;
    if (typeof value !== 'string' || value.length === 0) {
      this.problems.push(`${name} must be a non-empty string of at most ${size}`);
      return undefined;
    }
    const tooLong =
      (limit.max !== undefined && [...value].length > limit.max) ||
      (limit.maxBytes !== undefined && Buffer.byteLength(value, 'utf8') > limit.maxBytes);
    if (!this.check(!tooLong, `${name} must be at most ${size}`)) return undefined;
    return this.check(!UNPRINTABLE.test(value), `${name} must not contain control characters, lone surrogates or U+FFFE/U+FFFF`)
      ? value
      : undefined;
  }

  /** A string matching `shape`, described as `described`. */
  matching(name: string, value: unknown, shape: RegExp, described: string): string | undefined {
    return this.check(typeof value === 'string' && shape.test(value), `${name} must be ${described}`) ? (value as string) : undefined;
  }

  openId(name: string, value: unknown): string | undefined {
    return this.matching(name, value, OPENID, 'an openid: 1–128 characters of [A-Za-z0-9_-]');
  }

  transactionId(name: string, value: unknown): string | undefined {
    return this.matching(name, value, TRANSACTION_ID, 'a WeChat Pay transaction id: 1–32 letters or digits');
  }

  mchId(name: string, value: unknown): string | undefined {
    return this.matching(name, value, MCH_ID, 'a merchant id: 1–32 digits');
  }

  outTradeNo(name: string, value: unknown): string | undefined {
    return this.matching(name, value, OUT_TRADE_NO, 'an out_trade_no: 6–32 characters of [0-9A-Za-z_-|*]');
  }

  /** A `Date` that is a real moment. */
  date(name: string, value: unknown): Date | undefined {
    return this.check(value instanceof Date && !Number.isNaN(value.getTime()), `${name} must be a valid Date`)
      ? (value as Date)
      : undefined;
  }

  /** One of `allowed`. */
  oneOf(name: string, value: unknown, allowed: readonly number[]): number {
    this.check(allowed.includes(value as number), `${name} must be one of ${allowed.join(', ')}`);
    return value as number;
  }

  /** `order_key`: by transaction id (type 2), or by merchant id and out_trade_no (type 1); never both. */
  orderKey(name: string, value: unknown): WireOrderKey {
    const key = this.object(name, value);
    // Never sent: done() throws for the problem just named.
    if (!key) return { order_number_type: 2, transaction_id: '' };
    if (key.transactionId !== undefined) {
      this.check(key.mchId === undefined && key.outTradeNo === undefined, `${name}: give transactionId, or mchId and outTradeNo, not both`);
      return { order_number_type: 2, transaction_id: this.transactionId(`${name}.transactionId`, key.transactionId) as string };
    }
    const mchid = this.mchId(`${name}.mchId`, key.mchId) as string;
    return { order_number_type: 1, mchid, out_trade_no: this.outTradeNo(`${name}.outTradeNo`, key.outTradeNo) as string };
  }

  /**
   * How one payment was shipped: the logistics type and delivery mode WeChat knows, split delivery only by express and
   * with `isAllDelivered`, one parcel in unified delivery and at most 15 in split delivery, and each parcel checked.
   */
  shipment(name: string, input: Record<string, unknown>): WireShipment {
    const logistics = this.oneOf(field(name, 'logisticsType'), input.logisticsType, LOGISTICS_TYPES);
    const mode = this.oneOf(field(name, 'deliveryMode'), input.deliveryMode ?? ShippingDeliveryMode.Unified, DELIVERY_MODES);
    const split = mode === ShippingDeliveryMode.Split;
    const express = logistics === ShippingLogisticsType.Express;
    const isAllDelivered = field(name, 'isAllDelivered');
    if (split) {
      this.check(express, `${field(name, 'deliveryMode')}: split delivery (2) is only allowed with express logistics (logisticsType 1)`);
      this.check(typeof input.isAllDelivered === 'boolean', `${isAllDelivered} is required with split delivery (a boolean)`);
    } else {
      this.check(input.isAllDelivered === undefined || typeof input.isAllDelivered === 'boolean', `${isAllDelivered} must be a boolean`);
    }
    const list = Array.isArray(input.shippingList) ? input.shippingList : [];
    const count = split ? 'of 1 to 15 parcels' : 'of exactly one parcel in unified delivery';
    const listName = field(name, 'shippingList');
    this.check(list.length >= 1 && list.length <= (split ? 15 : 1), `${listName} must be a list ${count}`);
    return {
      logistics_type: logistics,
      delivery_mode: mode,
      ...(typeof input.isAllDelivered === 'boolean' ? { is_all_delivered: input.isAllDelivered } : {}),
      shipping_list: list.slice(0, 15).map((item, i) => this.parcel(`${listName}[${i}]`, item, express)),
    };
  }

  /** Throws the collected problems, if any. */
  done(): void {
    if (this.problems.length > 0) throw new WeChatInputError(this.api, this.problems);
  }

  /** One parcel: express needs its tracking number and carrier; SF Express a contact. */
  private parcel(name: string, value: unknown, express: boolean): Record<string, unknown> {
    const item = this.object(name, value);
    if (!item) return {};
    const itemDesc = this.text(`${name}.itemDesc`, item.itemDesc, { max: 120 });
    if (express) {
      this.check(item.trackingNo !== undefined, `${name}.trackingNo is required for express logistics (logisticsType 1)`);
      this.check(item.expressCompany !== undefined, `${name}.expressCompany is required for express logistics (logisticsType 1)`);
    }
    const trackingNo = this.text(`${name}.trackingNo`, item.trackingNo, { maxBytes: 128 }, false);
    const expressCompany = this.text(`${name}.expressCompany`, item.expressCompany, { maxBytes: 128 }, false);
    const contact = item.contact === undefined ? undefined : this.contact(`${name}.contact`, item.contact);
    if (expressCompany === SF_EXPRESS) {
      this.check(
        contact?.consignor_contact !== undefined || contact?.receiver_contact !== undefined,
        `${name}.contact (consignorContact or receiverContact) is required with SF Express (expressCompany SF)`,
      );
    }
    return {
      ...(trackingNo !== undefined ? { tracking_no: trackingNo } : {}),
      ...(expressCompany !== undefined ? { express_company: expressCompany } : {}),
      item_desc: itemDesc,
      ...(contact !== undefined ? { contact } : {}),
    };
  }

  private contact(name: string, value: unknown): { consignor_contact?: string; receiver_contact?: string } {
    const contact = this.object(name, value) ?? {};
    const consignor = this.maskedPhone(`${name}.consignorContact`, contact.consignorContact);
    const receiver = this.maskedPhone(`${name}.receiverContact`, contact.receiverContact);
    return {
      ...(consignor !== undefined ? { consignor_contact: consignor } : {}),
      ...(receiver !== undefined ? { receiver_contact: receiver } : {}),
    };
  }

  /** A phone number masked as WeChat asks: some digits replaced by `*`, the last four digits visible. */
  private maskedPhone(name: string, value: unknown): string | undefined {
    if (value === undefined) return undefined;
    const marks = typeof value === 'string' ? value.replace(/[^0-9*]/g, '') : '';
    const ok = typeof value === 'string' && value.length <= 1024 && CONTACT.test(value) && marks.includes('*') && /[0-9]{4}$/.test(marks);
    return this.check(ok, `${name} must be a masked phone number with its last four digits visible, e.g. 138****8000 or 021-****1234`)
      ? (value as string)
      : undefined;
  }
}

/**
 * A phone number masked for the shipping APIs' `contact`: the last four digits stay, and so do the first three when it
 * has eleven digits or more; every other digit becomes `*`, other characters are kept: `13800138000` → `138****8000`,
 * `021-61234567` → `021-****4567`, `61234567` → `****4567`. A number of four digits or fewer cannot be masked so and
 * comes back as it is (the upload then refuses it).
 * @publicApi
 */
export function maskShippingContact(phone: string): string {
  const digits = phone.replace(/[^0-9]/g, '').length;
  const keepHead = digits >= 11 ? 3 : 0;
  let position = 0;
  return phone.replace(/[0-9]/g, (digit) => {
    const at = position++;
    return at < keepHead || at >= digits - 4 ? digit : '*';
  });
}
