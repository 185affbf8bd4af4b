export { WeChatSimulator } from './wechat-simulator';
export { SIMULATOR_CLI_DEFAULT_PORT, SIMULATOR_DEFAULT_HOST, SIMULATOR_DEV_APP } from './simulator.constants';
export { SimulatorInputError } from './simulator-http';
export { parseSimulatorArgs, SIMULATOR_USAGE } from './simulator-cli';
export type { SimulatorCliCommand } from './simulator-cli';
export type {
  SimActiveFault,
  SimCall,
  SimFault,
  SimLoginInput,
  SimLoginResult,
  SimPhoneCodeInput,
  SimUserInfo,
  SimUserInfoInput,
  SimUserInfoResult,
  SimulatorApp,
  WeChatSimulatorOptions,
} from './simulator.interfaces';
