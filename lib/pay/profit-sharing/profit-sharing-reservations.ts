import type { EntityManager, Repository } from 'typeorm';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayProfitShare } from '../../entities/pay-profit-share.entity';
import { PayRefund } from '../../entities/pay-refund.entity';
import { PayProfitSharingLimitError } from '../../errors/wechat-pay-profit-sharing.error';
import { PayOrderStateError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import { KeyedQueue } from '../../utils/keyed-queue';
import { hasRowLocks } from '../../utils/row-locks.util';
import { isUniqueViolation } from '../../utils/unique-violation.util';
import { splitLimit } from './profit-sharing-input';
import type { RequestProfitSharingRequest } from './profit-sharing.interfaces';

/** What a split asks to reserve. @internal */
export interface SplitReservation {
  req: RequestProfitSharingRequest;
  amount: number;
  digest: string;
  maxRatio: number;
}

/**
 * The amounts of each `PayOrder` promised to splits, reserved as `PayProfitShare` rows before WeChat is asked. The
 * check and the insert are one step per order: a transaction holding the order's row lock (`FOR UPDATE`, the lock the
 * refund reservations take too), so concurrent splits of one order, from any number of instances, are reserved one
 * after another and their sum never exceeds `floor(total × maxRatio)`, nor, with the refunds, the payment. Where the
 * driver has no row locks (SQLite, one connection per process) the reservations of an order queue in the process.
 * @internal
 */
export class PayProfitSharingReservations {
  private readonly queue = new KeyedQueue<number>();

  constructor(
    private readonly orders: Repository<PayOrder>,
    private readonly shares: Repository<PayProfitShare>,
  ) {}

  /** The split's row: reserved now, or the one a previous request with the same `outOrderNo` and content reserved. */
  async reserve(order: PayOrder, split: SplitReservation): Promise<PayProfitShare> {
    const reserve = () => this.orders.manager.transaction((manager) => this.insert(manager, order, split));
    try {
      return await (this.rowLocks() ? reserve() : this.queue.run(order.id, reserve));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The same outOrderNo reserved meanwhile: a retry if it asks the same.
      return this.same(split, await this.shares.findOneByOrFail({ outOrderNo: split.req.outOrderNo }));
    }
  }

  /** Releases a reservation WeChat never accepted (no `order_id`), so its amount can be split again. */
  async release(share: PayProfitShare): Promise<void> {
    await this.shares
      .createQueryBuilder()
      .delete()
      .from(PayProfitShare)
      .where('id = :id', { id: share.id })
      .andWhere('wechat_order_id IS NULL')
      .andWhere('state = :state', { state: 'PROCESSING' })
      .execute();
  }

  private async insert(manager: EntityManager, order: PayOrder, split: SplitReservation): Promise<PayProfitShare> {
    const locked = await manager.findOne(PayOrder, {
      where: { id: order.id },
      ...(this.rowLocks() ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!locked) throw new WeChatPayInputError('requestSplit', ['no such PayOrder']);
    const existing = await manager.findOne(PayProfitShare, { where: { outOrderNo: split.req.outOrderNo } });
    if (existing) return this.same(split, existing);
    if (!locked.paid || !locked.transactionId) {
      throw new PayOrderStateError(`order ${locked.outTradeNo} is not paid`, locked.outTradeNo, locked.status);
    }
    const splits = (await manager.find(PayProfitShare, { where: { orderId: locked.id } })).reduce((sum, s) => sum + s.amount, 0);
    const refunds = (await manager.find(PayRefund, { where: { orderId: locked.id } }))
      .filter((r) => r.status !== 'REFUNDCLOSE')
      .reduce((sum, r) => sum + r.refundFee, 0);
    const left = Math.max(0, Math.min(splitLimit(locked.totalFee, split.maxRatio) - splits, locked.totalFee - refunds - splits));
    if (split.amount > left) throw new PayProfitSharingLimitError(locked.outTradeNo, locked.status, split.amount, left);
    return manager.save(
      manager.create(PayProfitShare, {
        outOrderNo: split.req.outOrderNo,
        orderId: locked.id,
        transactionId: locked.transactionId,
        wechatOrderId: null,
        amount: split.amount,
        receivers: split.req.receivers.map((r) => ({ type: r.type, account: r.account, amount: r.amount, description: r.description })),
        unfreezeUnsplit: split.req.unfreezeUnsplit,
        state: 'PROCESSING',
        requestDigest: split.digest,
        finishedAt: null,
      }),
    );
  }

  private same(split: SplitReservation, existing: PayProfitShare): PayProfitShare {
    if (existing.requestDigest !== split.digest) {
      throw new WeChatPayInputError('requestSplit', [`outOrderNo ${split.req.outOrderNo} was used for another split`]);
    }
    return existing;
  }

  private rowLocks(): boolean {
    return hasRowLocks(this.orders.manager);
  }
}
