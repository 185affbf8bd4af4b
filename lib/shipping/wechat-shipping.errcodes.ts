/**
 * The errcodes WeChat documents for the order-shipping APIs, with their meaning: what `WeChatApiError.errcode` of a
 * {@link WeChatShippingService} call can be besides the access-token ones (40001, 42001, …, which the service handles).
 * Taken from the 错误码 tables of the API pages under developers.weixin.qq.com/miniprogram/dev/server/API/order_shipping/
 * (upload_shipping_info, upload_combined_shipping_info, get_order, get_order_list, notify_confirm_receive,
 * is_trade_managed); 10060029 is not in the tables but is what WeChat answers to a `received_time` before the shipment
 * or in milliseconds (developers.weixin.qq.com community, 2023). -1 is retried by the client and ends as
 * `WeChatUnavailableError`; 10060012 and 10060019 are WeChat's other "system busy" answers: try again later.
 * @publicApi
 */
export const WECHAT_SHIPPING_ERRCODES: Readonly<Record<number, string>> = Object.freeze({
  40013: 'invalid appid',
  40097: 'invalid request parameter (appid missing)',
  44990: 'rate limit reached: try again later',
  10060001: 'the payment does not exist: check transaction_id, or mchid and out_trade_no',
  10060002: 'the payment has completed shipping and cannot be shipped again',
  10060003: 'the payment has used its one re-shipment',
  10060004: 'the payment is in a state that cannot be shipped (unpaid, refunded, …)',
  10060005: 'invalid logistics_type',
  10060006: 'split delivery is only allowed with express logistics',
  10060007: 'split delivery needs is_all_delivered',
  10060008: 'item_desc must not be empty',
  10060009: 'item_desc is too long',
  10060011: 'invalid last_index',
  10060012: 'system error: try again later',
  10060014: 'invalid parameter (the errmsg says which)',
  10060019: 'system error: try again later',
  10060020: 'the payment cannot complete shipping without any goods description',
  10060023: 'shipping info not updated: the payment is unchanged',
  10060024: 'the shipping list is too long (at most 15)',
  10060025: 'express_company is too long',
  10060026: 'tracking_no is too long',
  10060029: 'unreasonable received_time (before the shipment, or not in seconds)',
  10060030: 'the payment has already used its receipt reminder',
  10060031: 'the payment does not belong to the openid given',
  10060032: 'receipt reminders are only allowed for express logistics',
  268485194: 'invalid order_number_type',
  268485195: 'transaction_id is required with order_number_type 2',
  268485196: 'mchid is required with order_number_type 1',
  268485197: 'out_trade_no is required with order_number_type 1',
  268485216: 'upload_time is not RFC 3339, e.g. 2022-12-15T13:29:35.120+08:00',
  268485224: 'invalid delivery_mode',
  268485226: 'tracking_no is required for express logistics',
  268485227: 'express_company is required for express logistics',
  268485228: 'unified delivery needs exactly one shipping_list entry',
});
