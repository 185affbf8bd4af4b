import { createParamDecorator, ExecutionContext } from '@nestjs/common';

/**
 * The {@link WeChatAccount} of a request that passed {@link MiniProgramAuthGuard}.
 * @example
 * ```ts
 * @UseGuards(MiniProgramAuthGuard)
 * @Get('profile')
 * profile(@CurrentWeChatAccount() account: WeChatAccount) { return account.nickName; }
 * ```
 * @publicApi
 */
export const CurrentWeChatAccount = createParamDecorator((_data: unknown, context: ExecutionContext) => {
  return context.switchToHttp().getRequest<{ user?: unknown }>().user;
});
