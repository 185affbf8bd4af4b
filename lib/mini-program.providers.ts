import { Provider } from '@nestjs/common';
import { MINI_PROGRAM_ACCESS_TOKEN_STORE, MINI_PROGRAM_OPTIONS } from './mini-program.constants';
import { MINI_PROGRAM_MODULE_OPTIONS } from './mini-program.module-definition';
import { resolveMiniProgramOptions } from './options/mini-program-options.validation';
import type { MiniProgramModuleOptions, ResolvedMiniProgramOptions } from './interfaces';
import { MemoryAccessTokenStore } from './wechat/access-token.store';

/** Validated options with defaults, the same for forRoot and forRootAsync. @internal */
export const optionsProvider: Provider = {
  provide: MINI_PROGRAM_OPTIONS,
  useFactory: (raw: MiniProgramModuleOptions) => resolveMiniProgramOptions(raw),
  inject: [MINI_PROGRAM_MODULE_OPTIONS],
};

/** The configured access-token store, or one in memory. @internal */
export const accessTokenStoreProvider: Provider = {
  provide: MINI_PROGRAM_ACCESS_TOKEN_STORE,
  useFactory: (options: ResolvedMiniProgramOptions) => options.accessTokenStore ?? new MemoryAccessTokenStore(),
  inject: [MINI_PROGRAM_OPTIONS],
};

/**
 * The token under which the raw options given to `forRoot`/`forRootAsync` are provided, for
 * tests that override them.
 * @publicApi
 */
export function getMiniProgramOptionsToken(): string | symbol {
  return MINI_PROGRAM_MODULE_OPTIONS;
}
