import { Injectable, UnauthorizedException } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-custom';
import { MINI_PROGRAM_STRATEGY } from '../mini-program.constants';
import { WeChatAccount } from '../entities/wechat-account.entity';
import { AuthTokenService, TokenRejection } from './auth-token.service';
import { MiniProgramAuthService } from './mini-program-auth.service';

/** What the strategy records on the request besides `request.user`. @publicApi */
export interface MiniProgramAuthInfo {
  /** The token the request presented. */
  token: string;
  tokenId: number;
  expiresAt: Date | null;
}

/** Property of the request that holds {@link MiniProgramAuthInfo}. @publicApi */
export const MINI_PROGRAM_AUTH_INFO = 'miniProgramAuth';

/** The part of an HTTP request the strategy reads (Express and Fastify requests both fit). @publicApi */
export interface MiniProgramRequest {
  headers: IncomingHttpHeaders;
}

const AUTHORIZATION = /^(?:Token|Bearer)[ \t]+([^\s]+)[ \t]*$/i;

const REJECTIONS: Record<TokenRejection | 'missing', string> = {
  missing: 'Authentication credentials were not provided: send "Authorization: Token <token>".',
  malformed: 'Invalid token.',
  unknown: 'Invalid token.',
  revoked: 'Token has been revoked: log in again.',
  expired: 'Token has expired: log in again.',
};

/**
 * Reads `Authorization: Token <token>` (or `Bearer <token>`) and resolves it to the
 * {@link WeChatAccount}, which becomes `request.user`.
 *
 * It must be listed in the module's providers even though nothing injects it: creating it is
 * what registers it with Passport.
 * @publicApi
 */
@Injectable()
export class MiniProgramStrategy extends PassportStrategy(Strategy, MINI_PROGRAM_STRATEGY) {
  constructor(
    private readonly tokens: AuthTokenService,
    private readonly auth: MiniProgramAuthService,
  ) {
    super();
  }

  async validate(request: MiniProgramRequest): Promise<WeChatAccount> {
    const token = extractToken(request);
    if (token === null) throw new UnauthorizedException(REJECTIONS.missing);
    const result = await this.tokens.verify(token);
    if (!result.ok) throw new UnauthorizedException(REJECTIONS[result.reason]);
    const account = await this.auth.getAccount(result.accountId);
    if (!account) throw new UnauthorizedException(REJECTIONS.unknown);
    (request as unknown as Record<string, MiniProgramAuthInfo>)[MINI_PROGRAM_AUTH_INFO] = {
      token,
      tokenId: result.tokenId,
      expiresAt: result.expiresAt,
    };
    return account;
  }
}

/**
 * The token of an `Authorization: Token <token>` or `Bearer <token>` header; `null` when the
 * header is missing, or `''` when it is present but not in that form.
 * @internal
 */
export function extractToken(request: MiniProgramRequest): string | null {
  const header = request.headers?.authorization;
  if (typeof header !== 'string' || header.trim() === '') return null;
  const match = AUTHORIZATION.exec(header);
  return match ? match[1] : '';
}
