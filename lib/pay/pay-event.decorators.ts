import { SetMetadata } from '@nestjs/common';

/** @internal */
export const PAY_EVENT_METADATA = 'miniprogram:pay-event';

/** The pay events a provider method can handle. @publicApi */
export type PayEventName = 'order.paid' | 'refund.settled';

/**
 * Marks a provider method to run when an order is paid — exactly once per order, inside the
 * transaction that marks it paid, with a `PayOrderPaidEvent`. Throwing rolls the payment's state
 * change back and answers `FAIL`, so WeChat delivers the notification again.
 * @example
 * ```ts
 * @Injectable()
 * export class Fulfilment {
 *   @OnPayOrderPaid()
 *   async paid({ order, manager }: PayOrderPaidEvent) {
 *     await manager.update(PickupOrder, { payOrder: { id: order.id } }, { status: 'PAID' });
 *   }
 * }
 * ```
 * @publicApi
 */
export const OnPayOrderPaid = (): MethodDecorator => SetMetadata(PAY_EVENT_METADATA, 'order.paid' satisfies PayEventName);

/**
 * Marks a provider method to run when a refund reaches a final state (`SUCCESS`, `CHANGE` or
 * `REFUNDCLOSE`) — exactly once per refund, inside the settling transaction, with a
 * `PayRefundSettledEvent`.
 * @publicApi
 */
export const OnPayRefundSettled = (): MethodDecorator => SetMetadata(PAY_EVENT_METADATA, 'refund.settled' satisfies PayEventName);
