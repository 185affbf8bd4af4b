import { AuthToken } from './auth-token.entity';
import { WeChatAccount } from './wechat-account.entity';

export { AuthToken } from './auth-token.entity';
export { WeChatAccount } from './wechat-account.entity';

/**
 * Every entity of the module, for hosts that list entities themselves (no `autoLoadEntities`)
 * and for the TypeORM CLI's `DataSource` when generating migrations.
 * @publicApi
 */
export const MINI_PROGRAM_ENTITIES = [WeChatAccount, AuthToken];
