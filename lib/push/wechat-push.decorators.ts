import { SetMetadata } from '@nestjs/common';

/** @internal */
export const WECHAT_PUSH_METADATA = 'miniprogram:wechat-push';

/** Which pushes a handler takes: one event, one message type, or whatever no other handler takes. @internal */
export type WeChatPushRoute = { event: string } | { msgType: string } | { unclaimed: true };

/**
 * Marks a provider method to run for an event push (`MsgType` `event`) with this `Event`, such as
 * `trade_manage_order_settlement` or `subscribe_msg_popup_event`: exactly once per push, inside a transaction, with a
 * `WeChatPushEvent`. Throwing rolls the transaction back and leaves the push unanswered, so WeChat delivers it again.
 * @example
 * ```ts
 * @Injectable()
 * export class Settlements {
 *   @OnWeChatEvent('trade_manage_order_settlement')
 *   async settled({ message, manager }: WeChatPushEvent<TradeManageOrderSettlementEvent>) {
 *     await manager.update(PickupOrder, { transactionId: message.transaction_id }, { status: 'COMPLETED' });
 *   }
 * }
 * ```
 * @publicApi
 */
export const OnWeChatEvent = (event: string): MethodDecorator => SetMetadata(WECHAT_PUSH_METADATA, { event } satisfies WeChatPushRoute);

/**
 * Marks a provider method to run for a message push of this `MsgType` (`text`, `image`, `miniprogrampage`: what users
 * send to customer service), exactly once, as {@link OnWeChatEvent}.
 * @publicApi
 */
export const OnWeChatMessage = (msgType: string): MethodDecorator =>
  SetMetadata(WECHAT_PUSH_METADATA, { msgType } satisfies WeChatPushRoute);

/**
 * Marks a provider method to run for every push that no `@OnWeChatEvent()` or `@OnWeChatMessage()` handler takes
 * (without one, such pushes are acknowledged and recorded, nothing else), exactly once, as {@link OnWeChatEvent}.
 * @publicApi
 */
export const OnWeChatPush = (): MethodDecorator => SetMetadata(WECHAT_PUSH_METADATA, { unclaimed: true } satisfies WeChatPushRoute);
