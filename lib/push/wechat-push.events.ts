import type { WeChatPushMessage } from './wechat-push.interfaces';

// The pushes the module types, with WeChat's field names. Written from WeChat's documentation: order shipping
// (order-shipping.html, 相关消息推送), subscribe messages (subscribe-message.html, 订阅消息事件推送), mediaCheckAsync
// (api_mediacheckasync.html) and customer-service messages (customer-message/receive.html). Numbers are numbers in
// both formats, whatever WeChat quoted; lists are arrays (see WeChatPushMessage).

/** 提醒接入发货信息管理服务API: the mini program has trades but has never uploaded shipping info. @publicApi */
export interface TradeManageRemindAccessApiEvent extends WeChatPushMessage {
  MsgType: 'event';
  Event: 'trade_manage_remind_access_api';
  /** The reminder's text. */
  msg?: string;
}

/** The order fields of the order-shipping events. @publicApi */
export interface TradeManageOrderFields {
  /** 微信支付订单号: the payment's transaction_id. */
  transaction_id: string;
  /** 商户号. */
  merchant_id: string;
  /** 子商户号, service-provider mode only (else empty or absent). */
  sub_merchant_id?: string;
  /** 商户订单号: the payment's out_trade_no. */
  merchant_trade_no: string;
  /** 支付成功时间, seconds. */
  pay_time: number;
  msg?: string;
}

/** 提醒需要上传发货信息: a paid order is still not shipped after 48 hours. @publicApi */
export interface TradeManageRemindShippingEvent extends WeChatPushMessage, TradeManageOrderFields {
  MsgType: 'event';
  Event: 'trade_manage_remind_shipping';
}

/**
 * 订单将要结算或已经结算: sent twice per order, when it is shipped (`estimated_settlement_time`) and when it settles
 * (`confirm_receive_method`, `confirm_receive_time`, `settlement_time`).
 * @publicApi
 */
export interface TradeManageOrderSettlementEvent extends WeChatPushMessage, TradeManageOrderFields {
  MsgType: 'event';
  Event: 'trade_manage_order_settlement';
  /** 发货时间, seconds. */
  shipped_time: number;
  /** 预计结算时间, seconds: on the shipment push only. */
  estimated_settlement_time?: number;
  /** 确认收货方式: 1 the user confirmed, 2 confirmed automatically; on the settlement push only. */
  confirm_receive_method?: 1 | 2;
  /** 确认收货时间, seconds: on the settlement push only. */
  confirm_receive_time?: number;
  /** 订单结算时间, seconds: on the settlement push only. */
  settlement_time?: number;
}

/** One template of a subscribe pop-up. @publicApi */
export interface SubscribeMsgPopupItem {
  TemplateId: string;
  /** `accept` or `reject`. */
  SubscribeStatusString: 'accept' | 'reject' | (string & {});
  /** Where the pop-up was: 0 in a mini program page. */
  PopupScene: number;
}

/** 用户操作订阅消息弹窗: the user answered `wx.requestSubscribeMessage`. @publicApi */
export interface SubscribeMsgPopupEvent extends WeChatPushMessage {
  MsgType: 'event';
  Event: 'subscribe_msg_popup_event';
  List: SubscribeMsgPopupItem[];
}

/** 用户管理订阅消息: the user turned templates off in the settings. @publicApi */
export interface SubscribeMsgChangeEvent extends WeChatPushMessage {
  MsgType: 'event';
  Event: 'subscribe_msg_change_event';
  List: Array<{ TemplateId: string; SubscribeStatusString: 'reject' | (string & {}) }>;
}

/** One message of a send result. @publicApi */
export interface SubscribeMsgSentItem {
  TemplateId: string;
  /** The sent message's id (64 bits: a string). */
  MsgID: string;
  /** 0 when delivered. */
  ErrorCode: number;
  ErrorStatus: string;
}

/** 发送订阅消息结果: what became of a subscribe message that was sent. @publicApi */
export interface SubscribeMsgSentEvent extends WeChatPushMessage {
  MsgType: 'event';
  Event: 'subscribe_msg_sent_event';
  List: SubscribeMsgSentItem[];
}

/** A content-security verdict: `pass`, `review` or `risky`, with its label (100 normal, 20001 politics, 20002 porn, 20006 crime, 21000 other). @publicApi */
export interface MediaCheckVerdict {
  suggest: 'pass' | 'review' | 'risky';
  label: number;
}

/** The asynchronous result of mediaCheckAsync (v2), matched to the call by `trace_id`. @publicApi */
export interface WxaMediaCheckEvent extends WeChatPushMessage {
  MsgType: 'event';
  Event: 'wxa_media_check';
  appid: string;
  trace_id: string;
  /** 2 for the v2 API. */
  version?: number;
  /** 0, or absent, when the verdict is valid; -1008: the media could not be downloaded. */
  errcode?: number;
  errmsg?: string;
  result?: MediaCheckVerdict;
  detail?: Array<Partial<MediaCheckVerdict> & { strategy: string; errcode: number; prob?: number }>;
}

/** A text a user sent to customer service. @publicApi */
export interface CustomerServiceTextMessage extends WeChatPushMessage {
  MsgType: 'text';
  Content: string;
  MsgId: string;
}

/** An image a user sent to customer service. @publicApi */
export interface CustomerServiceImageMessage extends WeChatPushMessage {
  MsgType: 'image';
  PicUrl: string;
  MediaId: string;
  MsgId: string;
}

/** A mini program card a user sent to customer service. @publicApi */
export interface CustomerServiceMiniProgramPageMessage extends WeChatPushMessage {
  MsgType: 'miniprogrampage';
  Title: string;
  AppId: string;
  PagePath: string;
  ThumbUrl: string;
  ThumbMediaId: string;
  MsgId: string;
}

/** The user entered the customer-service session (`<button open-type="contact">`). @publicApi */
export interface UserEnterTempSessionEvent extends WeChatPushMessage {
  MsgType: 'event';
  Event: 'user_enter_tempsession';
  /** The button's `session-from`. */
  SessionFrom?: string;
}
