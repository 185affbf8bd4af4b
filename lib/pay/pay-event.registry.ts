import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { PayOrderPaidEvent, PayRefundSettledEvent } from './wechat-pay.interfaces';
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
  private readonly handlers: { 'order.paid': Handler<PayOrderPaidEvent>[]; 'refund.settled': Handler<PayRefundSettledEvent>[] } = {
    'order.paid': [],
    'refund.settled': [],
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
}
