import type { SimPush } from '../push/push.interfaces';

/**
 * The `order_state` of a simulated payment in the shipping service: 1 to ship, 2 shipped, 3 receipt confirmed, 4 settled,
 * 5 refunded (fully, before settlement).
 * @publicApi
 */
export type SimShippingOrderState = 1 | 2 | 3 | 4 | 5;

/**
 * One parcel as uploaded (`shipping_list[]`).
 * @publicApi
 */
export interface SimShippingParcel {
  trackingNo?: string;
  expressCompany?: string;
  itemDesc: string;
  consignorContact?: string;
  receiverContact?: string;
  /** When it was uploaded, epoch ms. */
  uploadedAt: number;
}

/**
 * What was uploaded for a simulated payment.
 * @publicApi
 */
export interface SimShippingInfo {
  /** 1 express, 2 same-city, 3 virtual goods, 4 self-pickup. */
  logisticsType: 1 | 2 | 3 | 4;
  /** 1 unified, 2 split. */
  deliveryMode: 1 | 2;
  /** Every parcel left (unified delivery, or split with `is_all_delivered`). */
  finishShipping: boolean;
  /** 0 until finished, 1 once, 2 after the re-shipment. */
  finishShippingCount: number;
  /** `upload_time` of the latest upload, as sent (RFC 3339). */
  uploadTime: string;
  parcels: SimShippingParcel[];
}

/**
 * The simulator's view of a paid order in the shipping service (`GET /__sim/shipping?transactionId=`). Times in epoch ms.
 * @publicApi
 */
export interface SimShippingOrder {
  appId: string;
  mchId: string;
  outTradeNo: string;
  transactionId: string;
  openId?: string;
  /** In fen. */
  paidAmount: number;
  paidAt: number;
  orderState: SimShippingOrderState;
  /** Whether WeChat still holds the money: until the order is settled (state 4). */
  fundsFrozen: boolean;
  shipping?: SimShippingInfo;
  /** Whether the one re-shipment WeChat allows was used. */
  reshipped: boolean;
  /** When shipping was (last) completed. */
  shippedAt?: number;
  /** When WeChat would settle without the user: 10 days after shipping by express, 2 days otherwise. */
  estimatedSettlementAt?: number;
  /** `received_time` of `notify_confirm_receive` (seconds), once the user was reminded. */
  receiptRemindedWith?: number;
  /** How receipt was confirmed: 1 by the user, 2 automatically. */
  confirmReceiveMethod?: 1 | 2;
  confirmedAt?: number;
  settledAt?: number;
  /** Every state the order went through, oldest first. */
  history: Array<{ state: SimShippingOrderState; at: number }>;
}

/**
 * The shipping-service settings of one app (`GET /__sim/shipping` without a transaction id).
 * @publicApi
 */
export interface SimShippingSettings {
  appId: string;
  /** What `is_trade_managed` answers; `true` by default. */
  tradeManaged: boolean;
  /** What `is_trade_management_confirmation_completed` answers; `true` by default. */
  confirmationCompleted: boolean;
  /** The path set by `set_msg_jump_path`, if any. */
  msgJumpPath?: string;
}

/**
 * A simulated payment named by its transaction id, or by its out_trade_no (and merchant: the first configured by default).
 * @publicApi
 */
export interface SimShippingOrderRef {
  transactionId?: string;
  outTradeNo?: string;
  mchId?: string;
}

/**
 * Input of {@link WeChatSimulator.confirmReceive}: the user confirms receipt of a shipped order (state 2), which WeChat
 * settles at once.
 * @publicApi
 */
export interface SimConfirmReceiveInput extends SimShippingOrderRef {
  /** 1 the user confirmed (default), 2 WeChat confirmed automatically. */
  method?: 1 | 2;
}

/**
 * Input of {@link WeChatSimulator.setTradeManaged}.
 * @publicApi
 */
export interface SimTradeManagedInput {
  /** The first app by default. */
  appId?: string;
  /** What `is_trade_managed` answers. */
  managed: boolean;
  /** What `is_trade_management_confirmation_completed` answers; `managed` by default. */
  completed?: boolean;
}

/**
 * Input of {@link WeChatSimulator.remindAccessApi}.
 * @publicApi
 */
export interface SimRemindAccessApiInput {
  /** The first app by default. */
  appId?: string;
  /** The push's `msg`. */
  msg?: string;
}

/**
 * What a control call of the shipping side did: the order (when it is about one) and the push it sent, absent when the
 * app has no message push configured.
 * @publicApi
 */
export interface SimShippingResult {
  order?: SimShippingOrder;
  push?: SimPush;
}
