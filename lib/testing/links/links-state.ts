import { createNonceStr } from '../../crypto/random.util';
import { STORE_LIMIT } from '../server/simulator.constants';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput, optionalId } from '../server/simulator-input';
import type { SimulatorState } from '../server/simulator-state';
import { LINK_LIFE_MS, PAGE_PATH, splitPageUrl } from './links-checks';
import type { CodeRequest, EntryLinkRequest, KnowsPage, ShortLinkRequest } from './links-checks';
import { drawCodePng, readCodePng } from './links-png';
import type {
  SimCodeContent,
  SimEntryLink,
  SimLink,
  SimOpenLinkInput,
  SimOpenLinkResult,
  SimPages,
  SimPagesInput,
  SimShortLink,
} from './links.interfaces';

/** How many times a day an app's URL Schemes and URL Links may be opened (每天…总打开次数上限为600万). */
const DAILY_VISIT_QUOTA = 6_000_000;
/** Most pages an app's list may hold (WeChat's `check_path: false` allows 60,000 pages). */
const MAX_PAGES = 60_000;
/** The name of the simulated apps in their Short Links (`#小程序://名称/…`): they have no other. */
const APP_NAME = '模拟小程序';
const SCHEME = /^weixin:\/\/dl\/business\/\?t=([0-9A-Za-z]{1,64})(?:&cq=\S*)?$/;
const URL_LINK = /^https:\/\/(?:wxaurl|wxmpurl)\.cn\/([0-9A-Za-z]{1,64})(?:\?cq=\S*)?$/;
/** Beijing time, whose midnight starts WeChat's day. */
const UTC8_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

type VisitedLink = SimEntryLink | SimShortLink;

/**
 * The entry-link side of the simulator: the pages each app has (any well-formed page until a test sets a list), the
 * codes it drew and the links it generated, in order, with every user who opened a link. Codes carry what WeChat encodes
 * in the picture in a tEXt chunk of the PNG, which {@link readCode} reads back.
 * @internal
 */
export class LinksState {
  private readonly pages = new Map<string, string[]>();
  private readonly records: SimLink[] = [];
  /** Links by what identifies them: `scheme:TICKET`, `url-link:TICKET`, or a Short Link itself. */
  private readonly byKey = new Map<string, VisitedLink>();

  constructor(readonly sim: SimulatorState) {
    sim.resetHooks.push(() => this.reset());
  }

  /**
   * Sets the pages of an app (its `app.json`), or `null` to accept any well-formed page again.
   * @throws SimulatorInputError 400 for a list that is not of page paths.
   */
  setPages(input: SimPagesInput): SimPages {
    const raw = asInput(input);
    const { appId } = this.sim.resolveApp(raw.appId);
    const { pages } = raw;
    if (pages === null) {
      this.pages.delete(appId);
      return this.pagesOf(appId);
    }
    if (!Array.isArray(pages) || pages.length > MAX_PAGES || !pages.every((page) => typeof page === 'string' && PAGE_PATH.test(page))) {
      throw new SimulatorInputError(`pages must be null or at most ${MAX_PAGES} page paths such as pages/index/index (no leading /)`);
    }
    this.pages.set(appId, [...new Set(pages as string[])]);
    return this.pagesOf(appId);
  }

  /** An app's pages; `null` while any well-formed page is accepted. */
  pagesOf(appId: string): SimPages {
    const pages = this.pages.get(appId);
    return { appId, pages: pages ? [...pages] : null };
  }

  /** Whether an app has a page: any while no list is set. */
  knows(appId: string): KnowsPage {
    const pages = this.pages.get(appId);
    return (page) => !pages || pages.includes(page);
  }

  /** Draws a code, as `getwxacodeunlimit` answers it, and records it. */
  drawCode(appId: string, request: CodeRequest): Buffer {
    const { scene, page, envVersion, checkPath, width } = request;
    this.remember({ kind: 'code', appId, scene, page, envVersion, checkPath, width, createdAt: this.sim.now() });
    const content: SimCodeContent = { appId, scene, page, envVersion, width };
    return drawCodePng({ width, color: request.color, transparent: request.transparent, content: { ...content } });
  }

  /**
   * What a code the simulator drew carries.
   * @throws SimulatorInputError 400 for an image that is not one.
   */
  readCode(png: Buffer): SimCodeContent {
    if (!Buffer.isBuffer(png)) throw new SimulatorInputError('the image must be the PNG bytes');
    const content = readCodePng(png);
    const { appId, scene, page, envVersion, width } = content;
    const texts = [appId, scene, page, envVersion].every((value) => typeof value === 'string');
    if (!texts || !Number.isInteger(width)) throw new SimulatorInputError('the PNG is not a mini program code of the simulator');
    return content as unknown as SimCodeContent;
  }

  /** Generates a URL Scheme or URL Link with WeChat's shape and records it. */
  addEntryLink(kind: 'scheme' | 'url-link', appId: string, request: EntryLinkRequest): SimEntryLink {
    const ticket = createNonceStr(11);
    const link = kind === 'scheme' ? `weixin://dl/business/?t=${ticket}` : `https://wxaurl.cn/${ticket}`;
    const entry: SimEntryLink = { kind, appId, link, ...request, createdAt: this.sim.now(), visits: [] };
    this.remember(entry, `${kind}:${ticket}`);
    return entry;
  }

  /** Generates a Short Link (`#小程序://名称/标题/TICKET`) and records it. */
  addShortLink(appId: string, request: ShortLinkRequest): SimShortLink {
    const parts = [APP_NAME, ...(request.pageTitle ? [request.pageTitle] : []), createNonceStr(15)];
    const now = this.sim.now();
    const entry: SimShortLink = {
      kind: 'short-link',
      appId,
      link: `#小程序://${parts.join('/')}`,
      ...request,
      createdAt: now,
      expiresAt: request.permanent ? null : now + LINK_LIFE_MS,
      visits: [],
    };
    this.remember(entry, entry.link);
    return entry;
  }

  /** A URL Scheme or URL Link of an app by its text (a `cq` appended or not); `undefined` for another app's. */
  find(kind: 'scheme' | 'url-link', appId: string, link: string): SimEntryLink | undefined {
    const ticket = (kind === 'scheme' ? SCHEME : URL_LINK).exec(link)?.[1];
    const found = ticket === undefined ? undefined : this.byKey.get(`${kind}:${ticket}`);
    return found?.appId === appId ? (found as SimEntryLink) : undefined;
  }

  /** How many more times the app's URL Schemes and URL Links may be opened today (Beijing time). */
  remainingVisits(appId: string): number {
    const today = Math.floor((this.sim.now() + UTC8_MS) / DAY_MS);
    const opened = this.records
      .filter((record): record is SimEntryLink => (record.kind === 'scheme' || record.kind === 'url-link') && record.appId === appId)
      .flatMap((record) => record.visits)
      .filter((visit) => Math.floor((visit.at + UTC8_MS) / DAY_MS) === today).length;
    return Math.max(0, DAILY_VISIT_QUOTA - opened);
  }

  /**
   * Plays a user opening a URL Scheme, URL Link or Short Link: records the visit and answers what the mini program opens.
   * @throws SimulatorInputError 400 for bad input, 404 for a link the simulator did not generate, 410 for an expired one.
   */
  openLink(input: SimOpenLinkInput): SimOpenLinkResult {
    const raw = asInput(input);
    const openId = optionalId(raw.openId, 'openId') ?? `o${createNonceStr(27)}`;
    if (typeof raw.link !== 'string') throw new SimulatorInputError('link must be a URL Scheme, URL Link or Short Link');
    const scheme = SCHEME.exec(raw.link)?.[1];
    const urlLink = URL_LINK.exec(raw.link)?.[1];
    const key = scheme !== undefined ? `scheme:${scheme}` : urlLink !== undefined ? `url-link:${urlLink}` : raw.link;
    const link = this.byKey.get(key);
    if (!link) throw new SimulatorInputError('no such link: the simulator did not generate it, or it was reset', 404);
    const now = this.sim.now();
    if (link.expiresAt !== null && now >= link.expiresAt) throw new SimulatorInputError('the link expired', 410);
    link.visits.push({ openId, at: now });
    const [path, query = ''] = link.kind === 'short-link' ? splitPageUrl(link.pageUrl) : [link.path, link.query];
    const envVersion = link.kind === 'short-link' ? 'release' : link.envVersion;
    return { appId: link.appId, openId, path, query, envVersion };
  }

  /** What was drawn and generated (for one app with `appId`), oldest first (copies). */
  list(appId?: string): SimLink[] {
    return this.records
      .filter((record) => appId === undefined || record.appId === appId)
      .map((record) => (record.kind === 'code' ? { ...record } : { ...record, visits: record.visits.map((visit) => ({ ...visit })) }));
  }

  /** Forgets codes, links and the apps' page lists. */
  reset(): void {
    this.records.length = 0;
    this.byKey.clear();
    this.pages.clear();
  }

  /** Records a code or link, dropping the oldest beyond the store limit. */
  private remember(record: SimLink, key?: string): void {
    this.records.push(record);
    if (key !== undefined) this.byKey.set(key, record as VisitedLink);
    if (this.records.length <= STORE_LIMIT) return;
    const [oldest] = this.records.splice(0, 1);
    if (oldest.kind !== 'code') this.byKey.delete(oldest.kind === 'short-link' ? oldest.link : `${oldest.kind}:${ticketOf(oldest.link)}`);
  }
}

/** The ticket at the end of a URL Scheme or URL Link the simulator generated. */
function ticketOf(link: string): string {
  return (SCHEME.exec(link) ?? URL_LINK.exec(link))?.[1] ?? '';
}
