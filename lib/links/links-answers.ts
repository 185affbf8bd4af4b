import { WeChatUnavailableError } from '../errors/wechat-api.error';
import type { WeChatJson } from '../wechat/wechat-http.client';
import type { EntryLinkInfo, LinkVisitQuota, WeChatEnvVersion } from './wechat-link.interfaces';

// WeChat's answers of the link APIs read into the module's types. Times are Unix seconds (0 for "never" in the expiry);
// WeChat's examples quote no number, but numbers are read from digit strings too, as elsewhere in the module. An answer
// without the fields a caller relies on is not the documented answer: WeChatUnavailableError `invalid-response`.

const ENV_VERSIONS: readonly string[] = ['release', 'trial', 'develop'];

/** A non-empty text field of an answer, e.g. `openlink`. @internal */
export function linkText(json: WeChatJson, field: string, api: string): string {
  const value = json[field];
  if (typeof value !== 'string' || value === '') throw new WeChatUnavailableError(api, 'invalid-response', `${field} missing`);
  return value;
}

/** A whole number of an answer, given as a number or as digits. */
function wholeNumber(value: unknown, field: string, api: string): number {
  const n = typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new WeChatUnavailableError(api, 'invalid-response', `${field} is not a whole number`);
  }
  return n;
}

/**
 * `scheme_info` of `queryscheme` or `url_link_info` of `query_urllink`, with the `visit_openid` beside it (empty when
 * nobody opened the link). @internal
 */
export function readLinkInfo(json: WeChatJson, field: 'scheme_info' | 'url_link_info', api: string): EntryLinkInfo {
  const info = json[field];
  if (typeof info !== 'object' || info === null || Array.isArray(info)) {
    throw new WeChatUnavailableError(api, 'invalid-response', `${field} missing`);
  }
  const item = info as Record<string, unknown>;
  const text = (name: string) => (typeof item[name] === 'string' ? (item[name] as string) : '');
  const envVersion = text('env_version') || 'release';
  if (!ENV_VERSIONS.includes(envVersion)) throw new WeChatUnavailableError(api, 'invalid-response', `unknown env_version`);
  const expireTime = wholeNumber(item.expire_time ?? 0, `${field}.expire_time`, api);
  const visitOpenId = typeof json.visit_openid === 'string' && json.visit_openid !== '' ? json.visit_openid : undefined;
  return {
    appId: text('appid'),
    path: text('path'),
    query: text('query'),
    envVersion: envVersion as WeChatEnvVersion,
    createdAt: new Date(wholeNumber(item.create_time, `${field}.create_time`, api) * 1000),
    expiresAt: expireTime === 0 ? null : new Date(expireTime * 1000),
    ...(visitOpenId !== undefined ? { visitOpenId } : {}),
  };
}

/** `quota_info` of a query with `query_type` 1. @internal */
export function readVisitQuota(json: WeChatJson, api: string): LinkVisitQuota {
  const info = json.quota_info as Record<string, unknown> | undefined;
  if (typeof info !== 'object' || info === null) throw new WeChatUnavailableError(api, 'invalid-response', 'quota_info missing');
  return { remainVisitQuota: wholeNumber(info.remain_visit_quota, 'quota_info.remain_visit_quota', api) };
}
