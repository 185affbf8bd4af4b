import { WeChatInputError } from '../errors/wechat-input.error';
import type { EntryLinkOptions, ShortLinkOptions, UnlimitedCodeOptions, WeChatEnvVersion } from './wechat-link.interfaces';

// The limits are WeChat's, from the API pages of getUnlimitedQRCode, generateScheme, generateUrlLink and
// generateShortLink: `scene` 最大32个可见字符 of digits, letters and !#$&'()*+,/:;=?@-._~ (40169 too long, 40129 a
// character outside), `page` 根路径前不要填加 /,不能携带参数 (41030), `width` 最小 280px,最大 1280px, `query` 最大1024个字符
// of the same set and %, the link expiry 最长有效期为30天 (85401 outside a minute to the limit, 85402 for the interval),
// `page_url` 可携带 query,最大1024个字符 (40066 with a leading / as the community found). Checking them here names every
// problem at once, where WeChat names one errcode per call.

const SCENE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/;
/** A page path: segments joined by `/`, without a leading `/` or a query. */
const PAGE = /^[\w\-.~@]+(?:\/[\w\-.~@]+)*$/;
const LINK_QUERY = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~%]{0,1024}$/;
/** A page with its query (Short Link): printable, no spaces. */
const PAGE_URL = /^[\w\-.~@]+(?:\/[\w\-.~@]+)*(?:\?[\x21-\x7e]*)?$/;
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A URL Scheme: encrypted (`?t=TICKET`, perhaps `&cq=…`) or plain (`?appid=…&path=…`). */
const SCHEME = /^weixin:\/\/dl\/business\/\?[\x21-\x7e]{1,2048}$/;
/** A URL Link, perhaps with the `cq` query developers may append. */
const URL_LINK = /^https:\/\/(?:wxaurl|wxmpurl)\.cn\/[0-9A-Za-z]{1,64}(?:\?cq=[\x21-\x7e]{0,1024})?$/;
const ENV_VERSIONS: readonly WeChatEnvVersion[] = ['release', 'trial', 'develop'];
const MIN_WIDTH = 280;
const MAX_WIDTH = 1280;
const MAX_LINK_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** `getwxacodeunlimit`'s body. @internal */
export interface UnlimitedCodeBody {
  scene: string;
  page?: string;
  check_path?: boolean;
  env_version?: WeChatEnvVersion;
  width?: number;
  auto_color?: boolean;
  line_color?: { r: number; g: number; b: number };
  is_hyaline?: boolean;
}

/** Where a URL Scheme or URL Link leads and its expiry, with WeChat's names (inside `jump_wxa` for a scheme). @internal */
export interface EntryLinkTarget {
  path?: string;
  query?: string;
  env_version?: WeChatEnvVersion;
}

/** The expiry fields of `generatescheme` and `generate_urllink`. @internal */
export interface EntryLinkExpiry {
  is_expire: true;
  expire_type: 0 | 1;
  expire_time?: number;
  expire_interval?: number;
}

/** `genwxashortlink`'s body. @internal */
export interface ShortLinkBody {
  page_url: string;
  page_title?: string;
  is_permanent?: boolean;
}

type Fields = Record<string, unknown>;

/**
 * The problems found in one call's input: each `need` that fails adds its problem, and {@link raise} throws them all as
 * one {@link WeChatInputError} before anything is sent.
 */
function collect(api: string) {
  const problems: string[] = [];
  return {
    need(ok: boolean, problem: string): boolean {
      if (!ok) problems.push(problem);
      return ok;
    },
    raise(): void {
      if (problems.length > 0) throw new WeChatInputError(api, problems);
    },
  };
}

type Problems = ReturnType<typeof collect>;

/** The input object, or the one problem there is to name. */
function fieldsOf(api: string, input: unknown): Fields {
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) return input as Fields;
  throw new WeChatInputError(api, ['the options must be an object']);
}

function optionalBoolean(fields: Fields, name: string, problems: Problems): void {
  if (fields[name] !== undefined) problems.need(typeof fields[name] === 'boolean', `${name} must be true or false`);
}

function optionalEnv(fields: Fields, problems: Problems): void {
  const { envVersion } = fields;
  if (envVersion === undefined) return;
  problems.need(ENV_VERSIONS.includes(envVersion as WeChatEnvVersion), `envVersion must be one of ${ENV_VERSIONS.join(', ')}`);
}

const isPage = (value: unknown): value is string => typeof value === 'string' && value.length <= 1024 && PAGE.test(value);

function isColor(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const channels = value as Fields;
  return ['r', 'g', 'b'].every((c) => Number.isInteger(channels[c]) && (channels[c] as number) >= 0 && (channels[c] as number) <= 255);
}

/** The fields that are set, in WeChat's names: what is `undefined` is left out of the body. */
function defined<T extends object>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as T;
}

/**
 * Checks the options of `getUnlimitedQRCode` and builds its body.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function unlimitedCodeBody(options: UnlimitedCodeOptions): UnlimitedCodeBody {
  const api = 'getUnlimitedQRCode';
  const fields = fieldsOf(api, options);
  const problems = collect(api);
  problems.need(
    typeof fields.scene === 'string' && SCENE.test(fields.scene),
    "scene must be 1 to 32 characters: digits, letters and !#$&'()*+,/:;=?@-._~ (encode anything else yourself)",
  );
  if (fields.page !== undefined) {
    problems.need(isPage(fields.page), 'page must be a page path such as pages/index/index: no leading /, no query (put it in scene)');
  }
  optionalBoolean(fields, 'checkPath', problems);
  optionalEnv(fields, problems);
  if (fields.width !== undefined) {
    const { width } = fields;
    problems.need(
      Number.isInteger(width) && (width as number) >= MIN_WIDTH && (width as number) <= MAX_WIDTH,
      `width must be a whole number of pixels from ${MIN_WIDTH} to ${MAX_WIDTH}`,
    );
  }
  optionalBoolean(fields, 'autoColor', problems);
  if (fields.lineColor !== undefined) {
    problems.need(isColor(fields.lineColor), 'lineColor must be { r, g, b }, each a whole number from 0 to 255');
    problems.need(fields.autoColor !== true, 'lineColor is ignored when autoColor is true: give one of them');
  }
  optionalBoolean(fields, 'isHyaline', problems);
  problems.raise();
  const color = fields.lineColor as UnlimitedCodeBody['line_color'];
  return defined<UnlimitedCodeBody>({
    scene: fields.scene as string,
    page: fields.page as string | undefined,
    check_path: fields.checkPath as boolean | undefined,
    env_version: fields.envVersion as WeChatEnvVersion | undefined,
    width: fields.width as number | undefined,
    auto_color: fields.autoColor as boolean | undefined,
    line_color: color && { r: color.r, g: color.g, b: color.b },
    is_hyaline: fields.isHyaline as boolean | undefined,
  });
}

/**
 * The expiry of a URL Scheme or URL Link: at a time (type 0), after a number of days (type 1), or, with neither, after
 * the longest WeChat allows (30 days), said explicitly so that the link's life does not depend on WeChat's default.
 */
function expiryOf(fields: Fields, now: number, problems: Problems): EntryLinkExpiry {
  const { expiresAt, expiresInDays } = fields;
  problems.need(expiresAt === undefined || expiresInDays === undefined, 'give expiresAt or expiresInDays, not both');
  if (expiresAt !== undefined) {
    const at = expiresAt instanceof Date ? expiresAt.getTime() : NaN;
    const fits = problems.need(
      at > now + 60_000 && at <= now + MAX_LINK_DAYS * DAY_MS,
      `expiresAt must be a Date more than a minute and at most ${MAX_LINK_DAYS} days from now`,
    );
    return { is_expire: true, expire_type: 0, ...(fits ? { expire_time: Math.floor(at / 1000) } : {}) };
  }
  if (expiresInDays !== undefined) {
    problems.need(
      Number.isInteger(expiresInDays) && (expiresInDays as number) >= 1 && (expiresInDays as number) <= MAX_LINK_DAYS,
      `expiresInDays must be a whole number of days from 1 to ${MAX_LINK_DAYS}`,
    );
  }
  return { is_expire: true, expire_type: 1, expire_interval: (expiresInDays as number | undefined) ?? MAX_LINK_DAYS };
}

/**
 * Checks the options of `generateScheme` or `generateUrlLink`: the page, its query, the version and the expiry.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function entryLinkParts(api: string, options: EntryLinkOptions, now: number): { target: EntryLinkTarget; expiry: EntryLinkExpiry } {
  const fields = fieldsOf(api, options);
  const problems = collect(api);
  if (fields.path !== undefined) {
    problems.need(isPage(fields.path), 'path must be a page path such as pages/index/index: no leading /, no query (put it in query)');
  }
  if (fields.query !== undefined) {
    problems.need(
      typeof fields.query === 'string' && LINK_QUERY.test(fields.query),
      "query must be at most 1024 characters: digits, letters and !#$&'()*+,/:;=?@-._~%",
    );
  }
  optionalEnv(fields, problems);
  const expiry = expiryOf(fields, now, problems);
  problems.raise();
  const target = defined<EntryLinkTarget>({
    path: fields.path as string | undefined,
    query: fields.query as string | undefined,
    env_version: fields.envVersion as WeChatEnvVersion | undefined,
  });
  return { target, expiry };
}

/**
 * Checks the options of `generateShortLink` and builds its body.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function shortLinkBody(options: ShortLinkOptions): ShortLinkBody {
  const api = 'generateShortLink';
  const fields = fieldsOf(api, options);
  const problems = collect(api);
  problems.need(
    typeof fields.pageUrl === 'string' && fields.pageUrl.length <= 1024 && PAGE_URL.test(fields.pageUrl),
    'pageUrl must be a page path with its query such as pages/order/detail?id=42: no leading /, at most 1024 characters',
  );
  if (fields.pageTitle !== undefined) {
    problems.need(
      typeof fields.pageTitle === 'string' && fields.pageTitle.trim() !== '' && !CONTROL.test(fields.pageTitle),
      'pageTitle must be a non-empty text without control characters',
    );
  }
  optionalBoolean(fields, 'isPermanent', problems);
  problems.raise();
  return defined<ShortLinkBody>({
    page_url: fields.pageUrl as string,
    page_title: fields.pageTitle as string | undefined,
    is_permanent: fields.isPermanent as boolean | undefined,
  });
}

/**
 * A URL Scheme or URL Link to query, checked against its shape.
 * @throws WeChatInputError when it has not that shape.
 * @internal
 */
export function checkedLink(api: 'queryScheme' | 'queryUrlLink', link: string): string {
  const problems = collect(api);
  if (api === 'queryScheme') {
    problems.need(typeof link === 'string' && SCHEME.test(link), 'scheme must be a URL Scheme: weixin://dl/business/?t=…');
  } else {
    problems.need(typeof link === 'string' && URL_LINK.test(link), 'urlLink must be a URL Link: https://wxaurl.cn/…');
  }
  problems.raise();
  return link;
}
