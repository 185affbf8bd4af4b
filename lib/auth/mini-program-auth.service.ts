import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { decryptUserData } from '../crypto/user-data.crypto';
import { WeChatAccount } from '../entities/wechat-account.entity';
import { UserDataDecryptError } from '../errors/user-data-decrypt.error';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import { isUniqueViolation } from '../utils/unique-violation.util';
import { WeChatApiService } from '../wechat/wechat-api.service';
import type { WeChatPhoneInfo } from '../wechat/wechat-api.interface';
import { AccountStatements } from './account.statements';
import { AuthTokenService } from './auth-token.service';

/** The answer of a login, as in the original: `{token, user_id}`. @publicApi */
export interface MiniProgramLoginResult {
  token: string;
  user_id: number;
  /** When the token expires, or `null` when tokens do not expire. */
  expires_at: string | null;
}

/** User profile fields WeChat sends in `wx.getUserInfo` data. @publicApi */
export interface WeChatUserInfo {
  openId?: string;
  unionId?: string;
  nickName?: string;
  avatarUrl?: string;
  gender?: number;
  city?: string;
  province?: string;
  country?: string;
  language?: string;
}

interface CachedAccount {
  account: WeChatAccount;
  cachedUntil: number;
}

/**
 * Login, profile and phone-number logic behind the auth controller, usable on its own by hosts
 * that mount their own routes.
 * @publicApi
 */
@Injectable()
export class MiniProgramAuthService {
  private readonly accounts = new Map<number, CachedAccount>();
  private readonly statements: AccountStatements;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    @InjectRepository(WeChatAccount) private readonly repository: Repository<WeChatAccount>,
    private readonly wechat: WeChatApiService,
    private readonly tokens: AuthTokenService,
  ) {
    this.statements = AccountStatements.of(repository.manager);
  }

  /**
   * `wx.login()` code → code2Session → find or create the account (session key and unionid
   * updated; a stored unionid is never replaced by nothing) → a new API token for this device.
   */
  async login(code: string): Promise<MiniProgramLoginResult> {
    const session = await this.wechat.code2Session(code);
    const accountId = await this.upsertAccount(session.openId, session.sessionKey, session.unionId);
    const issued = await this.tokens.issue(accountId);
    return { token: issued.token, user_id: accountId, expires_at: issued.expiresAt?.toISOString() ?? null };
  }

  /**
   * Decrypts `wx.getUserInfo` data with the account's stored session key, checks the watermark
   * AppID (and the openId, when the data carries one) and saves the profile.
   * @throws UserDataDecryptError when the data cannot be read with the current session key.
   */
  async updateUserInfo(accountId: number, encryptedData: string, iv: string): Promise<WeChatAccount> {
    const session = await this.statements.findSession(accountId);
    if (!session?.sessionKey) throw new UserDataDecryptError('INVALID_SESSION_KEY');
    const data = decryptUserData<WeChatUserInfo>(encryptedData, iv, session.sessionKey, this.options.appId);
    if (data.openId !== undefined && data.openId !== session.openId) throw new UserDataDecryptError('APPID_MISMATCH');

    const updated = await this.statements.updateProfile(accountId, {
      nickName: text(data.nickName, 100),
      avatarUrl: text(data.avatarUrl, 1024),
      gender: gender(data.gender),
      city: text(data.city, 100),
      province: text(data.province, 100),
      country: text(data.country, 100),
      language: text(data.language, 20),
      unionId: typeof data.unionId === 'string' && data.unionId ? text(data.unionId, 64) : null,
    });
    if (!updated) throw new UserDataDecryptError('INVALID_SESSION_KEY');
    this.remember(updated);
    return updated;
  }

  /** Resolves a `getPhoneNumber` button code and stores the number on the account. */
  async updatePhoneNumber(accountId: number, code: string): Promise<WeChatPhoneInfo> {
    const account = await this.getAccount(accountId);
    const info = await this.wechat.getPhoneNumber(code, account?.openId);
    await this.repository.update(
      { id: accountId },
      {
        phoneNumber: text(info.phoneNumber, 32),
        purePhoneNumber: text(info.purePhoneNumber, 32),
        countryCode: text(info.countryCode, 8),
      },
    );
    await this.reload(accountId);
    return info;
  }

  /**
   * The account, from a short per-process cache unless `fresh` is asked for.
   * @returns null when it does not exist.
   */
  async getAccount(id: number, options: { fresh?: boolean } = {}): Promise<WeChatAccount | null> {
    const now = Date.now();
    const cached = this.accounts.get(id);
    if (!options.fresh && cached && cached.cachedUntil > now) return cached.account;
    const account = await this.statements.findAccount(id);
    if (!account) {
      this.accounts.delete(id);
      return null;
    }
    this.remember(account);
    return account;
  }

  private async reload(id: number): Promise<WeChatAccount> {
    const account = await this.getAccount(id, { fresh: true });
    if (!account) throw new Error(`WeChatAccount ${id} disappeared`);
    return account;
  }

  private async upsertAccount(openId: string, sessionKey: string, unionId?: string): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      const existing = await this.statements.touchSession(openId, sessionKey, unionId || null);
      if (existing !== undefined) return existing;
      try {
        return await this.statements.insertAccount(openId, sessionKey, unionId || null);
      } catch (error) {
        // Another request created the same account in the meantime: update that one instead.
        if (attempt > 0 || !isUniqueViolation(error)) throw error;
      }
    }
  }

  private remember(account: WeChatAccount): void {
    const ttl = this.options.token.cacheTtlSeconds;
    if (ttl === 0) return;
    if (this.accounts.size >= this.options.token.cacheMaxEntries) {
      const oldest = this.accounts.keys().next().value;
      if (oldest !== undefined) this.accounts.delete(oldest);
    }
    this.accounts.set(account.id, { account, cachedUntil: Date.now() + ttl * 1000 });
  }
}

function text(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  // U+0000 cannot be stored in PostgreSQL text (the update would fail); no profile field needs it.
  const clean = value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
  // At most `max` code points; a string of at most `max` UTF-16 units has no more than that.
  return clean.length <= max ? clean : [...clean].slice(0, max).join('');
}

function gender(value: unknown): number | null {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 2 ? n : null;
}
