export { WeChatSimulator } from './wechat-simulator';
export {
  SIMULATOR_CLI_DEFAULT_PAY_PORT,
  SIMULATOR_CLI_DEFAULT_PORT,
  SIMULATOR_DEFAULT_HOST,
  SIMULATOR_DEV_APP,
  SIMULATOR_DEV_MERCHANT,
  SIMULATOR_DEV_PUSH,
} from './server/simulator.constants';
export { SIMULATOR_DEV_CERTIFICATES } from './dev-keys/dev-certificates';
export { SIMULATOR_DEV_V3, simulatorDevV3Options } from './dev-keys/dev-v3-keys';
export type { SimulatorDevV3PayOptions } from './dev-keys/dev-v3-keys';
export { SimulatorInputError } from './server/simulator-http';
export { parseSimulatorArgs, SIMULATOR_USAGE } from './server/simulator-cli';
export type { SimulatorCliCommand } from './server/simulator-cli';
export type {
  SimLoginInput,
  SimLoginResult,
  SimPhoneCodeInput,
  SimUserInfo,
  SimUserInfoInput,
  SimUserInfoResult,
} from './mini-program/mini-program.interfaces';
export type {
  SimPayV3Mode,
  SimPayV3Settings,
  SimPayV3SettingsInput,
  SimulatorDevV3Keys,
  SimulatorMerchantV3,
  SimV3NotifyVariant,
} from './pay-v3/pay-v3.interfaces';
export type {
  SimLoseNotificationsInput,
  SimNotification,
  SimNotificationAttempt,
  SimNotifyInput,
  SimNotifyVariant,
  SimOrder,
  SimPayInput,
  SimPayReport,
  SimPayResult,
  SimPaySignType,
  SimRefund,
  SimRefundNotifyInput,
  SimRefundNotifyVariant,
  SimRefundStatus,
  SimSettleRefundInput,
  SimTradeState,
  SimulatorDevCertificates,
  SimulatorMerchant,
} from './pay/pay.interfaces';
export type {
  SimTransfer,
  SimTransferConfirmInput,
  SimTransferNotifyInput,
  SimTransferNotifyVariant,
  SimTransferState,
} from './transfers/transfer.interfaces';
export type * from './profit-sharing/profit-sharing.interfaces';
export type {
  SimPush,
  SimPushAttempt,
  SimPushConfig,
  SimPushFormat,
  SimPushInput,
  SimPushMode,
  SimPushSettings,
  SimPushUrlCheck,
  SimPushVariant,
  SimulatorDevPush,
} from './push/push.interfaces';
export type {
  SimSubscribeAnswer,
  SimSubscribeChangeInput,
  SimSubscribeChangeResult,
  SimSubscribeInput,
  SimSubscribeMessage,
  SimSubscribeResult,
  SimSubscribeTemplate,
  SimSubscribeTemplateKind,
  SimSubscription,
} from './subscribe/subscribe.interfaces';
export type {
  SimConfirmReceiveInput,
  SimRemindAccessApiInput,
  SimShippingInfo,
  SimShippingOrder,
  SimShippingOrderRef,
  SimShippingOrderState,
  SimShippingParcel,
  SimShippingResult,
  SimShippingSettings,
  SimTradeManagedInput,
} from './shipping/shipping.interfaces';
export type {
  SimCustomerMessageInput,
  SimCustomerMessageResult,
  SimCustomerServiceMessage,
  SimCustomerServiceMsgType,
  SimCustomerSession,
  SimCustomerUserMessageType,
  SimTempMedia,
} from './customer-service/customer-service.interfaces';
export type {
  SimCodeContent,
  SimCodeRecord,
  SimEntryLink,
  SimEnvVersion,
  SimLink,
  SimLinkVisit,
  SimOpenLinkInput,
  SimOpenLinkResult,
  SimPages,
  SimPagesInput,
  SimShortLink,
} from './links/links.interfaces';
export type {
  SimMediaVerdictRule,
  SimSecurityCheck,
  SimSecuritySuggest,
  SimSecurityVerdicts,
  SimSecurityVerdictsInput,
  SimTextVerdictRule,
} from './security/security.interfaces';
export type { SimActiveFault, SimCall, SimFault, SimulatorApp, WeChatSimulatorOptions } from './server/simulator.interfaces';
