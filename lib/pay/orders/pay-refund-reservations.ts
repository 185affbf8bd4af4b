import type { EntityManager, Repository } from 'typeorm';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayRefund } from '../../entities/pay-refund.entity';
import { PayOrderStateError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import { KeyedQueue } from '../../utils/keyed-queue';
import { hasRowLocks } from '../../utils/row-locks.util';
import { isUniqueViolation } from '../../utils/unique-violation.util';
import type { RefundRequest } from '../wechat-pay.interfaces';

/**
 * The amounts promised to the refunds of each `PayOrder`, and their reservation as `PayRefund` rows before WeChat is
 * asked. Apart from `PayOrdersService` because it is the one database concurrency problem of the refund path: the sum
 * of an order's refunds must never exceed the payment, whichever instance or request reserves them, with row locks
 * where the driver has them and one queue per process where it does not.
 * @internal
 */
export class PayRefundReservations {
  /** Refund reservations of one order, one after another, where the driver has no row locks. */
  private readonly queue = new KeyedQueue<number>();

  constructor(
    private readonly orders: Repository<PayOrder>,
    private readonly refunds: Repository<PayRefund>,
  ) {}

  /** Fen of an order promised to refunds that are not closed, as `manager` sees them. */
  async committed(orderId: number, manager: EntityManager = this.refunds.manager): Promise<number> {
    const rows = await manager.find(PayRefund, { where: { orderId } });
    return rows.filter((r) => r.status !== 'REFUNDCLOSE').reduce((sum, r) => sum + r.refundFee, 0);
  }

  /**
   * The PayRefund of a refund request, created (PROCESSING) unless it exists, once the order is known to have that much
   * left. The check and the insert are one step per order: a transaction holding the order's row lock (`FOR UPDATE`),
   * so concurrent refunds of one order, from any number of instances, are reserved one after another and the sum of
   * their amounts can never exceed the payment. Drivers that share one connection per process (SQLite) have no row
   * locks, and their concurrent transactions would interleave on that connection; there the reservations of an order
   * run one after another in the process instead.
   */
  async record(order: PayOrder, req: RefundRequest): Promise<PayRefund> {
    const reserve = () => this.orders.manager.transaction((manager) => this.reserve(manager, order, req));
    let recorded: PayRefund | null;
    try {
      recorded = await (this.rowLocks() ? reserve() : this.queue.run(order.id, reserve));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      recorded = null; // the same outRefundNo recorded meanwhile, for this order or another: compared below
    }
    return recorded ?? this.sameRefund(order, req, await this.refunds.findOneOrFail({ where: { outRefundNo: req.outRefundNo } }));
  }

  private async reserve(manager: EntityManager, order: PayOrder, req: RefundRequest): Promise<PayRefund> {
    const locked = await manager.findOne(PayOrder, {
      where: { id: order.id },
      ...(this.rowLocks() ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!locked) throw new WeChatPayInputError('refund', ['no such PayOrder']);
    const existing = await manager.findOne(PayRefund, { where: { outRefundNo: req.outRefundNo } });
    if (existing) return this.sameRefund(locked, req, existing);
    if (!locked.paid) throw new PayOrderStateError(`order ${locked.outTradeNo} is not paid`, locked.outTradeNo, locked.status);
    if (req.totalFee !== locked.totalFee) throw new WeChatPayInputError('refund', [`totalFee must be the order's ${locked.totalFee} fen`]);
    const left = locked.totalFee - (await this.committed(locked.id, manager));
    if (req.refundFee > left) {
      throw new PayOrderStateError(
        `refund of ${req.refundFee} fen exceeds what is left of order ${locked.outTradeNo} (${left} fen)`,
        locked.outTradeNo,
        locked.status,
      );
    }
    return manager.save(
      manager.create(PayRefund, {
        outRefundNo: req.outRefundNo,
        orderId: locked.id,
        totalFee: locked.totalFee,
        refundFee: req.refundFee,
        refundDesc: req.refundDesc ?? null,
        status: 'PROCESSING',
      }),
    );
  }

  /** `existing` when it is the refund `req` asks for (a retry), else the typed refusal of a reused `outRefundNo`. */
  private sameRefund(order: PayOrder, req: RefundRequest, existing: PayRefund): PayRefund {
    if (existing.orderId !== order.id || existing.refundFee !== req.refundFee) {
      throw new WeChatPayInputError('refund', [`outRefundNo ${req.outRefundNo} was used for another refund`]);
    }
    return existing;
  }

  /** Whether the database driver locks rows (`SELECT … FOR UPDATE`); the SQLite family shares one connection instead. */
  private rowLocks(): boolean {
    return hasRowLocks(this.orders.manager);
  }
}
