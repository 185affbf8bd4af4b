/** Which version a simulated code or link opens. @publicApi */
export type SimEnvVersion = 'release' | 'trial' | 'develop';

/** One time a user opened a link (`sim.openLink()`). @publicApi */
export interface SimLinkVisit {
  openId: string;
  /** Epoch milliseconds. */
  at: number;
}

/** A mini program code the simulator drew (`getwxacodeunlimit`). @publicApi */
export interface SimCodeRecord {
  kind: 'code';
  appId: string;
  scene: string;
  /** The page asked for; empty for the home page. */
  page: string;
  envVersion: SimEnvVersion;
  checkPath: boolean;
  width: number;
  /** Epoch milliseconds. */
  createdAt: number;
}

/** A URL Scheme or URL Link the simulator generated. @publicApi */
export interface SimEntryLink {
  kind: 'scheme' | 'url-link';
  appId: string;
  /** `weixin://dl/business/?t=TICKET` or `https://wxaurl.cn/TICKET`. */
  link: string;
  /** The page; empty for the home page. */
  path: string;
  query: string;
  envVersion: SimEnvVersion;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds: every such link expires. */
  expiresAt: number;
  visits: SimLinkVisit[];
}

/** A Short Link the simulator generated. @publicApi */
export interface SimShortLink {
  kind: 'short-link';
  appId: string;
  /** `#小程序://名称/标题/TICKET`. */
  link: string;
  pageUrl: string;
  /** The title as shown: cut after 20 characters with `...`, as WeChat does. */
  pageTitle: string;
  permanent: boolean;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds; `null` for a permanent link. */
  expiresAt: number | null;
  visits: SimLinkVisit[];
}

/** Anything `GET /__sim/links` lists. @publicApi */
export type SimLink = SimCodeRecord | SimEntryLink | SimShortLink;

/** What a simulated code carries, read back from its PNG (`sim.readCode()`). @publicApi */
export interface SimCodeContent {
  appId: string;
  scene: string;
  page: string;
  envVersion: SimEnvVersion;
  width: number;
}

/** `POST /__sim/openLink`: a user opening a URL Scheme, URL Link or Short Link. @publicApi */
export interface SimOpenLinkInput {
  link: string;
  /** Who opens it; a new openid when absent. */
  openId?: string;
}

/** What the mini program opens for the user. @publicApi */
export interface SimOpenLinkResult {
  appId: string;
  openId: string;
  /** The page; empty for the home page. */
  path: string;
  query: string;
  envVersion: SimEnvVersion;
}

/** `POST /__sim/pages`: the pages the simulated app has (its `app.json`), or `null` for any well-formed page. @publicApi */
export interface SimPagesInput {
  appId?: string;
  pages: string[] | null;
}

/** The pages of an app; `null` while any well-formed page is accepted. @publicApi */
export interface SimPages {
  appId: string;
  pages: string[] | null;
}
