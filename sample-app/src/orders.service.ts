import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { OnPayOrderPaid, OnPayRefundSettled, OnWeChatEvent, PayOrder, PayOrderStateError, WeChatPayService } from 'nestjs-miniprogram-api';
import type {
  PayOrderPaidEvent,
  PayRefundSettledEvent,
  TradeManageOrderSettlementEvent,
  WeChatAccount,
  WeChatPushEvent,
  WxRequestPaymentParams,
} from 'nestjs-miniprogram-api';
import { Repository } from 'typeorm';
import { OrderPaidMessages } from './order-messages';
import { ORDER_MONEY_OPTIONS } from './order-money.options';
import type { OrderMoneyOptions } from './order-money.options';
import { PickupOrder } from './pickup-order.entity';

/** What the API shows of an order. */
export interface PickupOrderView {
  id: number;
  description: string;
  totalFee: number;
  status: PickupOrder['status'];
  paid: boolean;
  fulfilledCount: number;
  payStatus: string | null;
  outTradeNo: string | null;
  transactionId: string | null;
  refundedFee: number;
  /** Whether WeChat has the shipping info (uploaded as self-pickup once paid, `shipping.autoUpload`). */
  shippingUploaded: boolean;
  /** ISO 8601 times from the PayOrder, kept by WeChat's `trade_manage_order_settlement` pushes. */
  shippedAt: string | null;
  receiptConfirmedAt: string | null;
  settledAt: string | null;
  /** The "order paid" subscribe message: `PENDING`, `SENDING`, `SENT`, `SKIPPED`, `REFUSED`, `FAILED`; null: none configured. */
  paidMessage: PickupOrder['paidMessage'];
  /** Why it was not sent. */
  paidMessageDetail: string | null;
  /** Cash back (API v3): fen, and `REQUESTED`, the transfer's state, then `SUCCESS`, `FAIL` or `CANCELLED`; null: none asked. */
  cashbackAmount: number | null;
  cashbackState: string | null;
  /** The partner's split (API v3, simulator): fen, `REQUESTED`, `PROCESSING`, `FINISHED`; the partner's result once finished. */
  splitAmount: number | null;
  splitState: string | null;
  splitResult: string | null;
}

@Injectable()
export class OrdersService {
  constructor(
    @InjectRepository(PickupOrder) private readonly orders: Repository<PickupOrder>,
    private readonly wechatPay: WeChatPayService,
    private readonly paidMessages: OrderPaidMessages,
    @Inject(ORDER_MONEY_OPTIONS) private readonly money: OrderMoneyOptions,
  ) {}

  async create(account: WeChatAccount, description: string, totalFee: number): Promise<PickupOrderView> {
    const order = await this.orders.save(this.orders.create({ accountId: account.id, description, totalFee, payOrder: null }));
    return view(order);
  }

  async get(account: WeChatAccount, id: number): Promise<PickupOrderView> {
    return view(await this.find(account, id));
  }

  /** The `wx.requestPayment` parameters; the PayOrder is created on first use and kept in step. */
  async pay(account: WeChatAccount, id: number, clientIp?: string): Promise<WxRequestPaymentParams> {
    const order = await this.find(account, id);
    try {
      const { order: payOrder, params } = await this.wechatPay.createJsapiPayment({
        order: order.payOrder ?? undefined,
        // One out_trade_no per pickup order: a double tap shares the PayOrder instead of making two.
        outTradeNo: order.payOrder ? undefined : `pickup${String(order.id).padStart(6, '0')}`,
        body: order.description,
        totalFee: order.totalFee,
        openId: account.openId,
        spbillCreateIp: clientIp,
        // With a partner to split with (API v3), WeChat keeps the money frozen for the split (settle_info.profit_sharing).
        ...(this.money.splitReceiver ? { profitSharing: true } : {}),
      });
      if (order.payOrder?.id !== payOrder.id) await this.orders.update({ id: order.id }, { payOrder: { id: payOrder.id } });
      return params;
    } catch (error) {
      if (error instanceof PayOrderStateError) throw new ConflictException(error.message);
      throw error;
    }
  }

  async refund(
    account: WeChatAccount,
    id: number,
    refundFee?: number,
  ): Promise<{ outRefundNo: string; refundFee: number; status: string }> {
    const order = await this.find(account, id);
    if (!order.payOrder?.paid) throw new ConflictException('the order is not paid');
    try {
      const refund = await this.wechatPay.refundOrder({ order: order.payOrder, refundFee });
      return { outRefundNo: refund.outRefundNo, refundFee: refund.refundFee, status: refund.status };
    } catch (error) {
      if (error instanceof PayOrderStateError) throw new ConflictException(error.message);
      throw error;
    }
  }

  /**
   * Runs once per paid order, inside the payment's transaction. The "order paid" message is only queued here: it is
   * sent once the payment has committed (see {@link OrderPaidMessages}).
   */
  @OnPayOrderPaid()
  async fulfil({ order, manager, afterCommit }: PayOrderPaidEvent): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(PickupOrder)
      .set({ status: 'FULFILLED', fulfilledCount: () => 'fulfilled_count + 1', ...this.paidMessages.queued(afterCommit) })
      .where('pay_order_id = :id', { id: order.id })
      .execute();
  }

  /**
   * WeChat settled the order (the user confirmed receipt, or WeChat did after the pickup order's two days): the pickup
   * order is complete. Runs exactly once per push, in its transaction, beside the module's own handler that records the
   * dates on the PayOrder. The same event without `settlement_time` is the shipment push: nothing to do yet.
   */
  @OnWeChatEvent('trade_manage_order_settlement')
  async settled({ message, manager }: WeChatPushEvent<TradeManageOrderSettlementEvent>): Promise<void> {
    if (message.settlement_time === undefined) return;
    const payOrder = await manager.findOneBy(
      PayOrder,
      message.transaction_id ? { transactionId: message.transaction_id } : { outTradeNo: message.merchant_trade_no },
    );
    if (!payOrder) return; // not one of this app's orders
    await manager
      .createQueryBuilder()
      .update(PickupOrder)
      .set({ status: 'COMPLETED' })
      .where('pay_order_id = :id', { id: payOrder.id })
      // A refunded order stays refunded.
      .andWhere('status = :fulfilled', { fulfilled: 'FULFILLED' })
      .execute();
  }

  /** Marks the order refunded once the whole amount came back. */
  @OnPayRefundSettled()
  async refunded({ order, manager }: PayRefundSettledEvent): Promise<void> {
    if (order.refundedFee >= order.totalFee) {
      await manager
        .createQueryBuilder()
        .update(PickupOrder)
        .set({ status: 'REFUNDED' })
        .where('pay_order_id = :id', { id: order.id })
        .execute();
    }
  }

  private find(account: WeChatAccount, id: number): Promise<PickupOrder> {
    return findOwnedOrder(this.orders, account, id);
  }
}

/** An order of the signed-in user: 400 for an id that is not one, 404 for another user's or no order. */
export async function findOwnedOrder(orders: Repository<PickupOrder>, account: WeChatAccount, id: number): Promise<PickupOrder> {
  if (!Number.isSafeInteger(id) || id <= 0) throw new BadRequestException('id must be a positive integer');
  const order = await orders.findOne({ where: { id, accountId: account.id } });
  if (!order) throw new NotFoundException(`order ${id} not found`);
  return order;
}

function view(order: PickupOrder): PickupOrderView {
  return {
    id: order.id,
    description: order.description,
    totalFee: order.totalFee,
    status: order.status,
    paid: order.payOrder?.paid ?? false,
    fulfilledCount: order.fulfilledCount,
    payStatus: order.payOrder?.status ?? null,
    outTradeNo: order.payOrder?.outTradeNo ?? null,
    transactionId: order.payOrder?.transactionId ?? null,
    refundedFee: order.payOrder?.refundedFee ?? 0,
    shippingUploaded: order.payOrder?.shippingUploaded ?? false,
    shippedAt: order.payOrder?.shippedAt?.toISOString() ?? null,
    receiptConfirmedAt: order.payOrder?.receiptConfirmedAt?.toISOString() ?? null,
    settledAt: order.payOrder?.settledAt?.toISOString() ?? null,
    paidMessage: order.paidMessage ?? null,
    paidMessageDetail: order.paidMessageDetail ?? null,
    cashbackAmount: order.cashbackAmount ?? null,
    cashbackState: order.cashbackState ?? null,
    splitAmount: order.splitAmount ?? null,
    splitState: order.splitState ?? null,
    splitResult: order.splitResult ?? null,
  };
}
