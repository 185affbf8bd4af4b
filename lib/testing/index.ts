export { WeChatSimulator } from './wechat-simulator';
export {
  SIMULATOR_CLI_DEFAULT_PAY_PORT,
  SIMULATOR_CLI_DEFAULT_PORT,
  SIMULATOR_DEFAULT_HOST,
  SIMULATOR_DEV_APP,
  SIMULATOR_DEV_MERCHANT,
} from './server/simulator.constants';
export { SIMULATOR_DEV_CERTIFICATES } from './dev-keys/dev-certificates';
export { SIMULATOR_DEV_V3, simulatorDevV3Options } from './dev-keys/dev-v3-keys';
export type { SimulatorDevV3PayOptions } from './dev-keys/dev-v3-keys';
export { SimulatorInputError } from './server/simulator-http';
export { parseSimulatorArgs, SIMULATOR_USAGE } from './server/simulator-cli';
export type { SimulatorCliCommand } from './server/simulator-cli';
export type {
  SimActiveFault,
  SimCall,
  SimFault,
  SimLoginInput,
  SimLoginResult,
  SimNotification,
  SimNotificationAttempt,
  SimNotifyInput,
  SimNotifyVariant,
  SimOrder,
  SimPayInput,
  SimPayReport,
  SimPayResult,
  SimPaySignType,
  SimPayV3Mode,
  SimPayV3Settings,
  SimPayV3SettingsInput,
  SimPhoneCodeInput,
  SimRefund,
  SimRefundNotifyInput,
  SimRefundNotifyVariant,
  SimRefundStatus,
  SimSettleRefundInput,
  SimTradeState,
  SimUserInfo,
  SimUserInfoInput,
  SimUserInfoResult,
  SimulatorApp,
  SimulatorDevCertificates,
  SimulatorDevV3Keys,
  SimulatorMerchant,
  SimulatorMerchantV3,
  SimV3NotifyVariant,
  WeChatSimulatorOptions,
} from './server/simulator.interfaces';
