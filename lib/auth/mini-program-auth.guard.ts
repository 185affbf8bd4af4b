import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { MINI_PROGRAM_STRATEGY } from '../mini-program.constants';

/**
 * Guards a route with the API token from `POST /miniprogram_auth/login`. The account is then
 * available as `request.user` or through `@CurrentWeChatAccount()`.
 *
 * @example
 * ```ts
 * @UseGuards(MiniProgramAuthGuard)
 * @Get('orders')
 * list(@CurrentWeChatAccount() account: WeChatAccount) {}
 * ```
 * @publicApi
 */
@Injectable()
export class MiniProgramAuthGuard extends AuthGuard(MINI_PROGRAM_STRATEGY) {
  override handleRequest<TUser>(error: unknown, user: TUser, info: unknown, _context: ExecutionContext): TUser {
    if (error) throw error instanceof UnauthorizedException ? error : new UnauthorizedException(undefined, { cause: error });
    if (!user) throw new UnauthorizedException(info instanceof Error ? info.message : undefined);
    return user;
  }
}
