import type { PayBillMismatch, PayBillMismatchKind } from './pay-reconcile.interfaces';

/** What the comparison needs of a stored order. @internal */
export interface BillOrderView {
  outTradeNo: string;
  status: string;
  paid: boolean;
  totalFee: number;
  transactionId: string | null;
  paidAt: Date | null;
}

/** What the comparison needs of a stored refund (with its order's out_trade_no). @internal */
export interface BillRefundView {
  outRefundNo: string;
  outTradeNo: string;
  status: string;
  refundFee: number;
  refundId: string | null;
  successAt: Date | null;
}

/** A trade bill row read into fields, amounts in fen (`NaN` when the bill's text is no amount). @internal */
export interface BillRow {
  kind: 'payment' | 'refund';
  outTradeNo: string;
  transactionId: string;
  tradeState: string;
  orderFee: number;
  outRefundNo?: string;
  refundId?: string;
  refundFee?: number;
  refundStatus?: string;
}

/** The comparison's outcome, before any repair. @internal */
export interface BillComparison {
  matched: number;
  mismatches: PayBillMismatch[];
}

/** `12.34` (yuan, as the bills write amounts) in fen, exactly; `NaN` for anything else. @internal */
export function yuanToFen(text: string | undefined): number {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec((text ?? '').trim());
  if (!match) return Number.NaN;
  const fen = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -fen : fen;
}

/** A cell that means "none" in WeChat's bills (an empty cell, or `0` in the refund columns of a payment row). */
function present(value: string | undefined): string | undefined {
  const text = (value ?? '').trim();
  return text === '' || text === '0' ? undefined : text;
}

/**
 * The rows of a trade bill (`ALL`, as parsed by the bill parser, keyed by WeChat's Chinese column names; v2 and v3 bills
 * have the same columns) as {@link BillRow}s: a row with a merchant refund number is a refund, any other a payment.
 * @internal
 */
export function readTradeBillRows(rows: readonly Record<string, string>[]): BillRow[] {
  return rows
    .filter((row) => present(row['商户订单号']) !== undefined)
    .map((row) => {
      const outRefundNo = present(row['商户退款单号']);
      const base = {
        outTradeNo: row['商户订单号'].trim(),
        transactionId: (row['微信订单号'] ?? '').trim(),
        tradeState: (row['交易状态'] ?? '').trim(),
        orderFee: yuanToFen(row['订单金额'] ?? row['应结订单金额']),
      };
      if (outRefundNo === undefined) return { kind: 'payment' as const, ...base };
      return {
        kind: 'refund' as const,
        ...base,
        outRefundNo,
        refundId: present(row['微信退款单号']),
        refundFee: yuanToFen(row['申请退款金额'] ?? row['退款金额']),
        refundStatus: (row['退款状态'] ?? '').trim(),
      };
    });
}

const inDay = (at: Date | null, day: { start: number; end: number }): boolean =>
  at !== null && new Date(at).getTime() >= day.start && new Date(at).getTime() < day.end;

/**
 * Compares one day's trade bill with the stored orders and refunds: every bill row with the row it names, and every
 * order paid (refund succeeded) that day with the bill. Mismatches a query through the ledger can repair (the bill has
 * a payment or refund the row does not have yet) come out `not-attempted`, the others `not-repairable`.
 * @param orders the stored orders the bill names, and those paid within `day`.
 * @param refunds the stored refunds the bill names, and those that succeeded within `day`.
 * @internal
 */
export function compareTradeBill(
  billDate: string,
  day: { start: number; end: number },
  rows: readonly BillRow[],
  orders: readonly BillOrderView[],
  refunds: readonly BillRefundView[],
): BillComparison {
  const orderByNo = new Map(orders.map((o) => [o.outTradeNo, o]));
  const refundByNo = new Map(refunds.map((r) => [r.outRefundNo, r]));
  const mismatches: PayBillMismatch[] = [];
  const seenPayments = new Set<string>();
  const seenRefunds = new Set<string>();
  let matched = 0;
  const add = (m: Omit<PayBillMismatch, 'billDate'>) => mismatches.push({ billDate, ...m });

  for (const row of rows) {
    if (row.kind === 'payment') {
      if (seenPayments.has(row.outTradeNo)) continue;
      seenPayments.add(row.outTradeNo);
      const remote = { status: row.tradeState, amount: row.orderFee, transactionId: row.transactionId };
      const order = orderByNo.get(row.outTradeNo);
      if (!order) {
        add({ kind: 'missing-local', entity: 'order', outTradeNo: row.outTradeNo, remote, repair: 'not-repairable' });
        continue;
      }
      const local = {
        status: order.status,
        amount: order.totalFee,
        ...(order.transactionId ? { transactionId: order.transactionId } : {}),
      };
      if (order.totalFee !== row.orderFee) {
        add({ kind: 'amount', entity: 'order', outTradeNo: row.outTradeNo, local, remote, repair: 'not-repairable' });
      } else if (!order.paid) {
        add({ kind: 'state', entity: 'order', outTradeNo: row.outTradeNo, local, remote, repair: 'not-attempted' });
      } else if (order.transactionId !== row.transactionId) {
        add({
          kind: 'state',
          entity: 'order',
          outTradeNo: row.outTradeNo,
          local,
          remote,
          repair: 'not-repairable',
          detail: 'the order is paid by another transaction',
        });
      } else matched++;
      continue;
    }
    const outRefundNo = row.outRefundNo as string;
    if (seenRefunds.has(outRefundNo)) continue;
    seenRefunds.add(outRefundNo);
    const remote = {
      status: row.refundStatus ?? '',
      amount: row.refundFee ?? Number.NaN,
      ...(row.refundId ? { refundId: row.refundId } : {}),
    };
    const refund = refundByNo.get(outRefundNo);
    const base = { entity: 'refund' as const, outTradeNo: row.outTradeNo, outRefundNo };
    if (!refund) {
      // A refund made elsewhere (the merchant platform) of an order stored here can be adopted and settled.
      const repair = orderByNo.get(row.outTradeNo)?.paid ? 'not-attempted' : 'not-repairable';
      add({ kind: 'missing-local', ...base, remote, repair });
      continue;
    }
    const local = { status: refund.status, amount: refund.refundFee, ...(refund.refundId ? { refundId: refund.refundId } : {}) };
    if (refund.refundFee !== remote.amount) add({ kind: 'amount', ...base, local, remote, repair: 'not-repairable' });
    else if (refund.status !== remote.status) {
      add({ kind: 'state', ...base, local, remote, repair: refund.status === 'PROCESSING' ? 'not-attempted' : 'not-repairable' });
    } else matched++;
  }

  for (const order of orders) {
    if (!order.paid || !inDay(order.paidAt, day) || seenPayments.has(order.outTradeNo)) continue;
    const local = { status: order.status, amount: order.totalFee, ...(order.transactionId ? { transactionId: order.transactionId } : {}) };
    add({ kind: 'missing-remote', entity: 'order', outTradeNo: order.outTradeNo, local, repair: 'not-repairable' });
  }
  for (const refund of refunds) {
    if (refund.status !== 'SUCCESS' || !inDay(refund.successAt, day) || seenRefunds.has(refund.outRefundNo)) continue;
    const local = { status: refund.status, amount: refund.refundFee, ...(refund.refundId ? { refundId: refund.refundId } : {}) };
    add({
      kind: 'missing-remote',
      entity: 'refund',
      outTradeNo: refund.outTradeNo,
      outRefundNo: refund.outRefundNo,
      local,
      repair: 'not-repairable',
    });
  }
  return { matched, mismatches };
}

/** Mismatches by kind. @internal */
export function countMismatches(mismatches: readonly PayBillMismatch[]): Record<PayBillMismatchKind, number> {
  const counts: Record<PayBillMismatchKind, number> = { 'missing-local': 0, 'missing-remote': 0, amount: 0, state: 0 };
  for (const m of mismatches) counts[m.kind]++;
  return counts;
}

/**
 * A bill day (`yyyy-MM-dd`, `yyyyMMdd` or a Date, whose Beijing date is taken) as its `yyyy-MM-dd` name and its bounds
 * in epoch ms; `undefined` for anything else.
 * @internal
 */
export function billDay(value: unknown): { date: string; compact: string; start: number; end: number } | undefined {
  let y: number, m: number, d: number;
  if (value instanceof Date && !Number.isNaN(value.getTime())) {
    const beijing = new Date(value.getTime() + 8 * 3_600_000);
    [y, m, d] = [beijing.getUTCFullYear(), beijing.getUTCMonth() + 1, beijing.getUTCDate()];
  } else {
    const match = typeof value === 'string' ? /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value) : null;
    if (!match) return undefined;
    [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  }
  const start = Date.UTC(y, m - 1, d) - 8 * 3_600_000;
  const check = new Date(start + 8 * 3_600_000);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() + 1 !== m || check.getUTCDate() !== d) return undefined;
  const date = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  return { date, compact: date.replace(/-/g, ''), start, end: start + 86_400_000 };
}
