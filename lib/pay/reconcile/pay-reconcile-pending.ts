import { Logger } from '@nestjs/common';
import { Brackets, In, LessThanOrEqual, Not, Repository, WhereExpressionBuilder } from 'typeorm';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayRefund } from '../../entities/pay-refund.entity';
import { PAY_TRANSFER_FINAL_STATES, PayTransfer } from '../../entities/pay-transfer.entity';
import { PayOrderStateError } from '../../errors/wechat-pay.error';
import type { ResolvedPayOptions, ResolvedPayReconcileOptions } from '../../interfaces';
import type { PayOrdersService } from '../orders/pay-orders.service';
import type { PayLedger } from '../pay-ledger';
import type { WeChatPayTransferService } from '../transfers/wechat-pay-transfer.service';
import type { WeChatPayV2Api } from '../v2/wechat-pay-v2.api';
import type { WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import { freeLease, releaseReconcileLease, takeReconcileLease } from './pay-reconcile.lease';
import type { PayReconcileCounts, PayReconcileFailure, PayReconcileSummary } from './pay-reconcile.interfaces';
import { syncRefund, versionFor } from './pay-refund-sync';

/** The unpaid states an order that reached WeChat can be left in. */
const UNPAID = ['NOTPAY', 'USERPAYING'];

/** What one pending run needs. @internal */
export interface PendingDeps {
  pay: ResolvedPayOptions;
  orders: Repository<PayOrder>;
  refunds: Repository<PayRefund>;
  transfers: Repository<PayTransfer>;
  payOrders: PayOrdersService;
  transferService: WeChatPayTransferService;
  ledger: PayLedger;
  v2: WeChatPayV2Api;
  v3: WeChatPayV3Api;
  /** Whether shutdown began: a run stops taking items. */
  stopped: () => boolean;
}

const counts = (): PayReconcileCounts => ({ checked: 0, changed: 0, closed: 0, skipped: 0, failed: 0 });

const pendingOrder = (where: WhereExpressionBuilder) =>
  where
    .where('paid = :unpaid', { unpaid: false })
    .andWhere('status IN (:...unpaidStates)', { unpaidStates: UNPAID })
    .andWhere('prepay_id IS NOT NULL');
const pendingRefund = (where: WhereExpressionBuilder) => where.where('status = :processing', { processing: 'PROCESSING' });
const pendingTransfer = (where: WhereExpressionBuilder) => where.where('state NOT IN (:...finals)', { finals: PAY_TRANSFER_FINAL_STATES });

/**
 * One `reconcilePending` run: the orders, refunds and transfers old enough and not final, each taken under a lease,
 * asked for at WeChat and applied through the ledger.
 * @internal
 */
export async function reconcilePendingRun(
  deps: PendingDeps,
  settings: ResolvedPayReconcileOptions,
  now: Date,
  logger: Logger,
): Promise<PayReconcileSummary> {
  const summary: PayReconcileSummary = {
    startedAt: new Date(),
    finishedAt: new Date(),
    orders: counts(),
    refunds: counts(),
    transfers: counts(),
    failures: [],
  };
  const cutoff = new Date(now.getTime() - settings.minAgeSeconds * 1000);
  const until = new Date(now.getTime() + settings.leaseSeconds * 1000);
  const fail = (kind: PayReconcileFailure['kind'], key: string, error: unknown, into: PayReconcileCounts) => {
    into.failed++;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    summary.failures.push({ kind, key, error: text.slice(0, 500) });
    logger.warn(`reconciling ${kind} ${key} failed: ${text}`);
  };

  const orders = await deps.orders
    .createQueryBuilder('o')
    .where(new Brackets(pendingOrder))
    .andWhere('created_at <= :cutoff', { cutoff })
    .andWhere(freeLease(now))
    .orderBy('o.id', 'ASC')
    .take(settings.batchSize)
    .getMany();
  for (const order of orders) {
    if (deps.stopped()) break;
    if (!(await takeReconcileLease(deps.orders, PayOrder, order.id, now, until, pendingOrder))) {
      summary.orders.skipped++;
      continue;
    }
    summary.orders.checked++;
    try {
      const apiVersion = versionFor(deps.pay, order);
      const synced = await deps.payOrders.syncOrder(order.id, { apiVersion });
      if (synced.paid || synced.status !== order.status) summary.orders.changed++;
      const expired = order.prepayExpiresAt !== null && new Date(order.prepayExpiresAt).getTime() <= now.getTime();
      if (settings.closeExpiredUnpaid && expired && !synced.paid && synced.status === 'NOTPAY') {
        try {
          await deps.payOrders.closePayOrder(order.id, { apiVersion });
          summary.orders.closed++;
        } catch (error) {
          // Paid meanwhile: closePayOrder applied the payment through the ledger.
          if (!(error instanceof PayOrderStateError)) throw error;
          summary.orders.changed++;
        }
      }
    } catch (error) {
      fail('order', order.outTradeNo, error, summary.orders);
    } finally {
      await releaseReconcileLease(deps.orders, PayOrder, order.id);
    }
  }

  const refunds = await deps.refunds.find({
    where: { status: 'PROCESSING', createdAt: LessThanOrEqual(cutoff) },
    order: { id: 'ASC' },
    take: settings.batchSize * 2,
  });
  let taken = 0;
  for (const refund of refunds) {
    if (deps.stopped() || taken >= settings.batchSize) break;
    if (refund.reconcileLeaseUntil && new Date(refund.reconcileLeaseUntil).getTime() >= now.getTime()) continue;
    if (!(await takeReconcileLease(deps.refunds, PayRefund, refund.id, now, until, pendingRefund))) {
      summary.refunds.skipped++;
      continue;
    }
    taken++;
    summary.refunds.checked++;
    try {
      const order = await deps.orders.findOneByOrFail({ id: refund.orderId });
      if (await syncRefund(deps, versionFor(deps.pay, order), refund, order)) summary.refunds.changed++;
    } catch (error) {
      fail('refund', refund.outRefundNo, error, summary.refunds);
    } finally {
      await releaseReconcileLease(deps.refunds, PayRefund, refund.id);
    }
  }

  if (deps.pay.v3) {
    const transfers = await deps.transfers.find({
      where: { state: Not(In([...PAY_TRANSFER_FINAL_STATES])), createdAt: LessThanOrEqual(cutoff) },
      order: { id: 'ASC' },
      take: settings.batchSize * 2,
    });
    taken = 0;
    for (const transfer of transfers) {
      if (deps.stopped() || taken >= settings.batchSize) break;
      if (transfer.reconcileLeaseUntil && new Date(transfer.reconcileLeaseUntil).getTime() >= now.getTime()) continue;
      if (!(await takeReconcileLease(deps.transfers, PayTransfer, transfer.id, now, until, pendingTransfer))) {
        summary.transfers.skipped++;
        continue;
      }
      taken++;
      summary.transfers.checked++;
      try {
        const synced = await deps.transferService.syncTransfer(transfer.outBillNo);
        if (synced.state !== transfer.state) summary.transfers.changed++;
      } catch (error) {
        fail('transfer', transfer.outBillNo, error, summary.transfers);
      } finally {
        await releaseReconcileLease(deps.transfers, PayTransfer, transfer.id);
      }
    }
  }
  summary.finishedAt = new Date();
  return summary;
}
