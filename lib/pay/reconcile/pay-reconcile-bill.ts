import { Logger } from '@nestjs/common';
import { And, In, LessThan, MoreThanOrEqual, Repository } from 'typeorm';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayRefund } from '../../entities/pay-refund.entity';
import { WeChatPayError } from '../../errors/wechat-pay.error';
import type { WeChatPayApiVersion } from '../../interfaces';
import { parseBill } from '../bill.parser';
import type { PayOrdersService } from '../orders/pay-orders.service';
import type { PayLedger } from '../pay-ledger';
import type { WeChatPayV2Api } from '../v2/wechat-pay-v2.api';
import type { WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import { BillOrderView, BillRefundView, compareTradeBill, countMismatches, readTradeBillRows } from './bill-compare';
import type { BillReconciliationReport, PayBillMismatch } from './pay-reconcile.interfaces';
import { syncRefund, versionFor } from './pay-refund-sync';
import type { ResolvedPayOptions } from '../../interfaces';

/** What one bill run needs. @internal */
export interface BillDeps {
  pay: ResolvedPayOptions;
  orders: Repository<PayOrder>;
  refunds: Repository<PayRefund>;
  payOrders: PayOrdersService;
  ledger: PayLedger;
  v2: WeChatPayV2Api;
  v3: WeChatPayV3Api;
}

/** Keys per `IN (…)` query: well under every engine's limit of bound parameters. */
const CHUNK = 500;

/** The rows of the day's `ALL` trade bill through `version`; none when WeChat has no bill for the day. */
async function downloadTradeBill(deps: BillDeps, version: WeChatPayApiVersion, day: { date: string; compact: string }) {
  try {
    const text =
      version === 'v3'
        ? (await deps.v3.tradeBill({ billDate: day.date, billType: 'ALL' })).text
        : (await deps.v2.downloadBill({ billDate: day.compact, billType: 'ALL' })).text;
    return parseBill(text).rows;
  } catch (error) {
    // No payment and no refund that day: v2 answers `No Bill Exist`, v3 `NO_STATEMENT_EXIST`.
    if (
      error instanceof WeChatPayError &&
      (error.errCode === 'NO_STATEMENT_EXIST' || /No Bill Exist/i.test(error.detail.returnMsg ?? ''))
    ) {
      return [];
    }
    throw error;
  }
}

async function chunked<T>(keys: string[], load: (chunk: string[]) => Promise<T[]>): Promise<T[]> {
  const found: T[] = [];
  for (let i = 0; i < keys.length; i += CHUNK) found.push(...(await load(keys.slice(i, i + CHUNK))));
  return found;
}

/**
 * One `reconcileBill` run: downloads the day's trade bill, compares it with the stored orders and refunds and, when
 * asked, repairs through the ledger what a query can repair (a payment or refund the bill has and the row lacks).
 * @internal
 */
export async function reconcileBillRun(
  deps: BillDeps,
  day: { date: string; compact: string; start: number; end: number },
  version: WeChatPayApiVersion,
  repair: boolean,
  logger: Logger,
): Promise<BillReconciliationReport> {
  const rows = readTradeBillRows(await downloadTradeBill(deps, version, day));
  const range = And(MoreThanOrEqual(new Date(day.start)), LessThan(new Date(day.end)));
  const named = [...new Set(rows.map((r) => r.outTradeNo))];
  const orders = new Map<string, PayOrder>();
  for (const o of await chunked(named, (chunk) => deps.orders.findBy({ outTradeNo: In(chunk) }))) orders.set(o.outTradeNo, o);
  for (const o of await deps.orders.findBy({ paid: true, paidAt: range })) orders.set(o.outTradeNo, o);
  const refundNos = [...new Set(rows.flatMap((r) => (r.outRefundNo ? [r.outRefundNo] : [])))];
  const refunds = new Map<string, PayRefund>();
  for (const r of await chunked(refundNos, (chunk) => deps.refunds.findBy({ outRefundNo: In(chunk) }))) refunds.set(r.outRefundNo, r);
  for (const r of await deps.refunds.findBy({ status: 'SUCCESS', successAt: range })) refunds.set(r.outRefundNo, r);
  const orderIds = [...new Set([...refunds.values()].map((r) => r.orderId))].filter((id) => ![...orders.values()].some((o) => o.id === id));
  const byId = new Map([...orders.values()].map((o) => [o.id, o]));
  for (const o of await chunked(orderIds.map(String), (chunk) => deps.orders.findBy({ id: In(chunk.map(Number)) }))) byId.set(o.id, o);

  const orderViews: BillOrderView[] = [...orders.values()];
  const refundViews: BillRefundView[] = [...refunds.values()].map((r) => ({ ...r, outTradeNo: byId.get(r.orderId)?.outTradeNo ?? '' }));
  const { matched, mismatches } = compareTradeBill(day.date, day, rows, orderViews, refundViews);
  if (repair) {
    for (const mismatch of mismatches) {
      if (mismatch.repair !== 'not-attempted') continue;
      try {
        mismatch.repair = (await repairOne(deps, mismatch, orders, refunds)) ? 'repaired' : 'failed';
        if (mismatch.repair === 'failed') mismatch.detail = 'WeChat did not confirm the bill when asked';
      } catch (error) {
        mismatch.repair = 'failed';
        mismatch.detail = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error);
        logger.warn(`repairing ${mismatch.entity} ${mismatch.outRefundNo ?? mismatch.outTradeNo} failed: ${mismatch.detail}`);
      }
    }
  }
  return {
    billDate: day.date,
    apiVersion: version,
    billRows: rows.length,
    matched,
    mismatches,
    counts: countMismatches(mismatches),
    finishedAt: new Date(),
  };
}

/** Applies what WeChat says of a mismatch's order or refund through the ledger; whether it now agrees with the bill. */
async function repairOne(deps: BillDeps, mismatch: PayBillMismatch, orders: Map<string, PayOrder>, refunds: Map<string, PayRefund>) {
  const order = orders.get(mismatch.outTradeNo);
  if (!order) return false;
  const apiVersion = versionFor(deps.pay, order);
  if (mismatch.entity === 'order') {
    return (await deps.payOrders.syncOrder(order.id, { apiVersion })).paid;
  }
  const outRefundNo = mismatch.outRefundNo as string;
  const amount = mismatch.remote?.amount ?? Number.NaN;
  if (!refunds.has(outRefundNo) && (!Number.isInteger(amount) || amount <= 0)) return false;
  const refund = refunds.get(outRefundNo) ?? (await deps.ledger.adoptRefund(order, outRefundNo, amount));
  if (refund.status === 'PROCESSING') await syncRefund(deps, apiVersion, refund, order);
  const current = await deps.refunds.findOneByOrFail({ id: refund.id });
  return current.status === mismatch.remote?.status;
}
