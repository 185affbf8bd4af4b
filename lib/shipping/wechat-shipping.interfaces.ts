// The order-shipping service (小程序发货信息管理服务), typed in camelCase. Written from WeChat's API pages
// (developers.weixin.qq.com/miniprogram/dev/server/API/order_shipping/: api_uploadshippinginfo,
// api_uploadcombinedshippinginfo, api_getorder, api_getorderlist, api_notifyconfirmreceive, api_setmsgjumppath,
// api_istrademanaged, api_istrademanagementconfirmationcompleted); each field names the snake_case one it is sent as.

/**
 * 物流模式 (`logistics_type`): how the goods reach the user. Only express may be split into several parcels, and only
 * express needs a tracking number and a carrier code.
 * @publicApi
 */
export const ShippingLogisticsType = {
  /** 实体物流配送: a courier company (快递). */
  Express: 1,
  /** 同城配送: same-city delivery. */
  SameCity: 2,
  /** 虚拟商品: nothing is delivered (top-ups, game cards, services). */
  Virtual: 3,
  /** 用户自提: the user picks the goods up. */
  SelfPickup: 4,
} as const;

/** @publicApi */
export type ShippingLogisticsType = (typeof ShippingLogisticsType)[keyof typeof ShippingLogisticsType];

/**
 * 发货模式 (`delivery_mode`): one parcel for the whole order, or several (express only, at most 15).
 * @publicApi
 */
export const ShippingDeliveryMode = {
  /** UNIFIED_DELIVERY 统一发货: one entry in the shipping list. */
  Unified: 1,
  /** SPLIT_DELIVERY 分拆发货: one entry per parcel; `isAllDelivered` says whether the last one left. */
  Split: 2,
} as const;

/** @publicApi */
export type ShippingDeliveryMode = (typeof ShippingDeliveryMode)[keyof typeof ShippingDeliveryMode];

/**
 * 订单状态 (`order_state`) of a payment in the shipping service. The money stays frozen until {@link Settled}.
 * @publicApi
 */
export const ShippingOrderState = {
  /** 待发货. */
  ToShip: 1,
  /** 已发货: shipping info uploaded, waiting for the user to confirm receipt (or for the automatic confirmation). */
  Shipped: 2,
  /** 确认收货. */
  ReceiptConfirmed: 3,
  /** 交易完成: the money is settled to the merchant. */
  Settled: 4,
  /** 已退款. */
  Refunded: 5,
  /** 资金待结算. */
  SettlementPending: 6,
} as const;

/** @publicApi */
export type ShippingOrderState = (typeof ShippingOrderState)[keyof typeof ShippingOrderState];

/**
 * Which payment (`order_key`): by WeChat Pay's transaction id (`order_number_type` 2), or by the merchant id and the
 * merchant's order number (`order_number_type` 1).
 * @publicApi
 */
export type ShippingOrderKey = { transactionId: string } | { mchId: string; outTradeNo: string };

/**
 * A payment to query or to remind about: an order key, and for a service provider's sub-merchant its id
 * (`sub_merchant_id`).
 * @publicApi
 */
export type ShippingQueryKey = ShippingOrderKey & { subMchId?: string };

/**
 * 联系方式 (`contact`): masked phone numbers whose last four digits are left visible, e.g. `138****8000`,
 * `021-****1234`, `+86-177****1234` ({@link maskShippingContact} makes one). Required with SF Express (`SF`): one of
 * the two.
 * @publicApi
 */
export interface ShippingContact {
  /** `consignor_contact`: the sender's. */
  consignorContact?: string;
  /** `receiver_contact`: the receiver's. */
  receiverContact?: string;
}

/**
 * One parcel (`shipping_list[]`).
 * @publicApi
 */
export interface ShippingItem {
  /** `tracking_no` 物流单号, 1–128 bytes: required for express, optional otherwise. */
  trackingNo?: string;
  /**
   * `express_company`: the carrier's code from WeChat's `get_delivery_list` (`SF`, `YTO`, `ZTO`, `STO`, `YD`, `JTSD`,
   * `EMS`, `DHL`, …), 1–128 bytes: required for express, optional otherwise.
   */
  expressCompany?: string;
  /** `item_desc` 商品信息, 1–120 characters, e.g. `微信红包抱枕*1个`. */
  itemDesc: string;
  /** `contact`: required when `expressCompany` is `SF`. */
  contact?: ShippingContact;
}

/**
 * How one payment was shipped: the part an upload and a combined upload's sub-order have in common.
 * @publicApi
 */
export interface ShippingDetailsInput {
  /** `logistics_type`. */
  logisticsType: ShippingLogisticsType;
  /** `delivery_mode`; unified by default. */
  deliveryMode?: ShippingDeliveryMode;
  /** `is_all_delivered`: required with split delivery; WeChat tells the user only once every parcel left. */
  isAllDelivered?: boolean;
  /** `shipping_list`: exactly one parcel in unified delivery, 1 to 15 in split delivery. */
  shippingList: ShippingItem[];
}

/**
 * Input of {@link WeChatShippingService.uploadShippingInfo} (`upload_shipping_info`).
 * @publicApi
 */
export interface UploadShippingInfoRequest extends ShippingDetailsInput {
  /** `order_key`. */
  orderKey: ShippingOrderKey;
  /** `payer.openid`: the openid that paid. */
  payerOpenId: string;
  /**
   * `upload_time`, sent as RFC 3339 in Beijing time (`2022-12-15T13:29:35.120+08:00`); now by default. WeChat takes an
   * update only when its upload time is later than the previous one's.
   */
  uploadTime?: Date;
}

/**
 * One sub-order of a combined payment (`sub_orders[]`).
 * @publicApi
 */
export interface CombinedShippingSubOrder extends ShippingDetailsInput {
  /** `order_key`, of the same kind as the combined order's. */
  orderKey: ShippingOrderKey;
}

/**
 * Input of {@link WeChatShippingService.uploadCombinedShippingInfo} (`upload_combined_shipping_info`), for a combined
 * payment (合单支付).
 * @publicApi
 */
export interface UploadCombinedShippingInfoRequest {
  /** `order_key` of the combined payment. */
  orderKey: ShippingOrderKey;
  /** `sub_orders`: 1 to 50. */
  subOrders: CombinedShippingSubOrder[];
  /** `payer.openid`. */
  payerOpenId: string;
  /** `upload_time`; now by default. */
  uploadTime?: Date;
}

/**
 * Input of {@link WeChatShippingService.uploadForPayOrder}: an order that needs no logistics.
 * @publicApi
 */
export interface PayOrderShipment {
  /** 3 virtual goods or 4 self-pickup. */
  logisticsType: typeof ShippingLogisticsType.Virtual | typeof ShippingLogisticsType.SelfPickup;
  /** `item_desc`, 1–120 characters. */
  itemDesc: string;
  /** Now by default. */
  uploadTime?: Date;
}

/**
 * Input of {@link WeChatShippingService.getOrderList} (`get_order_list`); every filter is optional.
 * @publicApi
 */
export interface ShippingOrderListQuery {
  /** `pay_time_range.begin_time`: paid at or after. */
  paidFrom?: Date;
  /** `pay_time_range.end_time`: paid at or before (inclusive). */
  paidTo?: Date;
  /** `order_state`. */
  state?: ShippingOrderState;
  /** `openid`: the payer. */
  payerOpenId?: string;
  /** `last_index`: the `lastIndex` of the previous page. */
  lastIndex?: string;
  /** `page_size`: 1 to 100, WeChat's default 100. */
  pageSize?: number;
}

/**
 * Input of {@link WeChatShippingService.notifyConfirmReceive} (`notify_confirm_receive`).
 * @publicApi
 */
export interface NotifyConfirmReceiveRequest {
  orderKey: ShippingQueryKey;
  /** `received_time`: when the courier delivered (seconds are sent); after the shipment, not in the future. */
  receivedAt: Date;
}

/**
 * One parcel as WeChat reports it.
 * @publicApi
 */
export interface ShippedItem {
  /** `tracking_no`. */
  trackingNo?: string;
  /** `express_company`: a carrier code, or a same-city company's name. */
  expressCompany?: string;
  /** `goods_desc`: the `itemDesc` uploaded with it. */
  goodsDesc?: string;
  /** `upload_time`. */
  uploadedAt?: Date;
  contact?: ShippingContact;
}

/**
 * How a payment was shipped, as WeChat reports it (`order.shipping`).
 * @publicApi
 */
export interface ShippingDetails {
  deliveryMode: ShippingDeliveryMode;
  logisticsType: ShippingLogisticsType;
  /** `finish_shipping`: every parcel left. */
  finishShipping: boolean;
  /** `finish_shipping_count`: 0 until finished, 1 once, 2 after the one re-shipment WeChat allows. */
  finishShippingCount: number;
  /** `goods_desc`. */
  goodsDesc?: string;
  shippingList: ShippedItem[];
}

/**
 * A payment in the shipping service (`get_order`'s `order`, an item of `get_order_list`'s `order_list`).
 * @publicApi
 */
export interface ShippingOrder {
  /** `transaction_id`. */
  transactionId: string;
  /** `merchant_id`. */
  mchId: string;
  /** `sub_merchant_id`, service providers only. */
  subMchId?: string;
  /** `merchant_trade_no`. */
  outTradeNo: string;
  /** `description`: the goods descriptions joined by `;`, cut at 120 characters. */
  description: string;
  /** `paid_amount`, in fen. */
  paidAmount: number;
  /** `openid` of the payer. */
  payerOpenId: string;
  /** `trade_create_time`. */
  tradeCreatedAt: Date;
  /** `pay_time`. */
  paidAt: Date;
  /** `order_state`. */
  state: ShippingOrderState;
  /** `in_complaint`: the payment is in a dispute. */
  inComplaint: boolean;
  /** `shipping`, once anything was uploaded. */
  shipping?: ShippingDetails;
}

/**
 * A page of {@link WeChatShippingService.getOrderList}.
 * @publicApi
 */
export interface ShippingOrderList {
  orders: ShippingOrder[];
  /** `has_more`: ask again with {@link lastIndex}. */
  hasMore: boolean;
  /** `last_index`. */
  lastIndex?: string;
}
