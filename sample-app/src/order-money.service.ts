import { ConflictException, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import {
  OnPayProfitSharingSettled,
  OnPayTransferFailed,
  OnPayTransferSucceeded,
  PayProfitSharingLimitError,
  WeChatPayProfitSharingService,
  WeChatPayTransferService,
} from 'nestjs-miniprogram-api';
import type {
  PayProfitSharingSettledEvent,
  PayTransferFinishedEvent,
  RequestMerchantTransferParams,
  WeChatAccount,
} from 'nestjs-miniprogram-api';
import { In, IsNull, Not, Repository } from 'typeorm';
import { cashbackAmount, defaultSplitAmount, ORDER_MONEY_OPTIONS } from './order-money.options';
import type { OrderMoneyOptions } from './order-money.options';
import { findOwnedOrder } from './orders.service';
import { PickupOrder } from './pickup-order.entity';

/** The transfer states after which nothing changes; the handlers write them. */
const FINAL_TRANSFER_STATES = ['SUCCESS', 'FAIL', 'CANCELLED'];

/** What `POST /orders/:id/cashback` answers. */
export interface CashbackView {
  outBillNo: string;
  /** Fen. */
  amount: number;
  /** The order's `cashbackState`. */
  state: string;
  /** The object for `wx.requestMerchantTransfer` while the transfer waits for the user; null once it is final. */
  requestMerchantTransfer: RequestMerchantTransferParams | null;
}

/** What `POST /orders/:id/split` answers. */
export interface SplitView {
  outOrderNo: string;
  /** Fen. */
  amount: number;
  /** `PROCESSING` until WeChat finished it, then `FINISHED`. */
  state: string;
  /** The partner: its receiver type and account. */
  receiver: { type: string; account: string };
}

const pad = (id: number) => String(id).padStart(6, '0');

/**
 * Money after a payment (WeChat Pay API v3): the user's cash back, a merchant transfer confirmed by the user in
 * `wx.requestMerchantTransfer`, and the partner's share of the order, a profit split. Each has one number derived from
 * the order (`CB<id>`, `SP<id>`), so a repeated request reuses it and never pays or splits twice; the final states are
 * written on the pickup order by the library's handlers, in the same transaction as the library's own rows.
 */
@Injectable()
export class OrderMoneyService implements OnApplicationBootstrap {
  private readonly logger = new Logger('SampleApp');

  constructor(
    @Inject(ORDER_MONEY_OPTIONS) private readonly options: OrderMoneyOptions,
    @InjectRepository(PickupOrder) private readonly orders: Repository<PickupOrder>,
    private readonly transfers: WeChatPayTransferService,
    private readonly sharing: WeChatPayProfitSharingService,
  ) {}

  /** The partner becomes a receiver once, at start-up (WeChat answers a repeated add the same way). */
  async onApplicationBootstrap(): Promise<void> {
    const receiver = this.options.splitReceiver;
    if (!receiver) return;
    try {
      await this.sharing.addReceiver(receiver);
    } catch (error) {
      this.logger.warn(`the split receiver ${receiver.type} ${receiver.account} was not added: ${(error as Error).message}`);
    }
  }

  /** Cash back of a paid order to the user who paid it: the `wx.requestMerchantTransfer` object while it waits. */
  async cashback(account: WeChatAccount, id: number): Promise<CashbackView> {
    if (!this.options.transfers) {
      throw new ConflictException(
        'Cash back is a merchant transfer, which needs WeChat Pay API v3: start the sample with WECHAT_PAY_API_VERSION=v3.',
      );
    }
    const order = await this.paidOrder(account, id);
    const outBillNo = `CB${pad(order.id)}`;
    const amount = cashbackAmount(order.totalFee);
    // Recorded before WeChat is asked, so that the handlers find the order whatever answers first.
    await this.orders.update(
      { id: order.id, cashbackOutBillNo: IsNull() },
      { cashbackOutBillNo: outBillNo, cashbackAmount: amount, cashbackState: 'REQUESTED' },
    );
    const { transfer, requestMerchantTransfer } = await this.transfers.createTransfer({
      outBillNo,
      openId: order.payOrder!.openId,
      amount,
      transferSceneId: '1000', // 现金营销
      remark: `订单${order.id}返现`,
      userRecvPerception: '活动奖励',
      reportInfos: [
        { infoType: '活动名称', infoContent: '下单返现' },
        { infoType: '奖励说明', infoContent: '订单金额的1%返现' },
      ],
    });
    if (!FINAL_TRANSFER_STATES.includes(transfer.state)) {
      // A passing state; a final one is the handlers' to write.
      await this.orders.update({ id: order.id, cashbackState: Not(In(FINAL_TRANSFER_STATES)) }, { cashbackState: transfer.state });
    }
    const stored = await this.orders.findOneByOrFail({ id: order.id });
    return { outBillNo, amount, state: stored.cashbackState ?? transfer.state, requestMerchantTransfer: requestMerchantTransfer ?? null };
  }

  /** The partner's share of a paid order (10% by default, at most what `pay.profitSharingMaxRatio` leaves). */
  async split(account: WeChatAccount, id: number, requested?: number): Promise<SplitView> {
    const receiver = this.options.splitReceiver;
    if (!receiver) {
      throw new ConflictException(
        'Profit sharing needs WeChat Pay API v3 and a partner receiver: the sample has one in simulator mode with WECHAT_PAY_API_VERSION=v3.',
      );
    }
    const order = await this.paidOrder(account, id);
    const outOrderNo = `SP${pad(order.id)}`;
    if (order.splitOutOrderNo && order.splitState !== 'REQUESTED') {
      // Asked already: the same split (another amount would be another split under the same number).
      return this.splitView(order, receiver);
    }
    const amount = requested ?? defaultSplitAmount(order.totalFee);
    if (amount < 1) throw new ConflictException(`order ${order.id} of ${order.totalFee} fen is too small to split a share of it`);
    await this.orders.update({ id: order.id }, { splitOutOrderNo: outOrderNo, splitAmount: amount, splitState: 'REQUESTED' });
    try {
      const share = await this.sharing.requestSplit({
        order: order.payOrder!,
        outOrderNo,
        receivers: [{ type: receiver.type, account: receiver.account, amount, description: '合作门店分成' }],
        unfreezeUnsplit: true, // the rest goes to the merchant with the split
      });
      // The amount of the split as reserved (a concurrent request may have asked first); FINISHED is the handler's.
      await this.orders.update(
        { id: order.id, splitState: 'REQUESTED' },
        share.state === 'FINISHED' ? { splitAmount: share.amount } : { splitAmount: share.amount, splitState: share.state },
      );
    } catch (error) {
      if (error instanceof PayProfitSharingLimitError) {
        // Nothing was reserved nor sent: the order can be split again, with a smaller amount.
        await this.orders.update({ id: order.id, splitState: 'REQUESTED' }, { splitOutOrderNo: null, splitAmount: null, splitState: null });
        throw new ConflictException({
          statusCode: 409,
          error: 'Conflict',
          message: `${amount} fen is over what order ${order.id} still allows to split (${error.left} fen)`,
          left: error.left,
        });
      }
      throw error;
    }
    return this.splitView(await this.orders.findOneByOrFail({ id: order.id }), receiver);
  }

  /** The cash back is in the user's balance. */
  @OnPayTransferSucceeded()
  async cashbackPaid({ transfer, manager }: PayTransferFinishedEvent): Promise<void> {
    await manager.update(PickupOrder, { cashbackOutBillNo: transfer.outBillNo }, { cashbackState: transfer.state });
  }

  /** FAIL, or CANCELLED (the user did not confirm): recorded as it is; the order offers no second cash back. */
  @OnPayTransferFailed()
  async cashbackNotPaid({ transfer, manager }: PayTransferFinishedEvent): Promise<void> {
    await manager.update(PickupOrder, { cashbackOutBillNo: transfer.outBillNo }, { cashbackState: transfer.state });
  }

  /** The split is over: the partner's result (`SUCCESS`, or `CLOSED` with the reason). */
  @OnPayProfitSharingSettled()
  async splitSettled({ share, manager }: PayProfitSharingSettledEvent): Promise<void> {
    const partner = share.receivers.find((r) => r.account === this.options.splitReceiver?.account) ?? share.receivers[0];
    const result = partner?.result === 'CLOSED' && partner.failReason ? `CLOSED ${partner.failReason}` : (partner?.result ?? null);
    await manager.update(
      PickupOrder,
      { splitOutOrderNo: share.outOrderNo },
      { splitState: 'FINISHED', splitResult: result?.slice(0, 64) ?? null },
    );
  }

  /** A paid order of the user that was not refunded: what the cash back and the split are made from. */
  private async paidOrder(account: WeChatAccount, id: number): Promise<PickupOrder> {
    const order = await findOwnedOrder(this.orders, account, id);
    if (!order.payOrder?.paid) throw new ConflictException(`order ${order.id} is not paid`);
    if (order.status === 'REFUNDED' || order.payOrder.refundedFee > 0) throw new ConflictException(`order ${order.id} was refunded`);
    return order;
  }

  private splitView(order: PickupOrder, receiver: NonNullable<OrderMoneyOptions['splitReceiver']>): SplitView {
    return {
      outOrderNo: order.splitOutOrderNo!,
      amount: order.splitAmount!,
      state: order.splitState!,
      receiver: { type: receiver.type, account: receiver.account },
    };
  }
}
