import { STORE_LIMIT } from '../server/simulator.constants';
import type { OrderRecord, RefundRecord } from './pay-state';
import type { SimOrder, SimRefund } from './pay.interfaces';

/**
 * The orders and refunds of the simulated WeChat Pay (v2 and v3 alike), with the indexes the APIs look them up by:
 * out_trade_no, transaction_id and prepay_id for orders, out_refund_no and refund_id for refunds. At most
 * {@link STORE_LIMIT} orders are kept; the oldest goes first, with its refunds.
 * @internal
 */
export class PayStore {
  private readonly orders = new Map<string, OrderRecord>();
  private readonly ordersByTransaction = new Map<string, OrderRecord>();
  private readonly ordersByPrepay = new Map<string, OrderRecord>();
  private readonly refunds = new Map<string, RefundRecord>();
  private readonly refundsById = new Map<string, RefundRecord>();

  order(mchId: string, outTradeNo: string): OrderRecord | undefined {
    return this.orders.get(key(mchId, outTradeNo));
  }

  orderByTransaction(mchId: string, transactionId: string): OrderRecord | undefined {
    const order = this.ordersByTransaction.get(transactionId);
    return order?.mchId === mchId ? order : undefined;
  }

  /** The order a `prepay_id` was given to, even if it has since been renewed (paying with it then says "expired"). */
  orderByPrepay(prepayId: string): OrderRecord | undefined {
    return this.ordersByPrepay.get(prepayId);
  }

  /** Every order of a merchant, oldest first. */
  ordersOf(mchId: string): OrderRecord[] {
    return [...this.orders.values()].filter((order) => order.mchId === mchId);
  }

  addOrder(order: OrderRecord): void {
    if (this.orders.size >= STORE_LIMIT) this.evictOldestOrder();
    this.orders.set(key(order.mchId, order.outTradeNo), order);
    this.ordersByPrepay.set(order.prepayId, order);
  }

  /** Makes a renewed `prepay_id` of an order findable; the old ones stay known. */
  indexPrepay(order: OrderRecord, prepayId: string): void {
    this.ordersByPrepay.set(prepayId, order);
  }

  /** Makes an order findable by its `transaction_id`, once it has one. */
  indexTransaction(order: OrderRecord, transactionId: string): void {
    this.ordersByTransaction.set(transactionId, order);
  }

  refund(mchId: string, outRefundNo: string): RefundRecord | undefined {
    return this.refunds.get(key(mchId, outRefundNo));
  }

  refundById(mchId: string, refundId: string): RefundRecord | undefined {
    const refund = this.refundsById.get(refundId);
    return refund?.mchId === mchId ? refund : undefined;
  }

  /** Every refund of a merchant, oldest first. */
  refundsOf(mchId: string): RefundRecord[] {
    return [...this.refunds.values()].filter((refund) => refund.mchId === mchId);
  }

  /** The refunds of an order, oldest first. */
  refundsOfOrder(order: OrderRecord): RefundRecord[] {
    return order.refunds.map((no) => this.refund(order.mchId, no)).filter((r): r is RefundRecord => r !== undefined);
  }

  /** What is left to refund of a paid order: its amount less every refund of it that is not closed. */
  refundableFee(order: OrderRecord): number {
    const taken = this.refundsOfOrder(order)
      .filter((r) => r.status !== 'REFUNDCLOSE')
      .reduce((sum, r) => sum + r.refundFee, 0);
    return order.totalFee - taken;
  }

  /** Records a refund of an order; settling it is the business of the refunds (pay-refunds.ts). */
  storeRefund(refund: RefundRecord, order: OrderRecord): void {
    this.refunds.set(key(refund.mchId, refund.outRefundNo), refund);
    this.refundsById.set(refund.refundId, refund);
    order.refunds.push(refund.outRefundNo);
  }

  /** Forgets every order and refund. */
  protected clearRecords(): void {
    this.orders.clear();
    this.ordersByTransaction.clear();
    this.ordersByPrepay.clear();
    this.refunds.clear();
    this.refundsById.clear();
  }

  private evictOldestOrder(): void {
    const oldest = this.orders.values().next();
    if (oldest.done) return;
    const order = oldest.value;
    this.orders.delete(key(order.mchId, order.outTradeNo));
    for (const [prepayId, o] of this.ordersByPrepay) if (o === order) this.ordersByPrepay.delete(prepayId);
    if (order.transactionId !== undefined) this.ordersByTransaction.delete(order.transactionId);
    for (const refund of this.refundsOfOrder(order)) {
      this.refunds.delete(key(refund.mchId, refund.outRefundNo));
      this.refundsById.delete(refund.refundId);
    }
  }
}

function key(mchId: string, id: string): string {
  return `${mchId}\n${id}`;
}

/** The public shape of an order, for the getters: without its notification. @internal */
export function copyOrder(order: OrderRecord): SimOrder {
  const { notifyFields: _fields, v3Notification: _v3, ...rest } = order;
  return { ...rest, refunds: [...order.refunds] };
}

/** The public shape of a refund, for the getters: without its notification. @internal */
export function copyRefund(refund: RefundRecord): SimRefund {
  const { reqInfoPlain: _plain, notifyBody: _body, v3Notification: _v3, ...rest } = refund;
  return { ...rest };
}
