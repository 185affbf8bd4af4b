import { Injectable } from '@nestjs/common';
import { OnPayOrderPaid, OnPayRefundSettled, WeChatAccount } from '../../lib';
import type { PayOrderPaidEvent, PayRefundSettledEvent } from '../../lib';

/** A host provider with pay handlers that records every call and can be told to fail. */
@Injectable()
export class PayEventsProbe {
  readonly paid: Array<Omit<PayOrderPaidEvent, 'manager'>> = [];
  readonly refunds: Array<Omit<PayRefundSettledEvent, 'manager'>> = [];
  /** How many of the next paid-handler calls throw (after writing through the manager). */
  failPaid = 0;
  /** Delay inside the handler, to widen race windows. */
  delayMs = 0;

  @OnPayOrderPaid()
  async onPaid({ manager, ...event }: PayOrderPaidEvent): Promise<void> {
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    // A write inside the transaction: it must commit or roll back with the payment.
    await manager.getRepository(WeChatAccount).update({ openId: event.order.openId }, { city: `paid:${event.order.outTradeNo}` });
    if (this.failPaid > 0) {
      this.failPaid--;
      throw new Error('the host handler failed');
    }
    this.paid.push(event);
  }

  @OnPayRefundSettled()
  onRefund({ manager: _manager, ...event }: PayRefundSettledEvent): void {
    this.refunds.push(event);
  }
}
