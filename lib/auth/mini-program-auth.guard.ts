import { ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import passport from 'passport';
import { MINI_PROGRAM_STRATEGY } from '../mini-program.constants';
import { MiniProgramStrategy } from './mini-program.strategy';
import type { MiniProgramRequest } from './mini-program.strategy';

/** Passport's lookup of a registered strategy (public in all passport versions, if undocumented). */
type StrategyLookup = { _strategy?(name: string): unknown };

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
  /**
   * Runs the registered {@link MiniProgramStrategy} directly: the same check, and the same
   * `request.user`, as `passport.authenticate`, without the request and callback wrappers that
   * cost as much again as a warm token check. Another strategy registered under the name (a
   * host's own) still goes through Passport.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const strategy = (passport as unknown as StrategyLookup)._strategy?.(MINI_PROGRAM_STRATEGY);
    if (!(strategy instanceof MiniProgramStrategy)) return (await super.canActivate(context)) as boolean;
    const request = this.getRequest(context) as MiniProgramRequest & { user?: unknown };
    let account: unknown;
    try {
      account = await strategy.validate(request);
    } catch (error) {
      this.handleRequest(error, undefined, undefined, context);
    }
    request.user = this.handleRequest(null, account, undefined, context);
    return true;
  }

  override handleRequest<TUser>(error: unknown, user: TUser, info: unknown, _context: ExecutionContext): TUser {
    if (error) throw error instanceof UnauthorizedException ? error : new UnauthorizedException(undefined, { cause: error });
    if (!user) throw new UnauthorizedException(info instanceof Error ? info.message : undefined);
    return user;
  }
}
