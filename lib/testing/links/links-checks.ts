import { isPlainObject } from '../server/simulator-http';
import type { WeChatOutcome } from '../server/simulator-state';
import type { SimEnvVersion } from './links.interfaces';

// WeChat's checks of the link APIs, in the order it seems to make them, each with the errcode it answers (written from
// the API pages and what developers report WeChat answered): a body that is not JSON, a scene too long or of other
// characters, a page with a leading / or a query, a page the app does not have, a query outside its character set, an
// expiry beyond 30 days, a Short Link page with a leading /. Every check answers a value or the errcode that refuses it.

/** The errcodes of the link APIs the simulator answers. @internal */
export const LinkErrcode = {
  INVALID_URL: 40066,
  INVALID_ARGS: 40097,
  INVALID_SCENE: 40129,
  INVALID_PATH: 40165,
  INVALID_SCENE_LENGTH: 40169,
  INVALID_QUERY: 40212,
  INVALID_TITLE: 40225,
  INVALID_PAGE: 41030,
  EXPIRE_TIME: 85401,
  EXPIRE_INTERVAL: 85402,
  NOT_FOUND: 85403,
} as const;

/** WeChat's wording of each (the simulator adds `, rid: …`). @internal */
export const LINK_ERRMSG: Readonly<Record<number, string>> = {
  [LinkErrcode.INVALID_URL]: 'invalid url',
  [LinkErrcode.INVALID_ARGS]: 'invalid args',
  [LinkErrcode.INVALID_SCENE]: 'invalid scene',
  [LinkErrcode.INVALID_PATH]: 'invalid weapp pagepath',
  [LinkErrcode.INVALID_SCENE_LENGTH]: 'invalid length for scene, or the data is not json string',
  [LinkErrcode.INVALID_QUERY]: 'invalid query',
  [LinkErrcode.INVALID_TITLE]: 'invalid page title',
  [LinkErrcode.INVALID_PAGE]: 'invalid page',
  // As developers reported it (2021–2023), from before the limit became 30 days.
  [LinkErrcode.EXPIRE_TIME]: 'time limit between 1min and 1year',
  [LinkErrcode.EXPIRE_INTERVAL]: 'expire interval limit between 1 and 30 days',
  [LinkErrcode.NOT_FOUND]: 'scheme or url_link not exist',
};

const SCENE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]*$/;
/** A page path: segments joined by `/`, no query. */
export const PAGE_PATH = /^[\w\-.~@]+(?:\/[\w\-.~@]+)*$/;
const LINK_QUERY = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]{0,1024}$/;
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const ENV_VERSIONS: readonly string[] = ['release', 'trial', 'develop'];
const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest life of a URL Scheme, URL Link or short-term Short Link, and the default one. @internal */
export const LINK_LIFE_MS = 30 * DAY_MS;
/** The colour WeChat's `auto_color` picks here: its own green. */
const AUTO_COLOR = { r: 7, g: 193, b: 96 };

/** Whether the app has a page (true for any page while no list is set). @internal */
export type KnowsPage = (page: string) => boolean;

/** A code to draw, checked. @internal */
export interface CodeRequest {
  scene: string;
  page: string;
  checkPath: boolean;
  envVersion: SimEnvVersion;
  width: number;
  color: { r: number; g: number; b: number };
  transparent: boolean;
}

/** Where a URL Scheme or URL Link leads and until when, checked. @internal */
export interface EntryLinkRequest {
  path: string;
  query: string;
  envVersion: SimEnvVersion;
  expiresAt: number;
}

/** A Short Link to make, checked. @internal */
export interface ShortLinkRequest {
  pageUrl: string;
  pageTitle: string;
  permanent: boolean;
}

const refuse = (errcode: number): { ok: false; errcode: number } => ({ ok: false, errcode });

/** An optional field of a JSON type, or `undefined` when it is of another type (WeChat's 40097). */
function optional<T>(value: unknown, type: 'boolean' | 'string', fallback: T): T | undefined {
  if (value === undefined) return fallback;
  return typeof value === type ? (value as T) : undefined;
}

function envVersionOf(value: unknown): SimEnvVersion | undefined {
  const env = optional<string>(value, 'string', 'release');
  return env !== undefined && ENV_VERSIONS.includes(env) ? (env as SimEnvVersion) : undefined;
}

/** A colour channel: a number or digits (WeChat's own example quotes them), 0 to 255. */
function channel(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value;
  return Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 255 ? (n as number) : undefined;
}

/** The body of `getwxacodeunlimit`: scene (40169, 40129), page (41030), then the drawing options (40097). @internal */
export function codeRequest(body: Record<string, unknown> | undefined, knows: KnowsPage): WeChatOutcome<CodeRequest> {
  // A body that is not JSON gets the scene's errcode: "…, or the data is not json string".
  if (!body || typeof body.scene !== 'string' || body.scene.length === 0 || body.scene.length > 32) {
    return refuse(LinkErrcode.INVALID_SCENE_LENGTH);
  }
  if (!SCENE.test(body.scene)) return refuse(LinkErrcode.INVALID_SCENE);
  const checkPath = optional<boolean>(body.check_path, 'boolean', true);
  const page = optional<string>(body.page, 'string', '');
  if (page === undefined || checkPath === undefined) return refuse(LinkErrcode.INVALID_ARGS);
  if (page !== '' && (!PAGE_PATH.test(page) || (checkPath && !knows(page)))) return refuse(LinkErrcode.INVALID_PAGE);
  const envVersion = envVersionOf(body.env_version);
  const width = body.width === undefined ? 430 : body.width;
  const autoColor = optional<boolean>(body.auto_color, 'boolean', false);
  const transparent = optional<boolean>(body.is_hyaline, 'boolean', false);
  const line = body.line_color === undefined ? { r: 0, g: 0, b: 0 } : body.line_color;
  const color = isPlainObject(line) ? { r: channel(line.r), g: channel(line.g), b: channel(line.b) } : undefined;
  const widthOk = Number.isInteger(width) && (width as number) >= 280 && (width as number) <= 1280;
  if (
    !envVersion ||
    !widthOk ||
    autoColor === undefined ||
    transparent === undefined ||
    !color ||
    Object.values(color).includes(undefined)
  ) {
    return refuse(LinkErrcode.INVALID_ARGS);
  }
  return {
    ok: true,
    value: {
      scene: body.scene,
      page,
      checkPath,
      envVersion,
      width: width as number,
      color: autoColor ? AUTO_COLOR : (color as CodeRequest['color']),
      transparent,
    },
  };
}

/** When a link expires: at `expire_time` (type 0, 85401 outside a minute to 30 days) or after days (type 1, 85402). */
function expiryOf(body: Record<string, unknown>, now: number): WeChatOutcome<number> {
  const type = body.expire_type ?? 0;
  if (type === 1) {
    const days = body.expire_interval;
    const fits = Number.isInteger(days) && (days as number) >= 1 && (days as number) <= 30;
    return fits ? { ok: true, value: now + (days as number) * DAY_MS } : refuse(LinkErrcode.EXPIRE_INTERVAL);
  }
  if (type !== 0) return refuse(LinkErrcode.INVALID_ARGS);
  // Without a time the link lives as long as any may: every link expires since WeChat's rules of April 2022.
  if (body.expire_time === undefined) return { ok: true, value: now + LINK_LIFE_MS };
  const at = Number.isInteger(body.expire_time) ? (body.expire_time as number) * 1000 : NaN;
  return at > now + 60_000 && at <= now + LINK_LIFE_MS ? { ok: true, value: at } : refuse(LinkErrcode.EXPIRE_TIME);
}

/**
 * Where a URL Scheme (`target` is `jump_wxa`) or URL Link (`target` is the body) leads: the page (40165; a leading `/`
 * is taken, as WeChat does), the query (40212), the version (40097), and the expiry of the body. @internal
 */
export function entryLinkRequest(
  target: unknown,
  body: Record<string, unknown>,
  now: number,
  knows: KnowsPage,
): WeChatOutcome<EntryLinkRequest> {
  if (target !== undefined && !isPlainObject(target)) return refuse(LinkErrcode.INVALID_ARGS);
  const fields = (target ?? {}) as Record<string, unknown>;
  const rawPath = optional<string>(fields.path, 'string', '');
  const path = rawPath?.replace(/^\//, '');
  if (path === undefined || (path !== '' && (!PAGE_PATH.test(path) || !knows(path)))) return refuse(LinkErrcode.INVALID_PATH);
  const query = optional<string>(fields.query, 'string', '');
  if (query === undefined || !LINK_QUERY.test(query)) return refuse(LinkErrcode.INVALID_QUERY);
  const envVersion = envVersionOf(fields.env_version);
  if (!envVersion) return refuse(LinkErrcode.INVALID_ARGS);
  const expiry = expiryOf(body, now);
  return expiry.ok ? { ok: true, value: { path, query, envVersion, expiresAt: expiry.value } } : expiry;
}

/** The body of `genwxashortlink`: the page with its query (40066), the title (40225), permanence (40097). @internal */
export function shortLinkRequest(body: Record<string, unknown>, knows: KnowsPage): WeChatOutcome<ShortLinkRequest> {
  const pageUrl = body.page_url;
  if (typeof pageUrl !== 'string' || pageUrl.length === 0 || pageUrl.length > 1024) return refuse(LinkErrcode.INVALID_URL);
  const [page, query = ''] = splitPageUrl(pageUrl);
  if (!PAGE_PATH.test(page) || !/^[\x21-\x7e]*$/.test(query) || !knows(page)) return refuse(LinkErrcode.INVALID_URL);
  const title = optional<string>(body.page_title, 'string', '');
  if (title === undefined || CONTROL.test(title)) return refuse(LinkErrcode.INVALID_TITLE);
  const permanent = optional<boolean>(body.is_permanent, 'boolean', false);
  if (permanent === undefined) return refuse(LinkErrcode.INVALID_ARGS);
  // "超过20字符会用... 截断代替"
  const chars = [...title];
  return { ok: true, value: { pageUrl, pageTitle: chars.length > 20 ? `${chars.slice(0, 20).join('')}...` : title, permanent } };
}

/** A page with its query as its page and its query. @internal */
export function splitPageUrl(pageUrl: string): [string, string?] {
  const at = pageUrl.indexOf('?');
  return at < 0 ? [pageUrl] : [pageUrl.slice(0, at), pageUrl.slice(at + 1)];
}
