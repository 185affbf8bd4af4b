/** Name under which the token strategy is registered with Passport. @publicApi */
export const MINI_PROGRAM_STRATEGY = 'mini-program';

/** Injection token of the validated options ({@link ResolvedMiniProgramOptions}). @publicApi */
export const MINI_PROGRAM_OPTIONS = 'MINI_PROGRAM_OPTIONS';

/** Injection token of the access-token store. @publicApi */
export const MINI_PROGRAM_ACCESS_TOKEN_STORE = 'MINI_PROGRAM_ACCESS_TOKEN_STORE';

/** Default path prefix of the auth controller, as in the original. @publicApi */
export const DEFAULT_ROUTE_PREFIX = 'miniprogram_auth';

/** Default path of the message-push route under the route prefix. @publicApi */
export const DEFAULT_PUSH_PATH = 'wechatPush';

/** WeChat's API host. @publicApi */
export const DEFAULT_API_BASE_URL = 'https://api.weixin.qq.com';

/** WeChat Pay's API host. @publicApi */
export const DEFAULT_PAY_BASE_URL = 'https://api.mch.weixin.qq.com';

/** @internal */
export const DEFAULTS = {
  apiBaseUrl: DEFAULT_API_BASE_URL,
  token: { ttlSeconds: 30 * 24 * 3600, cacheTtlSeconds: 30, cacheMaxEntries: 10_000 },
  http: { timeoutMs: 5000, retries: 2, retryDelayMs: 200 },
} as const;
