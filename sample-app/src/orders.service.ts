import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { OnPayOrderPaid, OnPayRefundSettled, PayOrderStateError, WeChatPayService } from 'nestjs-miniprogram-api';
import type { PayOrderPaidEvent, PayRefundSettledEvent, WeChatAccount, WxRequestPaymentParams } from 'nestjs-miniprogram-api';
import { Repository } from 'typeorm';
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
}

@Injectable()
export class OrdersService {
  constructor(
    @InjectRepository(PickupOrder) private readonly orders: Repository<PickupOrder>,
    private readonly wechatPay: WeChatPayService,
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

  /** Runs once per paid order, inside the payment's transaction. */
  @OnPayOrderPaid()
  async fulfil({ order, manager }: PayOrderPaidEvent): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(PickupOrder)
      .set({ status: 'FULFILLED', fulfilledCount: () => 'fulfilled_count + 1' })
      .where('pay_order_id = :id', { id: order.id })
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

  private async find(account: WeChatAccount, id: number): Promise<PickupOrder> {
    if (!Number.isSafeInteger(id) || id <= 0) throw new BadRequestException('id must be a positive integer');
    const order = await this.orders.findOne({ where: { id, accountId: account.id } });
    if (!order) throw new NotFoundException(`order ${id} not found`);
    return order;
  }
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
  };
}
