import { Inject, Injectable, Logger } from '@nestjs/common';
import { loginStateSignature } from '../crypto/user-data.crypto';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import { MINI_PROGRAM_ACCESS_TOKEN_STORE, MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import type { AccessTokenStore } from './access-token.store';
import { callLockTtlMs } from '../utils/retry.util';
import type { WeChatPhoneInfo, WeChatSession } from './wechat-api.interface';
import { WeChatHttpClient, WeChatJson, WeChatRequest } from './wechat-http.client';
import type { WeChatBinary } from './wechat-http.client';

/** errcodes that mean "this access token is no longer good". */
const STALE_TOKEN_ERRCODES = new Set([40001, 40014, 42001]);

/** errcode of `wxa/checksession` for a session key that is not the current one. */
const INVALID_SIGNATURE = 87009;

/**
 * WeChat's mini program server APIs: code2Session, the stable access token, checkSessionKey
 * and getPhoneNumber.
 * @publicApi
 */
@Injectable()
export class WeChatApiService {
  private readonly logger = new Logger('MiniProgram');
  private inflightToken: Promise<string> | null = null;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    @Inject(MINI_PROGRAM_ACCESS_TOKEN_STORE) private readonly store: AccessTokenStore,
    private readonly http: WeChatHttpClient,
  ) {}

  /**
   * Exchanges a `wx.login()` code for the user's openid and session key. Codes are single-use:
   * a code is never sent twice after WeChat may have seen it.
   * @throws WeChatApiError e.g. 40029 (invalid code), 40163 (code used), 45011 (rate limit)
   * @throws WeChatUnavailableError
   */
  async code2Session(code: string): Promise<WeChatSession> {
    const json = await this.http.request({
      api: 'code2Session',
      method: 'GET',
      path: '/sns/jscode2session',
      query: { appid: this.options.appId, secret: this.options.appSecret, js_code: code, grant_type: 'authorization_code' },
      idempotent: false,
    });
    const openId = json.openid;
    const sessionKey = json.session_key;
    if (typeof openId !== 'string' || !openId || typeof sessionKey !== 'string' || !sessionKey) {
      throw new WeChatUnavailableError('code2Session', 'invalid-response', 'openid or session_key missing');
    }
    const unionId = typeof json.unionid === 'string' && json.unionid ? json.unionid : undefined;
    return { openId, sessionKey, ...(unionId ? { unionId } : {}) };
  }

  /**
   * A valid access token from `cgi-bin/stable_token`, cached in the access-token store. Calls
   * from this process share one request while a token is being fetched; with a store that can
   * lock (e.g. `RedisAccessTokenStore`), processes also take turns, so N processes refresh once.
   * `rejected` names a token WeChat refused: it is never handed out again.
   */
  async getAccessToken(options: { forceRefresh?: boolean; rejected?: string } = {}): Promise<string> {
    if (!options.forceRefresh) {
      const cached = await this.usable(options.rejected);
      if (cached) return cached;
    }
    if (!this.inflightToken) {
      this.inflightToken = this.refresh(options.forceRefresh ?? false, options.rejected).finally(() => {
        this.inflightToken = null;
      });
    }
    return this.inflightToken;
  }

  /**
   * Whether `sessionKey` is still the user's current session key (`wxa/checksession`).
   * @returns false when WeChat answers 87009 (the key was replaced by a newer login or expired).
   */
  async checkSessionKey(openId: string, sessionKey: string): Promise<boolean> {
    try {
      await this.withAccessToken((accessToken) => ({
        api: 'checkSessionKey',
        method: 'GET',
        path: '/wxa/checksession',
        query: { access_token: accessToken, openid: openId, signature: loginStateSignature(sessionKey), sig_method: 'hmac_sha256' },
        idempotent: true,
      }));
      return true;
    } catch (error) {
      if (error instanceof WeChatApiError && error.errcode === INVALID_SIGNATURE) return false;
      throw error;
    }
  }

  /**
   * The phone number behind a code from the `getPhoneNumber` button (single-use, 5 minutes).
   * @throws WeChatApiError 40029 for an invalid or used code.
   */
  async getPhoneNumber(code: string, openId?: string): Promise<WeChatPhoneInfo> {
    const json = await this.withAccessToken((accessToken) => ({
      api: 'getPhoneNumber',
      method: 'POST',
      path: '/wxa/business/getuserphonenumber',
      query: { access_token: accessToken },
      body: openId ? { code, openid: openId } : { code },
      idempotent: false,
    }));
    const info = json.phone_info as Partial<WeChatPhoneInfo> | undefined;
    if (!info || typeof info.phoneNumber !== 'string' || typeof info.purePhoneNumber !== 'string') {
      throw new WeChatUnavailableError('getPhoneNumber', 'invalid-response', 'phone_info missing');
    }
    return {
      phoneNumber: info.phoneNumber,
      purePhoneNumber: info.purePhoneNumber,
      countryCode: String(info.countryCode ?? ''),
      ...(info.watermark ? { watermark: info.watermark } : {}),
    };
  }

  /**
   * Calls a token-protected API. When WeChat says the token is stale (40001, 40014, 42001) the
   * token is dropped from the store only if it is still the one that failed, a current token is
   * fetched, and the call is repeated once.
   */
  async withAccessToken(build: (accessToken: string) => WeChatRequest): Promise<WeChatJson> {
    return this.withToken(build, (req) => this.http.request(req));
  }

  /**
   * Like {@link withAccessToken}, for the APIs that answer a file on success (a mini program code's PNG, a media
   * file) and JSON on failure: the bytes and their content type.
   */
  async withAccessTokenBinary(build: (accessToken: string) => WeChatRequest): Promise<WeChatBinary> {
    return this.withToken(build, (req) => this.http.requestBinary(req));
  }

  private async withToken<T>(build: (accessToken: string) => WeChatRequest, send: (req: WeChatRequest) => Promise<T>): Promise<T> {
    const token = await this.getAccessToken();
    try {
      return await send(build(token));
    } catch (error) {
      if (!(error instanceof WeChatApiError) || !STALE_TOKEN_ERRCODES.has(error.errcode)) throw error;
      this.logger.warn(`WeChat rejected the access token (errcode ${error.errcode}); fetching a current one`);
      await this.store.delete(this.storeKey, token);
      let fresh = await this.getAccessToken({ rejected: token });
      // stable_token hands back the same token until it expires; if that is the one WeChat
      // just refused, only a forced refresh gives a new one.
      if (fresh === token) fresh = await this.getAccessToken({ forceRefresh: true, rejected: token });
      return send(build(fresh));
    }
  }

  private get storeKey(): string {
    return `miniprogram:access_token:${this.options.appId}`;
  }

  /** A stored token that is neither expired nor the rejected one. */
  private async usable(rejected?: string): Promise<string | null> {
    const cached = await this.store.get(this.storeKey);
    return cached && cached.expiresAt > Date.now() && cached.token !== rejected ? cached.token : null;
  }

  /**
   * Fetches a token, holding the store's lock when it has one. A process that finds the lock
   * taken waits for the holder's token instead of fetching its own, and fetches anyway if none
   * appears within the lock's lifetime (the holder died).
   */
  private async refresh(forceRefresh: boolean, rejected?: string): Promise<string> {
    if (!this.store.lock) return this.fetchAccessToken(forceRefresh);
    const lockTtl = callLockTtlMs(this.options.http);
    const deadline = Date.now() + lockTtl;
    for (;;) {
      const release = await this.store.lock(this.storeKey, lockTtl);
      if (release) {
        try {
          // Another process may have refreshed while we waited for the lock.
          const cached = forceRefresh && !rejected ? null : await this.usable(rejected);
          return cached ?? (await this.fetchAccessToken(forceRefresh));
        } finally {
          await release().catch(() => undefined);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
      const cached = await this.usable(rejected);
      if (cached) return cached;
      if (Date.now() > deadline) return this.fetchAccessToken(forceRefresh);
    }
  }

  private async fetchAccessToken(forceRefresh: boolean): Promise<string> {
    const json = await this.http.request({
      api: 'getStableAccessToken',
      method: 'POST',
      path: '/cgi-bin/stable_token',
      body: {
        grant_type: 'client_credential',
        appid: this.options.appId,
        secret: this.options.appSecret,
        force_refresh: forceRefresh,
      },
      idempotent: !forceRefresh,
    });
    const token = json.access_token;
    const expiresIn = Number(json.expires_in);
    if (typeof token !== 'string' || !token || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new WeChatUnavailableError('getStableAccessToken', 'invalid-response', 'access_token or expires_in missing');
    }
    // Stop using a token a little before WeChat does, so a request never carries one that
    // expires in flight.
    const lifetime = Math.max(expiresIn - 60, expiresIn / 2);
    await this.store.set(this.storeKey, { token, expiresAt: Date.now() + lifetime * 1000 });
    return token;
  }
}
