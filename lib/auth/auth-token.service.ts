import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { generateApiToken, hashApiToken, isApiTokenShape } from '../crypto/api-token.crypto';
import { AuthToken } from '../entities/auth-token.entity';
import { AccountStatements } from './account.statements';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import type { ResolvedMiniProgramOptions } from '../interfaces';

/** Why a presented token was not accepted. @publicApi */
export type TokenRejection = 'malformed' | 'unknown' | 'revoked' | 'expired';

/** The outcome of {@link AuthTokenService.verify}. @publicApi */
export type TokenVerification =
  { ok: true; tokenId: number; accountId: number; expiresAt: Date | null } | { ok: false; reason: TokenRejection };

interface CachedToken {
  tokenId: number;
  accountId: number;
  expiresAt: number | null;
  cachedUntil: number;
}

/**
 * Issues, verifies and revokes API tokens. Only SHA-256 hashes reach the database. Verified
 * tokens are kept in a small per-process cache for `token.cacheTtlSeconds`, so a guarded request
 * usually costs no database round trip; a token revoked by another process is accepted here for
 * at most that long.
 * @publicApi
 */
@Injectable()
export class AuthTokenService {
  private readonly cache = new Map<string, CachedToken>();

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    @InjectRepository(AuthToken) private readonly tokens: Repository<AuthToken>,
  ) {}

  /** Creates a token for an account and returns it; it is never stored in clear. */
  async issue(accountId: number): Promise<{ token: string; tokenId: number; expiresAt: Date | null }> {
    const token = generateApiToken();
    const ttl = this.options.token.ttlSeconds;
    const expiresAt = ttl > 0 ? new Date(Date.now() + ttl * 1000) : null;
    // One INSERT statement of a fixed text (save() would wrap it in a transaction of its own: two more round trips).
    const tokenId = await AccountStatements.of(this.tokens.manager).insertToken(hashApiToken(token), accountId, expiresAt);
    return { token, tokenId, expiresAt };
  }

  /** Checks a presented token. */
  async verify(token: string): Promise<TokenVerification> {
    if (typeof token !== 'string' || !isApiTokenShape(token)) return { ok: false, reason: 'malformed' };
    const hash = hashApiToken(token);
    const now = Date.now();

    const cached = this.cache.get(hash);
    if (cached && cached.cachedUntil > now) {
      if (cached.expiresAt !== null && cached.expiresAt <= now) {
        this.cache.delete(hash);
        return { ok: false, reason: 'expired' };
      }
      return { ok: true, tokenId: cached.tokenId, accountId: cached.accountId, expiresAt: toDate(cached.expiresAt) };
    }
    this.cache.delete(hash);

    const row = await this.tokens.findOne({
      where: { tokenHash: hash },
      select: { id: true, accountId: true, expiresAt: true, revokedAt: true },
    });
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revokedAt) return { ok: false, reason: 'revoked' };
    const expiresAt = row.expiresAt ? new Date(row.expiresAt).getTime() : null;
    if (expiresAt !== null && expiresAt <= now) return { ok: false, reason: 'expired' };

    this.remember(hash, {
      tokenId: row.id,
      accountId: row.accountId,
      expiresAt,
      cachedUntil: now + this.options.token.cacheTtlSeconds * 1000,
    });
    return { ok: true, tokenId: row.id, accountId: row.accountId, expiresAt: toDate(expiresAt) };
  }

  /**
   * Revokes one token (logout). Takes effect at once in this process and within
   * `token.cacheTtlSeconds` in others.
   * @returns whether a valid token was revoked.
   */
  async revoke(token: string): Promise<boolean> {
    if (typeof token !== 'string' || !isApiTokenShape(token)) return false;
    const hash = hashApiToken(token);
    this.cache.delete(hash);
    const result = await this.tokens.update({ tokenHash: hash, revokedAt: IsNull() }, { revokedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  /** Revokes every token of an account (log out everywhere). @returns how many were revoked. */
  async revokeAll(accountId: number): Promise<number> {
    for (const [hash, entry] of this.cache) if (entry.accountId === accountId) this.cache.delete(hash);
    const result = await this.tokens.update({ accountId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return result.affected ?? 0;
  }

  private remember(hash: string, entry: CachedToken): void {
    if (this.options.token.cacheTtlSeconds === 0) return;
    if (this.cache.size >= this.options.token.cacheMaxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(hash, entry);
  }
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
