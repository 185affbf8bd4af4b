import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import type { PayOrderPaidEvent, PayRefundSettledEvent } from './wechat-pay.interfaces';
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

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = instance[name];
        if (typeof method !== 'function') continue;
        const event = this.reflector.get<PayEventName | undefined>(PAY_EVENT_METADATA, method);
        if (!event) continue;
        (this.handlers[event] as Handler<unknown>[]).push((payload) => method.call(instance, payload));
        this.logger.log(`${wrapper.name}.${name} handles ${event}`);
      }
    }
  }

  async orderPaid(event: PayOrderPaidEvent): Promise<void> {
    for (const handler of this.handlers['order.paid']) await handler(event);
  }

  async refundSettled(event: PayRefundSettledEvent): Promise<void> {
    for (const handler of this.handlers['refund.settled']) await handler(event);
  }
}
