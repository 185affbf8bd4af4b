import { UnauthorizedException } from '@nestjs/common';
import { WeChatAccount } from '../entities/wechat-account.entity';
import type { AuthTokenService, TokenVerification } from './auth-token.service';
import type { MiniProgramAuthService } from './mini-program-auth.service';
import { extractToken, MINI_PROGRAM_AUTH_INFO, MiniProgramStrategy } from './mini-program.strategy';

const TOKEN = 'A'.repeat(40);

describe('extractToken', () => {
  it.each([
    [`Token ${TOKEN}`, TOKEN],
    [`Bearer ${TOKEN}`, TOKEN],
    [`token ${TOKEN}`, TOKEN],
    [`BEARER\t${TOKEN}  `, TOKEN],
  ])('reads %p', (header, expected) => {
    expect(extractToken({ headers: { authorization: header } })).toBe(expected);
  });

  it.each([[undefined], [''], ['   ']])('answers null for a missing header %p', (header) => {
    expect(extractToken({ headers: header === undefined ? {} : { authorization: header } })).toBeNull();
  });

  it.each([['Basic dXNlcjpwYXNz'], [TOKEN], ['Token'], [`Token ${TOKEN} extra`], [`Token: ${TOKEN}`]])(
    "answers '' for a header of another form %p",
    (header) => {
      expect(extractToken({ headers: { authorization: header } })).toBe('');
    },
  );
});

describe('MiniProgramStrategy.validate', () => {
  const account = Object.assign(new WeChatAccount(), { id: 7, openId: 'o7' });

  function strategy(verification: TokenVerification, found: WeChatAccount | null = account) {
    const tokens = { verify: jest.fn().mockResolvedValue(verification) } as unknown as AuthTokenService;
    const auth = { getAccount: jest.fn().mockResolvedValue(found) } as unknown as MiniProgramAuthService;
    return { s: new MiniProgramStrategy(tokens, auth), tokens, auth };
  }

  it('resolves the account and records the token on the request', async () => {
    const { s, auth } = strategy({ ok: true, tokenId: 3, accountId: 7, expiresAt: null });
    const request: Record<string, unknown> & { headers: Record<string, string> } = { headers: { authorization: `Token ${TOKEN}` } };
    await expect(s.validate(request)).resolves.toBe(account);
    expect(auth.getAccount).toHaveBeenCalledWith(7);
    expect(request[MINI_PROGRAM_AUTH_INFO]).toEqual({ token: TOKEN, tokenId: 3, expiresAt: null });
  });

  it.each([
    ['revoked', /revoked/],
    ['expired', /expired/],
    ['unknown', /Invalid token/],
    ['malformed', /Invalid token/],
  ] as const)('rejects a %s token with 401', async (reason, message) => {
    const { s } = strategy({ ok: false, reason });
    const error = await s.validate({ headers: { authorization: `Token ${TOKEN}` } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnauthorizedException);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects a missing header without looking anything up', async () => {
    const { s, tokens } = strategy({ ok: true, tokenId: 1, accountId: 7, expiresAt: null });
    await expect(s.validate({ headers: {} })).rejects.toThrow(/not provided/);
    expect(tokens.verify).not.toHaveBeenCalled();
  });

  it('rejects a valid token whose account was deleted', async () => {
    const { s } = strategy({ ok: true, tokenId: 1, accountId: 7, expiresAt: null }, null);
    await expect(s.validate({ headers: { authorization: `Token ${TOKEN}` } })).rejects.toThrow(UnauthorizedException);
  });
});
