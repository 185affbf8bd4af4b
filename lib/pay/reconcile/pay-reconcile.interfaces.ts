import type { EntityManager } from 'typeorm';
import type { WeChatPayApiVersion } from '../../interfaces';

/** What one kind of item went through in a `reconcilePending` run. @publicApi */
export interface PayReconcileCounts {
  /** Items old enough and not final, taken by this run (a lease no other run held). */
  checked: number;
  /** Items whose state changed by what WeChat said (through the ledger, handlers included). */
  changed: number;
  /** Unpaid orders closed because their prepay_id expired (`closeExpiredUnpaid`); always 0 for refunds and transfers. */
  closed: number;
  /** Items another run held a lease on, or that became final meanwhile: left to it. */
  skipped: number;
  /** Items WeChat could not be asked about (they stay pending, for the next run). */
  failed: number;
}

/** An item a run could not reconcile. @publicApi */
export interface PayReconcileFailure {
  kind: 'order' | 'refund' | 'transfer';
  /** out_trade_no, out_refund_no or out_bill_no. */
  key: string;
  /** The error's name and message (never a secret: WeChat Pay errors carry codes and WeChat's words). */
  error: string;
}

/** What `PayReconciler.reconcilePending` did. @publicApi */
export interface PayReconcileSummary {
  startedAt: Date;
  finishedAt: Date;
  orders: PayReconcileCounts;
  refunds: PayReconcileCounts;
  transfers: PayReconcileCounts;
  failures: PayReconcileFailure[];
}

/** Options of one `reconcilePending` run; unset ones come from `pay.reconcile`. @publicApi */
export interface PayReconcilePendingOptions {
  /** "Now" for the age threshold, the prepay_id expiry and the leases (tests pass a clock). Default: the current time. */
  now?: Date;
  minAgeSeconds?: number;
  batchSize?: number;
  closeExpiredUnpaid?: boolean;
}

/**
 * How a bill row and what is stored disagree:
 * - `missing-local`: WeChat has the payment or refund, this database does not;
 * - `missing-remote`: this database has it paid (or refunded) that day, the bill does not;
 * - `amount`: both have it, the amounts differ (compared in fen);
 * - `state`: both have it, the states differ (e.g. the bill has it paid or refunded, the row is not yet).
 * @publicApi
 */
export type PayBillMismatchKind = 'missing-local' | 'missing-remote' | 'amount' | 'state';

/** What reconciliation did about a mismatch. `repaired`: applied through the ledger (handlers included, exactly once). @publicApi */
export type PayBillRepair = 'repaired' | 'not-repairable' | 'failed' | 'not-attempted';

/** One side of a mismatch: its state and amount (fen). @publicApi */
export interface PayBillSide {
  status: string;
  /** Fen. For an order the order amount, for a refund the refunded amount. */
  amount: number;
  transactionId?: string;
  refundId?: string;
}

/** A difference between the trade bill and the stored orders and refunds. @publicApi */
export interface PayBillMismatch {
  kind: PayBillMismatchKind;
  entity: 'order' | 'refund';
  /** The bill's day, `yyyy-MM-dd` (Beijing). */
  billDate: string;
  outTradeNo: string;
  outRefundNo?: string;
  /** What is stored (absent for `missing-local`). */
  local?: PayBillSide;
  /** What the bill says (absent for `missing-remote`). */
  remote?: PayBillSide;
  repair: PayBillRepair;
  /** Why a repair failed or was not possible. */
  detail?: string;
}

/** The outcome of comparing one day's trade bill. @publicApi */
export interface BillReconciliationReport {
  billDate: string;
  apiVersion: WeChatPayApiVersion;
  /** Data rows of the bill (payments and refunds). */
  billRows: number;
  /** Payment and refund rows that matched what is stored. */
  matched: number;
  mismatches: PayBillMismatch[];
  /** Mismatches by kind. */
  counts: Record<PayBillMismatchKind, number>;
  finishedAt: Date;
}

/** Options of one `reconcileBill` run. @publicApi */
export interface PayReconcileBillOptions {
  /** The API to download the bill through. Default: `pay.apiVersion`. */
  apiVersion?: WeChatPayApiVersion;
  /** Repair what can be repaired (a payment or refund the bill has and the row does not yet) through the ledger. Default: true. */
  repair?: boolean;
}

/**
 * The event of a mismatch (`@OnPayBillMismatch()`), after the repair was tried. It runs outside any transaction;
 * `manager` is the module's connection manager, for the host's own bookkeeping.
 * @publicApi
 */
export interface PayBillMismatchEvent {
  mismatch: PayBillMismatch;
  manager: EntityManager;
}

/** Counts of items by age since created. @publicApi */
export interface PayPendingAges {
  /** Younger than 5 minutes. */
  under5m: number;
  /** 5 minutes to 1 hour. */
  under1h: number;
  /** 1 hour to 1 day. */
  under1d: number;
  /** A day or older. */
  older: number;
  total: number;
}

/** What `PayReconciler.metrics()` gives to watch. @publicApi */
export interface PayReconcileMetrics {
  at: Date;
  /** Orders reached WeChat and not paid (NOTPAY, USERPAYING), refunds PROCESSING, transfers not final. */
  pending: { orders: PayPendingAges; refunds: PayPendingAges; transfers: PayPendingAges };
  /** The last `reconcilePending` run of this instance. */
  lastPendingRun?: PayReconcileSummary;
  /** The last bill run of this instance: its day and mismatches by kind. */
  lastBill?: { billDate: string; finishedAt: Date; counts: Record<PayBillMismatchKind, number>; mismatches: number };
}
