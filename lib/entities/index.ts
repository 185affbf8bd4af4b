import { AuthToken } from './auth-token.entity';
import { PayOrder } from './pay-order.entity';
import { PayRefund } from './pay-refund.entity';
import { WeChatAccount } from './wechat-account.entity';
import { WeChatPushReceipt } from './wechat-push-receipt.entity';

export { AuthToken } from './auth-token.entity';
export { PayOrder } from './pay-order.entity';
export type { PayOrderStatus } from './pay-order.entity';
export { PayRefund } from './pay-refund.entity';
export type { PayRefundStatus } from './pay-refund.entity';
export { WeChatAccount } from './wechat-account.entity';
export { WeChatPushReceipt } from './wechat-push-receipt.entity';

/**
 * Every entity of the module, for hosts that list entities themselves (no `autoLoadEntities`)
 * and for the TypeORM CLI's `DataSource` when generating migrations.
 * @publicApi
 */
export const MINI_PROGRAM_ENTITIES = [WeChatAccount, AuthToken, PayOrder, PayRefund, WeChatPushReceipt];
