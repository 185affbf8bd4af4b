/**
 * When the reconciler runs by itself. Without it, nothing runs unless the host calls `PayReconciler`.
 * @publicApi
 */
export interface MiniProgramPayReconcileSchedule {
  /** Reconcile pending items every this many seconds (60–86400). */
  everySeconds?: number;
  /** Reconcile the trade bill of the day before, every day at this Beijing time (`HH:mm`; WeChat has it from 10:00). */
  billAt?: string;
}

/**
 * Reconciliation with WeChat Pay (`PayReconciler`): orders, refunds and transfers left in a state that is not final are
 * asked for at WeChat and what it says is applied through the exactly-once ledger; the daily trade bill is compared
 * with the stored orders and refunds.
 * @publicApi
 */
export interface MiniProgramPayReconcileOptions {
  /** Only items at least this old (since created) are asked for, in seconds (0–604800). Default: 300. */
  minAgeSeconds?: number;
  /** How many items of each kind one run takes at most (1–1000). Default: 100. */
  batchSize?: number;
  /**
   * Close unpaid orders whose prepay_id has expired (and which WeChat still reports unpaid), at WeChat and here.
   * Paying such an order later goes through a new out_trade_no. Default: false.
   */
  closeExpiredUnpaid?: boolean;
  /** How long an instance owns an item it reconciles, in seconds (10–3600). Default: 120. */
  leaseSeconds?: number;
  /** Run by itself (through `@nestjs/schedule`'s registry when the host has it, else timers of its own). */
  schedule?: MiniProgramPayReconcileSchedule;
}

/** `pay.reconcile` after defaults were applied and validation passed. @publicApi */
export interface ResolvedPayReconcileOptions {
  minAgeSeconds: number;
  batchSize: number;
  closeExpiredUnpaid: boolean;
  leaseSeconds: number;
  schedule?: MiniProgramPayReconcileSchedule;
}
