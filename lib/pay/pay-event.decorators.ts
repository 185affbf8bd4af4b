import { SetMetadata } from '@nestjs/common';

/** @internal */
export const PAY_EVENT_METADATA = 'miniprogram:pay-event';

/** The pay events a provider method can handle. @publicApi */
export type PayEventName =
  'order.paid' | 'refund.settled' | 'transfer.succeeded' | 'transfer.failed' | 'profit-sharing.settled' | 'bill.mismatch';

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

/**
 * Marks a provider method to run when a merchant transfer reaches `SUCCESS` — exactly once per transfer, inside the
 * transaction that records it, with a `PayTransferFinishedEvent`. Throwing rolls the state change back (the
 * notification is answered 500, so WeChat delivers it again).
 * @publicApi
 */
export const OnPayTransferSucceeded = (): MethodDecorator => SetMetadata(PAY_EVENT_METADATA, 'transfer.succeeded' satisfies PayEventName);

/**
 * Marks a provider method to run when a merchant transfer ends without paying: `FAIL` or `CANCELLED` (the user did not
 * confirm, or the merchant cancelled) — exactly once per transfer, inside the transaction that records it.
 * @publicApi
 */
export const OnPayTransferFailed = (): MethodDecorator => SetMetadata(PAY_EVENT_METADATA, 'transfer.failed' satisfies PayEventName);

/**
 * Marks a provider method to run when a profit-sharing order (分账单) reaches `FINISHED` — exactly once per split,
 * inside the transaction that records it, with a `PayProfitSharingSettledEvent` (each receiver's result is in
 * `share.receivers`). Throwing rolls the state change back (a notification is answered 500, so WeChat delivers again).
 * @publicApi
 */
export const OnPayProfitSharingSettled = (): MethodDecorator =>
  SetMetadata(PAY_EVENT_METADATA, 'profit-sharing.settled' satisfies PayEventName);

/**
 * Marks a provider method to run for each mismatch `PayReconciler.reconcileBill` finds between a day's trade bill and
 * the stored orders and refunds, with a `PayBillMismatchEvent`, after the repair was tried (`mismatch.repair`). It runs
 * outside any transaction; a handler that throws is logged and the others still run.
 * @publicApi
 */
export const OnPayBillMismatch = (): MethodDecorator => SetMetadata(PAY_EVENT_METADATA, 'bill.mismatch' satisfies PayEventName);
