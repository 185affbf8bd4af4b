import { ExecutionContext, UnauthorizedException } from '@nestjs/common';
import passport from 'passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import { WeChatAccount } from '../entities/wechat-account.entity';
import { MINI_PROGRAM_STRATEGY } from '../mini-program.constants';
import type { AuthTokenService, TokenVerification } from './auth-token.service';
import { MiniProgramAuthGuard } from './mini-program-auth.guard';
import type { MiniProgramAuthService } from './mini-program-auth.service';
import { MiniProgramStrategy } from './mini-program.strategy';

const TOKEN = 'A'.repeat(40);
const account = Object.assign(new WeChatAccount(), { id: 7, openId: 'o7' });

function context(request: object): ExecutionContext {
  return { switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({}) }) } as unknown as ExecutionContext;
}

/** Creating the strategy registers it with Passport under its name, as the module does. */
function register(verify: () => Promise<TokenVerification>): void {
  const tokens = { verify: jest.fn(verify) } as unknown as AuthTokenService;
  const auth = { getAccount: jest.fn().mockResolvedValue(account) } as unknown as MiniProgramAuthService;
  new MiniProgramStrategy(tokens, auth);
}

const VALID: TokenVerification = { ok: true, accountId: 7, tokenId: 1, expiresAt: null };

describe('MiniProgramAuthGuard', () => {
  afterEach(() => jest.restoreAllMocks());

  it('runs the registered MiniProgramStrategy itself: request.user is the account, Passport is not asked', async () => {
    register(async () => VALID);
    const authenticate = jest.spyOn(passport, 'authenticate');
    const request = { headers: { authorization: `Token ${TOKEN}` } } as { headers: object; user?: unknown };
    await expect(new MiniProgramAuthGuard().canActivate(context(request))).resolves.toBe(true);
    expect(request.user).toBe(account);
    expect(authenticate).not.toHaveBeenCalled();
  });

  it('answers 401 with the strategy’s reason for a missing header', async () => {
    register(async () => VALID);
    const err = await new MiniProgramAuthGuard().canActivate(context({ headers: {} })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedException);
    expect((err as UnauthorizedException).getStatus()).toBe(401);
  });

  it('answers 401, keeping the cause, when the token check itself fails (as through Passport)', async () => {
    const failure = new Error('database unreachable');
    register(async () => {
      throw failure;
    });
    const err = await new MiniProgramAuthGuard()
      .canActivate(context({ headers: { authorization: `Token ${TOKEN}` } }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnauthorizedException);
    expect((err as Error).cause).toBe(failure);
  });

  it('goes through Passport when a host registered its own strategy under the name', async () => {
    passport.use(MINI_PROGRAM_STRATEGY, new CustomStrategy((_req, done) => done(null, { host: true })));
    const authenticate = jest.spyOn(passport, 'authenticate');
    const request = { headers: {} } as { headers: object; user?: unknown };
    await expect(new MiniProgramAuthGuard().canActivate(context(request))).resolves.toBe(true);
    expect(authenticate).toHaveBeenCalled();
    expect(request.user).toEqual({ host: true });
  });
});
