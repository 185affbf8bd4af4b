import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { decryptRefundReqInfo, verifyPayV2Sign } from '../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../crypto/pay-xml.codec';
import { PayOrder } from '../entities/pay-order.entity';
import { PayRefund, PayRefundStatus } from '../entities/pay-refund.entity';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions } from '../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { isUniqueViolation } from '../utils/unique-violation.util';
import { PayEventRegistry } from './pay-event.registry';
import { int, parseBeijingDateTime, parseBeijingTime } from './pay-input.util';
import type { NotifyOutcome, PayNotification } from './wechat-pay.interfaces';

/** The XML answers WeChat expects. */
const ACK = buildPayXml({ return_code: 'SUCCESS', return_msg: 'OK' });
const nack = (message: string) => buildPayXml({ return_code: 'FAIL', return_msg: message });

const FINAL_REFUND_STATES: readonly PayRefundStatus[] = ['SUCCESS', 'CHANGE', 'REFUNDCLOSE'];

/** A refund notification rejected for a reason that is not worth a warning (e.g. a forgery). */
class Rejection extends Error {}

/**
 * The notification pipelines: parse safely, authenticate, check against the stored order, then
 * change state exactly once in a transaction together with the host's handlers. Anything wrong
 * answers `FAIL` and changes nothing; a repeat of a processed notification answers `SUCCESS`
 * and changes nothing.
 * @internal
 */
@Injectable()
export class PayNotifyProcessor implements BeforeApplicationShutdown {
  private readonly logger = new Logger('MiniProgram');
  private readonly inflight = new Set<Promise<unknown>>();

  /** How long shutdown waits for notifications being processed. */
  static shutdownGraceMs = 10_000;

  /**
   * Lets notifications that are being processed finish before the database connection closes
   * (TypeORM closes it in `onApplicationShutdown`, after this hook), so that a transaction under
   * way commits and its `SUCCESS` is sent, instead of failing half-way.
   */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.inflight.size === 0) return;
    this.logger.log(`waiting for ${this.inflight.size} notification(s) in progress`);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.inflight]),
      new Promise((resolve) => (timer = setTimeout(resolve, PayNotifyProcessor.shutdownGraceMs))),
    ]);
    clearTimeout(timer);
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work)).catch(() => undefined);
    return work;
  }

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly events: PayEventRegistry,
    @InjectRepository(PayOrder) private readonly orders: Repository<PayOrder>,
    @InjectRepository(PayRefund) private readonly refunds: Repository<PayRefund>,
  ) {}

  handlePayNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayOrder>> {
    return this.track(this.processPayNotify(rawXml));
  }

  handleRefundNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayRefund>> {
    return this.track(this.processRefundNotify(rawXml));
  }

  private async processPayNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayOrder>> {
    try {
      const pay = this.payOptions();
      const n = await this.parse(rawXml);
      if (n.return_code !== 'SUCCESS') throw new Rejection('return_code is not SUCCESS');
      if (!verifyPayV2Sign(n, pay.apiKey)) throw new Rejection('signature does not verify');
      this.checkMerchant(n, pay);

      const order = await this.orders.findOne({ where: { outTradeNo: n.out_trade_no ?? '' } });
      if (!order) throw new Rejection('unknown out_trade_no');
      if (n.result_code !== 'SUCCESS') {
        // A failed payment: nothing was paid; record it unless the order is paid already.
        await this.orders.update({ id: order.id, paid: false }, { status: 'PAYERROR' });
        return { status: 'processed', result: order, xml: ACK };
      }
      const totalFee = int(n.total_fee);
      if (totalFee !== order.totalFee) throw new Rejection(`total_fee ${n.total_fee} differs from the order's ${order.totalFee}`);
      if (!n.transaction_id) throw new Rejection('transaction_id missing');

      const notification: PayNotification = {
        outTradeNo: order.outTradeNo,
        transactionId: n.transaction_id,
        totalFee,
        cashFee: int(n.cash_fee),
        openId: n.openid,
        bankType: n.bank_type,
        timeEnd: parseBeijingTime(n.time_end),
        attach: n.attach,
        raw: n,
      };
      const { status, order: result } = await this.applyPayment(order, notification, 'notify');
      return { status, result, xml: ACK };
    } catch (error) {
      return this.reject('payment', error);
    }
  }

  private async processRefundNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayRefund>> {
    try {
      const pay = this.payOptions();
      const outer = await this.parse(rawXml);
      if (outer.return_code !== 'SUCCESS') throw new Rejection('return_code is not SUCCESS');
      this.checkMerchant(outer, pay);
      if (!outer.req_info) throw new Rejection('req_info missing');
      let info: Record<string, string>;
      try {
        info = await parsePayXml(decryptRefundReqInfo(outer.req_info, pay.apiKey), { root: 'root' });
      } catch {
        // Refund notifications carry no signature: decryption with our key is what authenticates them.
        throw new Rejection('req_info does not decrypt with the API key');
      }
      const status = info.refund_status as PayRefundStatus;
      if (!FINAL_REFUND_STATES.includes(status)) throw new Rejection(`unknown refund_status ${info.refund_status}`);
      const order = await this.orders.findOne({ where: { outTradeNo: info.out_trade_no ?? '' } });
      if (!order) throw new Rejection('unknown out_trade_no');
      const refundFee = int(info.refund_fee);
      if (!info.out_refund_no || refundFee === undefined || refundFee <= 0) throw new Rejection('out_refund_no or refund_fee missing');

      let refund = await this.refunds.findOne({ where: { outRefundNo: info.out_refund_no } });
      if (!refund) refund = await this.adoptRefund(order, info.out_refund_no, refundFee);
      if (refund.orderId !== order.id) throw new Rejection('the refund belongs to another order');
      if (refund.refundFee !== refundFee) throw new Rejection(`refund_fee ${refundFee} differs from the refund's ${refund.refundFee}`);

      const outcome = await this.applyRefund(refund, order, status, info, 'notify');
      return { status: outcome.status, result: outcome.refund, xml: ACK };
    } catch (error) {
      return this.reject('refund', error);
    }
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
    return this.orders.manager.transaction(async (manager) => {
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
      await this.events.orderPaid({ order: current, notification, source, manager });
      return { status: 'processed' as const, order: current };
    });
  }

  /** Moves a refund from PROCESSING to a final state exactly once, with the `@OnPayRefundSettled()` handlers. */
  async applyRefund(
    refund: PayRefund,
    order: PayOrder,
    status: PayRefundStatus,
    info: Record<string, string>,
    source: 'notify' | 'query',
  ): Promise<{ status: 'processed' | 'duplicate'; refund: PayRefund }> {
    return this.orders.manager.transaction(async (manager: EntityManager) => {
      const result = await manager
        .createQueryBuilder()
        .update(PayRefund)
        .set({
          status,
          refundId: info.refund_id || refund.refundId,
          successAt: status === 'SUCCESS' ? (parseBeijingDateTime(info.success_time) ?? new Date()) : null,
          recvAccount: (info.refund_recv_accout ?? '').slice(0, 64) || null,
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
  private async adoptRefund(order: PayOrder, outRefundNo: string, refundFee: number): Promise<PayRefund> {
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

  private payOptions(): ResolvedPayOptions {
    if (!this.options.pay) throw new Rejection('WeChat Pay is not configured');
    return this.options.pay;
  }

  private async parse(rawXml: string | Buffer): Promise<Record<string, string>> {
    try {
      return await parsePayXml(rawXml);
    } catch {
      throw new Rejection('malformed or unsafe XML');
    }
  }

  private checkMerchant(n: Record<string, string>, pay: ResolvedPayOptions): void {
    if (n.appid !== this.options.appId || n.mch_id !== pay.mchId) throw new Rejection('appid or mch_id is not ours');
  }

  private reject<T>(kind: string, error: unknown): NotifyOutcome<T> {
    const reason = error instanceof Rejection ? error.message : 'internal error';
    if (error instanceof Rejection) {
      this.logger.warn(`WeChat ${kind} notification rejected: ${reason}`);
    } else {
      this.logger.error(`WeChat ${kind} notification failed, answered FAIL so that WeChat retries: ${(error as Error)?.message ?? error}`);
    }
    return { status: 'rejected', reason, xml: nack(error instanceof Rejection ? 'rejected' : 'temporarily unavailable') };
  }
}
