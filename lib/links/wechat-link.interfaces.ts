// Entry links into the mini program as the module types them: WeChat's fields under TypeScript names, times as Dates.
// Written from WeChat's pages getUnlimitedQRCode (wxa/getwxacodeunlimit), generateScheme, queryScheme, generateUrlLink,
// queryUrlLink and generateShortLink (server/API/qrcode-link/…), and the guides 获取 URL Scheme, 获取 URL Link and
// 获取 Short Link (open-ability/…).

/** Which version of the mini program a code or link opens: 正式版, 体验版, 开发版. @publicApi */
export type WeChatEnvVersion = 'release' | 'trial' | 'develop';

/** A colour of a mini program code's lines, each channel 0–255. @publicApi */
export interface WeChatCodeColor {
  r: number;
  g: number;
  b: number;
}

/**
 * A mini program code (小程序码) for any number of uses: `getUnlimitedQRCode`. The code carries `scene` to the page it
 * opens (`onLoad(query)`: `decodeURIComponent(query.scene)`).
 * @publicApi
 */
export interface UnlimitedCodeOptions {
  /**
   * What the page gets as `query.scene`: 1 to 32 characters, digits, letters and `!#$&'()*+,/:;=?@-._~` only (no `%`, so
   * no URL encoding: encode anything else yourself, e.g. an id).
   */
  scene: string;
  /** The page the code opens, e.g. `pages/order/detail`: no leading `/`, no query (that is `scene`). Default: the home page. */
  page?: string;
  /**
   * Whether WeChat checks that `page` exists in the released version (WeChat's default `true`, 41030 otherwise); `false`
   * allows a page not released yet, or an app never released.
   */
  checkPath?: boolean;
  /** Which version the code opens. Default (WeChat's): `release`. */
  envVersion?: WeChatEnvVersion;
  /** The image's width in pixels, 280 to 1280. Default (WeChat's): 430. */
  width?: number;
  /** Let WeChat choose the lines' colour. Default `false`. */
  autoColor?: boolean;
  /** The lines' colour when `autoColor` is off. Default (WeChat's): black. */
  lineColor?: WeChatCodeColor;
  /** A transparent background. Default `false`. */
  isHyaline?: boolean;
}

/** A mini program code's image as WeChat answered it. @publicApi */
export interface MiniProgramCodeImage {
  /** The answer's content type: `image/png` or `image/jpeg`, as WeChat chooses. */
  contentType: string;
  /** The image's bytes. */
  image: Buffer;
}

/**
 * A URL Scheme (`weixin://dl/business/?t=…`) or URL Link (`https://wxaurl.cn/…`): what it opens and until when. Every such
 * link expires, after at most 30 days: give `expiresAt` or `expiresInDays`, or neither for the longest, 30 days.
 * @publicApi
 */
export interface EntryLinkOptions {
  /** The page it opens, e.g. `pages/order/detail`: no leading `/`, no query. Default: the home page. */
  path?: string;
  /** The page's query, e.g. `id=42&from=sms`: at most 1024 characters, digits, letters and `!#$&'()*+,/:;=?@-._~%`. */
  query?: string;
  /** Which version it opens outside WeChat. Default (WeChat's): `release`. */
  envVersion?: WeChatEnvVersion;
  /** When it stops working: more than a minute and at most 30 days from now (`expire_type` 0). */
  expiresAt?: Date;
  /** How many days it works: 1 to 30 (`expire_type` 1). */
  expiresInDays?: number;
}

/** What a URL Scheme or URL Link opens, as `queryScheme` and `queryUrlLink` answer. @publicApi */
export interface EntryLinkInfo {
  appId: string;
  /** The page, empty for the home page. */
  path: string;
  query: string;
  envVersion: WeChatEnvVersion;
  createdAt: Date;
  /** When it stops working; `null` for the old links that never do. */
  expiresAt: Date | null;
  /** The openid of the user who opened it, when WeChat names one. */
  visitOpenId?: string;
}

/** How many more times the app's URL Schemes and URL Links may be opened today (`query_type` 1). @publicApi */
export interface LinkVisitQuota {
  remainVisitQuota: number;
}

/**
 * A Short Link (`#小程序://名称/标题/…`), to paste inside WeChat: `generateShortLink`.
 * @publicApi
 */
export interface ShortLinkOptions {
  /** The page it opens with its query, e.g. `pages/order/detail?id=42`: no leading `/`, at most 1024 characters. */
  pageUrl: string;
  /** The title shown with the link; WeChat cuts it after 20 characters. */
  pageTitle?: string;
  /** A link that never expires (at most 100,000 per app) instead of one that works 30 days. Default `false`. */
  isPermanent?: boolean;
}
