import type { AccessTokenStore } from '../wechat/access-token.store';
import type { MiniProgramPayOptions, ResolvedPayOptions } from './wechat-pay-options.interface';
import type { MiniProgramProfileOptions, ResolvedProfileOptions } from './wechat-profile-options.interface';
import type { MiniProgramPushOptions, ResolvedPushOptions } from './wechat-push-options.interface';
import type { MiniProgramSubscribeOptions, ResolvedSubscribeOptions } from './wechat-subscribe-options.interface';
import type { MiniProgramShippingOptions, ResolvedShippingOptions } from './wechat-shipping-options.interface';

/**
 * API token settings.
 * @publicApi
 */
export interface MiniProgramTokenOptions {
  /** Lifetime of an API token in seconds; `0` means tokens never expire. Default: 2592000 (30 days). */
  ttlSeconds?: number;
  /**
   * How long a verified token stays in the per-process cache, in seconds. A revoked token can be
   * accepted by another process for at most this long (the process that revokes forgets it at
   * once). `0` turns the cache off. Default: 30.
   */
  cacheTtlSeconds?: number;
  /** Most tokens kept in the per-process cache. Default: 10000. */
  cacheMaxEntries?: number;
}

/**
 * Outgoing HTTP settings for WeChat's APIs.
 * @publicApi
 */
export interface MiniProgramHttpOptions {
  /** Timeout of one request in milliseconds. Default: 5000. */
  timeoutMs?: number;
  /** Retries of a request that failed in a way that is safe to retry (errcode -1, 5xx, refused connection). Default: 2. */
  retries?: number;
  /** First backoff delay in milliseconds; doubles on each retry, with jitter. Default: 200. */
  retryDelayMs?: number;
}

/**
 * Options of {@link MiniProgramModule}.
 * @publicApi
 */
export interface MiniProgramModuleOptions {
  /** The mini program's AppID (`wx` and 16 characters), as in the original's `APPID`. */
  appId: string;
  /** The mini program's AppSecret (32 characters), as in the original's `SECRET`. Never logged. */
  appSecret: string;
  /** Base URL of WeChat's API. Point it at the simulator in development and tests. Default: `https://api.weixin.qq.com`. */
  apiBaseUrl?: string;
  /** API token settings. */
  token?: MiniProgramTokenOptions;
  /** Outgoing HTTP settings. */
  http?: MiniProgramHttpOptions;
  /** WeChat Pay API v2. Without it, `WeChatPayService` refuses calls and notifications. */
  pay?: MiniProgramPayOptions;
  /** Receiving WeChat's message push. Without it the push route answers 404. */
  push?: MiniProgramPushOptions;
  /** Subscribe messages: whether the users' consent is recorded (needs `push`). */
  subscribe?: MiniProgramSubscribeOptions;
  /** Order shipping info: the automatic upload for orders that need no logistics. */
  shipping?: MiniProgramShippingOptions;
  /** The profile of `POST profile` (nickname and avatar fill-in components): the avatar store, limits and review policies. */
  profile?: MiniProgramProfileOptions;
  /**
   * Where access tokens are kept. Default: an in-memory store (one per process). Give a shared
   * store (e.g. Redis) when several processes call WeChat's token-protected APIs.
   */
  accessTokenStore?: AccessTokenStore;
}

/**
 * Implemented by a class given to `forRootAsync({ useClass })` or `useExisting`.
 * @publicApi
 */
export interface MiniProgramOptionsFactory {
  createMiniProgramOptions(): MiniProgramModuleOptions | Promise<MiniProgramModuleOptions>;
}

/**
 * Definition-time switches of `forRoot`/`forRootAsync`. In `forRootAsync` they sit beside
 * `useFactory`, not inside what it returns.
 * @publicApi
 */
export interface MiniProgramModuleExtras {
  /** Make the module global, so its providers and guard can be used in every module. Default: false. */
  isGlobal?: boolean;
  /** Path prefix of the auth controller. Default: `miniprogram_auth`. */
  routePrefix?: string;
  /** Mount the auth controller (`login`, `updateUserInfo`, ...). Default: true. */
  authController?: boolean;
  /** Mount the WeChat Pay notification routes (`wechatPayCallback`, `wechatRefundCallback`). Default: true. */
  payNotifyController?: boolean;
  /** Mount the message-push route (`GET`/`POST {routePrefix}/{pushPath}`; it answers 404 while `push` is not configured). Default: true. */
  pushController?: boolean;
  /** Path of the message-push route under `routePrefix`. Default: `wechatPush`. */
  pushPath?: string;
  /** TypeORM data source the entities belong to. Default: the default data source. */
  dataSourceName?: string;
}

/**
 * Options after defaults were applied and validation passed.
 * @publicApi
 */
export interface ResolvedMiniProgramOptions {
  appId: string;
  appSecret: string;
  apiBaseUrl: string;
  token: Required<MiniProgramTokenOptions>;
  http: Required<MiniProgramHttpOptions>;
  accessTokenStore?: AccessTokenStore;
  pay?: ResolvedPayOptions;
  push?: ResolvedPushOptions;
  subscribe?: ResolvedSubscribeOptions;
  shipping?: ResolvedShippingOptions;
  /** Absent when not configured: the profile route then uses the defaults and refuses avatars. */
  profile?: ResolvedProfileOptions;
}
