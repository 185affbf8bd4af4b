import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { PayOrderPaidEvent, PayRefundSettledEvent } from './wechat-pay.interfaces';
import type { PayTransferFinishedEvent } from './transfers/pay-transfer.interfaces';
import type { PayBillMismatchEvent } from './reconcile/pay-reconcile.interfaces';
import type { PayProfitSharingSettledEvent } from './profit-sharing/profit-sharing.interfaces';
import { HandlerDiscovery } from '../utils/handler-discovery';
import { PAY_EVENT_METADATA, PayEventName } from './pay-event.decorators';

type Handler<E> = (event: E) => unknown;

/**
 * Finds the provider methods decorated with `@OnPayOrderPaid()` / `@OnPayRefundSettled()` at
 * startup and calls them in order of discovery.
 * @internal
 */
@Injectable()
export class PayEventRegistry implements OnModuleInit {
  private readonly logger = new Logger('MiniProgram');
  private readonly handlers: {
    'order.paid': Handler<PayOrderPaidEvent>[];
    'refund.settled': Handler<PayRefundSettledEvent>[];
    'transfer.succeeded': Handler<PayTransferFinishedEvent>[];
    'transfer.failed': Handler<PayTransferFinishedEvent>[];
    'bill.mismatch': Handler<PayBillMismatchEvent>[];
    'profit-sharing.settled': Handler<PayProfitSharingSettledEvent>[];
  } = {
    'order.paid': [],
    'refund.settled': [],
    'transfer.succeeded': [],
    'transfer.failed': [],
    'bill.mismatch': [],
    'profit-sharing.settled': [],
  };

  constructor(private readonly discovery: HandlerDiscovery) {}

  onModuleInit(): void {
    this.discovery.find<PayEventName>(PAY_EVENT_METADATA, (event, call, name) => {
      (this.handlers[event] as Handler<unknown>[]).push(call);
      this.logger.log(`${name} handles ${event}`);
    });
  }

  async orderPaid(event: PayOrderPaidEvent): Promise<void> {
    for (const handler of this.handlers['order.paid']) await handler(event);
  }

  async refundSettled(event: PayRefundSettledEvent): Promise<void> {
    for (const handler of this.handlers['refund.settled']) await handler(event);
  }

  /** A transfer's final state: the succeeded handlers for `SUCCESS`, the failed ones for `FAIL` and `CANCELLED`. */
  async transferFinished(event: PayTransferFinishedEvent): Promise<void> {
    const name = event.transfer.state === 'SUCCESS' ? 'transfer.succeeded' : 'transfer.failed';
    for (const handler of this.handlers[name]) await handler(event);
  }

  /** A mismatch of a bill run: each handler in turn; a handler that throws is logged, the others still run. */
  async billMismatch(event: PayBillMismatchEvent): Promise<void> {
    for (const handler of this.handlers['bill.mismatch']) {
      try {
        await handler(event);
      } catch (error) {
        this.logger.error(`a handler of bill mismatches failed: ${(error as Error)?.message}`);
      }
    }
  }

  /** A split reached `FINISHED`. */
  async profitSharingSettled(event: PayProfitSharingSettledEvent): Promise<void> {
    for (const handler of this.handlers['profit-sharing.settled']) await handler(event);
  }
}
