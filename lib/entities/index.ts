import { AuthToken } from './auth-token.entity';
import { PayOrder } from './pay-order.entity';
import { PayRefund } from './pay-refund.entity';
import { PayProfitShare } from './pay-profit-share.entity';
import { PayShippingUpload } from './pay-shipping-upload.entity';
import { PayTransfer } from './pay-transfer.entity';
import { WeChatAccount } from './wechat-account.entity';
import { WeChatPushReceipt } from './wechat-push-receipt.entity';
import { WeChatSubscription } from './wechat-subscription.entity';
import { WeChatMediaCheck } from './wechat-media-check.entity';

export { AuthToken } from './auth-token.entity';
export { PayOrder } from './pay-order.entity';
export type { PayOrderStatus } from './pay-order.entity';
export { PayRefund } from './pay-refund.entity';
export type { PayRefundStatus } from './pay-refund.entity';
export { PayProfitShare } from './pay-profit-share.entity';
export type { PayProfitShareReceiver, PayProfitShareState, PayProfitSharingReceiverType } from './pay-profit-share.entity';
export { PayShippingUpload } from './pay-shipping-upload.entity';
export type { PayShippingUploadStatus } from './pay-shipping-upload.entity';
export { PayTransfer, PAY_TRANSFER_FINAL_STATES } from './pay-transfer.entity';
export type { PayTransferState } from './pay-transfer.entity';
export { WeChatAccount } from './wechat-account.entity';
export { WeChatPushReceipt } from './wechat-push-receipt.entity';
export { WeChatSubscription } from './wechat-subscription.entity';
export type { WeChatSubscriptionStatus } from './wechat-subscription.entity';
export { WeChatMediaCheck } from './wechat-media-check.entity';
export type { WeChatMediaCheckStatus, WeChatMediaType } from './wechat-media-check.entity';

/**
 * Every entity of the module, for hosts that list entities themselves (no `autoLoadEntities`)
 * and for the TypeORM CLI's `DataSource` when generating migrations.
 * @publicApi
 */
export const MINI_PROGRAM_ENTITIES = [
  WeChatAccount,
  AuthToken,
  PayOrder,
  PayRefund,
  PayShippingUpload,
  PayTransfer,
  PayProfitShare,
  WeChatPushReceipt,
  WeChatSubscription,
  WeChatMediaCheck,
];
