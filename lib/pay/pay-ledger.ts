import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { PayOrder } from '../entities/pay-order.entity';
import { PayRefund, PayRefundStatus } from '../entities/pay-refund.entity';
import { AfterCommitQueue } from '../utils/after-commit';
import { InflightWork } from '../utils/inflight-work';
import { isUniqueViolation } from '../utils/unique-violation.util';
import { PayEventRegistry } from './pay-event.registry';
import { parseBeijingDateTime } from './pay-input.util';
import type { PayNotification, PayRawData } from './wechat-pay.interfaces';

/**
 * The one place payments and refunds change state, whichever API version and whichever source (a notification, a
 * query) told of them: each transition is a conditional update only one caller can win, in a transaction with the
 * host's `@OnPayOrderPaid()` / `@OnPayRefundSettled()` handlers, so it happens exactly once across every instance that
 * shares the database. It also keeps the work in flight (`track`) and lets it finish on shutdown before the database
 * connection closes.
 * @internal
 */
@Injectable()
export class PayLedger implements BeforeApplicationShutdown {
  private readonly logger = new Logger('MiniProgram');
  private readonly inflight = new InflightWork();
  private readonly paymentListeners: Array<(order: PayOrder) => void> = [];

  /** How long shutdown waits for notifications being processed. */
  static shutdownGraceMs = 10_000;

  constructor(
    private readonly events: PayEventRegistry,
    @InjectRepository(PayOrder) private readonly orders: Repository<PayOrder>,
    @InjectRepository(PayRefund) private readonly refunds: Repository<PayRefund>,
  ) {}

  /**
   * Lets notifications that are being processed finish before the database connection closes
   * (TypeORM closes it in `onApplicationShutdown`, after this hook), so that a transaction under
   * way commits and its `SUCCESS` is sent, instead of failing half-way.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.inflight.size === 0) return;
    this.logger.log(`waiting for ${this.inflight.size} notification(s) in progress`);
    await this.inflight.drain(PayLedger.shutdownGraceMs);
  }

  /** Keeps `work` among what shutdown waits for until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    return this.inflight.track(work);
  }

  /**
   * Marks an order paid exactly once (a conditional update only one caller can win) and runs the
   * `@OnPayOrderPaid()` handlers in the same transaction.
   */
  async applyPayment(
    order: PayOrder,
    notification: PayNotification,
    source: 'notify' | 'query',
  ): Promise<{ status: 'processed' | 'duplicate'; order: PayOrder }> {
    const afterCommit = new AfterCommitQueue(this.logger);
    const outcome = await this.orders.manager.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(PayOrder)
        .set({
          status: 'SUCCESS',
          paid: true,
          transactionId: notification.transactionId,
          paidAt: notification.timeEnd ?? new Date(),
          cashFee: notification.cashFee ?? null,
          bankType: notification.bankType ?? null,
        })
        .where('id = :id', { id: order.id })
        .andWhere('paid = :paid', { paid: false })
        .execute();
      const current = await manager.findOneOrFail(PayOrder, { where: { id: order.id } });
      if (!result.affected) {
        if (current.transactionId !== notification.transactionId) {
          this.logger.error(
            `order ${order.outTradeNo} was paid by transaction ${current.transactionId}, now also reported paid by ${notification.transactionId}`,
          );
        }
        return { status: 'duplicate' as const, order: current };
      }
      await this.events.orderPaid({ order: current, notification, source, manager, afterCommit: afterCommit.add });
      return { status: 'processed' as const, order: current };
    });
    if (outcome.status === 'processed') {
      void this.track(afterCommit.run());
      for (const listener of this.paymentListeners) {
        try {
          listener(outcome.order);
        } catch (error) {
          this.logger.error(`a listener of committed payments failed: ${(error as Error).message}`);
        }
      }
    }
    return outcome;
  }

  /**
   * Calls `listener` after each payment's transaction has committed (never for a duplicate): the moment to send what
   * the payment's handlers queued in it (the automatic shipping upload). It must not throw or wait.
   */
  onPaymentCommitted(listener: (order: PayOrder) => void): void {
    this.paymentListeners.push(listener);
  }

  /** Moves a refund from PROCESSING to a final state exactly once, with the `@OnPayRefundSettled()` handlers. */
  async applyRefund(
    refund: PayRefund,
    order: PayOrder,
    status: PayRefundStatus,
    info: PayRawData,
    source: 'notify' | 'query',
    given: { refundId?: string; successAt?: Date; recvAccount?: string } = {},
  ): Promise<{ status: 'processed' | 'duplicate'; refund: PayRefund }> {
    return this.orders.manager.transaction(async (manager: EntityManager) => {
      const result = await manager
        .createQueryBuilder()
        .update(PayRefund)
        .set({
          status,
          refundId: given.refundId || (typeof info.refund_id === 'string' ? info.refund_id : '') || refund.refundId,
          successAt:
            status === 'SUCCESS'
              ? (given.successAt ??
                parseBeijingDateTime(typeof info.success_time === 'string' ? info.success_time : undefined) ??
                new Date())
              : null,
          recvAccount:
            (given.recvAccount ?? (typeof info.refund_recv_accout === 'string' ? info.refund_recv_accout : '')).slice(0, 64) || null,
        })
        .where('id = :id', { id: refund.id })
        .andWhere('status = :processing', { processing: 'PROCESSING' })
        .execute();
      if (!result.affected) {
        return { status: 'duplicate' as const, refund: await manager.findOneOrFail(PayRefund, { where: { id: refund.id } }) };
      }
      if (status === 'SUCCESS') {
        await manager
          .createQueryBuilder()
          .update(PayOrder)
          .set({ refundedFee: () => `refunded_fee + ${Math.trunc(refund.refundFee)}`, status: 'REFUND' })
          .where('id = :id', { id: order.id })
          .execute();
      }
      const settled = await manager.findOneOrFail(PayRefund, { where: { id: refund.id } });
      const updatedOrder = await manager.findOneOrFail(PayOrder, { where: { id: order.id } });
      await this.events.refundSettled({ refund: settled, order: updatedOrder, source, raw: info, manager });
      return { status: 'processed' as const, refund: settled };
    });
  }

  /** A refund made outside this library (e.g. in the merchant platform): record it so it can settle. */
  async adoptRefund(order: PayOrder, outRefundNo: string, refundFee: number): Promise<PayRefund> {
    try {
      return await this.refunds.save(
        this.refunds.create({
          outRefundNo,
          orderId: order.id,
          totalFee: order.totalFee,
          refundFee,
          status: 'PROCESSING',
          refundDesc: null,
        }),
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return this.refunds.findOneOrFail({ where: { outRefundNo } });
    }
  }
}
