import type { EntityManager } from 'typeorm';
import type { PayOrder } from '../../entities/pay-order.entity';
import type {
  PayProfitShare,
  PayProfitShareReceiver,
  PayProfitShareState,
  PayProfitSharingReceiverType,
} from '../../entities/pay-profit-share.entity';

/** `relation_type`: how the receiver relates to the merchant. @publicApi */
export type ProfitSharingRelationType =
  'STORE' | 'STAFF' | 'STORE_OWNER' | 'PARTNER' | 'HEADQUARTER' | 'BRAND' | 'DISTRIBUTOR' | 'USER' | 'SUPPLIER' | 'CUSTOM';

/** Input of {@link WeChatPayProfitSharingService.addReceiver}. @publicApi */
export interface AddProfitSharingReceiverRequest {
  type: PayProfitSharingReceiverType;
  /** The merchant's mch_id, or the user's openid under the mini program's AppID. */
  account: string;
  /** The receiver's name (merchant: its full registered name, required; user: optional). Sent encrypted, never stored. */
  name?: string;
  relationType: ProfitSharingRelationType;
  /** `custom_relation`, required with `CUSTOM` (at most 10 characters). */
  customRelation?: string;
}

/** What WeChat answered to an add or delete. @publicApi */
export interface ProfitSharingReceiverResult {
  type: PayProfitSharingReceiverType;
  account: string;
  relationType?: ProfitSharingRelationType;
  customRelation?: string;
  raw: Record<string, unknown>;
}

/** One receiver of {@link RequestProfitSharingRequest}. @publicApi */
export interface ProfitSharingReceiverInput {
  type: PayProfitSharingReceiverType;
  account: string;
  /** Fen, a positive integer. */
  amount: number;
  /** `description` (at most 80 characters). */
  description: string;
  /** The receiver's name, checked by WeChat against the account when given; sent encrypted, never stored. */
  name?: string;
}

/** Input of {@link WeChatPayProfitSharingService.requestSplit}. @publicApi */
export interface RequestProfitSharingRequest {
  /** The paid order (made with `profitSharing: true`), or its id. */
  order: PayOrder | number;
  /** `out_order_no`: 1–64 of letters, digits and `_-|*@`, unique per split; a retry reuses it. */
  outOrderNo: string;
  /** 1–50 receivers. */
  receivers: ProfitSharingReceiverInput[];
  /** `unfreeze_unsplit`: unfreeze the rest of the order to the merchant with this split. */
  unfreezeUnsplit: boolean;
}

/** A receiver line of WeChat's answer. @publicApi */
export type ProfitSharingReceiverLine = Required<Pick<PayProfitShareReceiver, 'type' | 'account' | 'amount'>> &
  Omit<PayProfitShareReceiver, 'type' | 'account' | 'amount'> & { finishTime?: Date };

/** A split (分账单) as WeChat answers it, normalised. @publicApi */
export interface ProfitSharingOrder {
  transactionId?: string;
  outOrderNo: string;
  /** WeChat's `order_id`. */
  orderId?: string;
  /** `undefined` for a state WeChat does not document (`raw.state` keeps it). */
  state?: PayProfitShareState;
  receivers: ProfitSharingReceiverLine[];
  raw: Record<string, unknown>;
}

/** Input of {@link WeChatPayProfitSharingService.returnSplit} (分账回退). @publicApi */
export interface ProfitSharingReturnRequest {
  /** `out_return_no`: 1–64 of letters, digits and `_-|*@`. */
  outReturnNo: string;
  /** The split to return from: the merchant's `outOrderNo`… */
  outOrderNo?: string;
  /** …or WeChat's `order_id`. */
  orderId?: string;
  /** The merchant the amount comes back from (a `MERCHANT_ID` receiver of the split). */
  returnMchId: string;
  /** Fen. */
  amount: number;
  /** At most 80 characters. */
  description: string;
}

/** A return (分账回退单) as WeChat answers it. @publicApi */
export interface ProfitSharingReturn {
  outReturnNo: string;
  returnId?: string;
  outOrderNo?: string;
  orderId?: string;
  returnMchId?: string;
  amount?: number;
  /** `PROCESSING`, `SUCCESS` or `FAILED`. */
  result?: 'PROCESSING' | 'SUCCESS' | 'FAILED';
  failReason?: string;
  raw: Record<string, unknown>;
}

/** Input of {@link WeChatPayProfitSharingService.unfreeze} (解冻剩余资金). @publicApi */
export interface ProfitSharingUnfreezeRequest {
  /** The paid order, or its id. */
  order: PayOrder | number;
  /** A new `out_order_no` for the unfreezing. */
  outOrderNo: string;
  /** At most 80 characters. */
  description: string;
}

/** What is left to split of a payment (`unsplit_amount`). @publicApi */
export interface ProfitSharingAmounts {
  transactionId: string;
  /** Fen. */
  unsplitAmount: number;
  raw: Record<string, unknown>;
}

/**
 * Passed to `@OnPayProfitSharingSettled()` handlers, inside the transaction that moves the split to `FINISHED`.
 * @publicApi
 */
export interface PayProfitSharingSettledEvent {
  share: PayProfitShare;
  /** `notify` (the 分账动账通知) or `query` (`syncSplit`, or WeChat's answer to the request). */
  source: 'notify' | 'query';
  /** WeChat's answer (the split order as queried). */
  raw: Record<string, unknown>;
  /** The transaction's manager: write through it so your changes commit or roll back with the split's state. */
  manager: EntityManager;
  /** Runs `work` once the transaction has committed (never if it rolls back). Failures are logged. */
  afterCommit(work: () => unknown): void;
}
