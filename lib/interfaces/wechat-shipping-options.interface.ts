import type { PayOrder } from '../entities/pay-order.entity';

/**
 * Uploading shipping info by itself for paid orders that need no logistics (virtual goods, self-pickup): WeChat
 * freezes such an order's money until it has the shipping info and the user confirmed receipt.
 * @publicApi
 */
export interface MiniProgramShippingAutoUpload {
  /** WeChat's logistics type of these orders: 3 virtual goods, 4 self-pickup. */
  logisticsType: 3 | 4;
  /** The goods description (`item_desc`, at most 120 characters). Default: the order's `body`. */
  itemDesc?: string | ((order: PayOrder) => string);
  /** Which paid orders to upload. Default: every one. */
  when?: (order: PayOrder) => boolean;
}

/**
 * Order shipping info (发货信息管理服务).
 * @publicApi
 */
export interface MiniProgramShippingOptions {
  /** Upload shipping info automatically when an order is paid: queued in the payment's transaction, sent after commit. */
  autoUpload?: MiniProgramShippingAutoUpload;
  /** How often each instance looks for uploads that are due (a crash between commit and send, a retry), in ms. Default: 30000. */
  sweepIntervalMs?: number;
  /** The wait after a first failed attempt, in ms; it doubles with each further one, up to an hour. Default: 5000. */
  retryDelayMs?: number;
  /** After this many failed attempts an upload is given up (`FAILED`, an error log). Default: 50 (about two days of backoff). */
  maxAttempts?: number;
}

/** `shipping` after defaults were applied and validation passed. @publicApi */
export interface ResolvedShippingOptions {
  autoUpload?: MiniProgramShippingAutoUpload;
  sweepIntervalMs: number;
  retryDelayMs: number;
  maxAttempts: number;
}
