import { WeChatInputError } from '../errors/wechat-input.error';
import { subscribeValueProblem } from './subscribe-data.rules';
import type { AddSubscribeTemplateInput, PubTemplateTitlesQuery, SubscribeMessage, SubscribeSendOptions } from './subscribe.interfaces';

/** An openid or a template id as WeChat issues them: base64url characters (28 and 43 of them today). */
const WECHAT_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** A parameter key: `thing1`, `character_string13`, `number01`. */
const DATA_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** A template has at most 5 keywords (addTemplate); older ones a few more. Anything far beyond is a mistake. */
const MAX_DATA_KEYS = 20;
/** A page path with its query: printable, no spaces (WeChat answers 41030 for a page that does not exist). */
const PAGE = /^[\x21-\x7e]{1,1024}$/;
const TID = /^[1-9]\d{0,9}$/;
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const STATES = ['developer', 'trial', 'formal'] as const;
const LANGS = ['zh_CN', 'en_US', 'zh_HK', 'zh_TW'] as const;

/** The newer one-time titles (10000001 ≤ tid < 20000000) have fixed keywords: `kidList` must be empty. */
const isFixedKeywordTitle = (tid: string) => Number(tid) >= 10_000_001 && Number(tid) < 20_000_000;

/** The body of `cgi-bin/message/subscribe/send`, with WeChat's field names. @internal */
export interface SubscribeSendBody {
  touser: string;
  template_id: string;
  data: Record<string, { value: string }>;
  page?: string;
  miniprogram_state?: string;
  lang?: string;
}

/**
 * The problems of one call's input, collected so that one {@link WeChatInputError} names them all before anything is
 * sent.
 * @internal
 */
class InputProblems {
  private readonly found: string[] = [];

  constructor(private readonly api: string) {}

  /** Records `problem` unless `ok`; answers `ok`, so that a caller can skip what depends on it. */
  expect(ok: boolean, problem: string): boolean {
    if (!ok) this.found.push(problem);
    return ok;
  }

  /** Throws every problem found, if any. */
  settle(): void {
    if (this.found.length > 0) throw new WeChatInputError(this.api, this.found);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isWeChatId = (value: unknown): value is string => typeof value === 'string' && WECHAT_ID.test(value);

/** A parameter's value as the text WeChat gets, or `undefined` when it is neither text, a finite number nor `{ value }`. */
function valueText(value: unknown): string | undefined {
  const inner = isObject(value) ? value.value : value;
  if (typeof inner === 'string') return inner;
  return typeof inner === 'number' && Number.isFinite(inner) ? String(inner) : undefined;
}

function checkedData(data: unknown, problems: InputProblems): SubscribeSendBody['data'] {
  const out: SubscribeSendBody['data'] = {};
  if (!problems.expect(isObject(data), 'data must be an object of the template parameters, e.g. { thing1: "…" }')) return out;
  const keys = Object.keys(data as object);
  problems.expect(keys.length >= 1 && keys.length <= MAX_DATA_KEYS, `data must have 1 to ${MAX_DATA_KEYS} parameters`);
  for (const key of keys.slice(0, MAX_DATA_KEYS)) {
    if (!problems.expect(DATA_KEY.test(key), `data key ${JSON.stringify(key.slice(0, 64))} is not a parameter name such as thing1`))
      continue;
    const text = valueText((data as Record<string, unknown>)[key]);
    if (!problems.expect(text !== undefined, `data.${key} must be text, a finite number or { value }`)) continue;
    const problem = subscribeValueProblem(key, text as string);
    if (problems.expect(problem === undefined, problem as string)) out[key] = { value: text as string };
  }
  return out;
}

/**
 * Checks a message and builds the body of `subscribeMessage.send`: the openid and template id, every parameter against
 * its type's rule, the page, version and language.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function subscribeSendBody(message: SubscribeMessage, options: SubscribeSendOptions, recordConsent: boolean): SubscribeSendBody {
  const problems = new InputProblems('subscribeMessage.send');
  const m: Partial<SubscribeMessage> = isObject(message) ? message : {};
  problems.expect(isObject(message), 'the message must be an object');
  problems.expect(isWeChatId(m.toUser), "toUser must be the user's openid: 1 to 128 letters, digits, _ or -");
  problems.expect(isWeChatId(m.templateId), 'templateId must be the template id (priTmplId): 1 to 128 letters, digits, _ or -');
  const data = checkedData(m.data, problems);
  if (m.page !== undefined) {
    problems.expect(
      typeof m.page === 'string' && PAGE.test(m.page) && !m.page.includes('://'),
      'page must be a page path of the mini program with its query (pages/order/detail?id=42): at most 1024 printable characters, no spaces',
    );
  }
  if (m.miniprogramState !== undefined) {
    problems.expect(STATES.includes(m.miniprogramState), `miniprogramState must be one of ${STATES.join(', ')}`);
  }
  if (m.lang !== undefined) problems.expect(LANGS.includes(m.lang), `lang must be one of ${LANGS.join(', ')}`);
  if (isObject(options) && options.skipUnlessAccepted) {
    problems.expect(recordConsent, 'skipUnlessAccepted needs subscribe.recordConsent: without it there is no record to consult');
  }
  problems.settle();
  return {
    touser: m.toUser as string,
    template_id: m.templateId as string,
    data,
    ...(m.page !== undefined ? { page: m.page } : {}),
    ...(m.miniprogramState !== undefined ? { miniprogram_state: m.miniprogramState } : {}),
    ...(m.lang !== undefined ? { lang: m.lang } : {}),
  };
}

/**
 * A template id to delete.
 * @throws WeChatInputError when it is not one.
 * @internal
 */
export function checkedTemplateId(templateId: string): string {
  const problems = new InputProblems('deleteTemplate');
  problems.expect(isWeChatId(templateId), 'templateId must be the template id (priTmplId): 1 to 128 letters, digits, _ or -');
  problems.settle();
  return templateId;
}

function tidOf(tid: unknown, problems: InputProblems): string {
  const text = typeof tid === 'number' && Number.isSafeInteger(tid) ? String(tid) : tid;
  problems.expect(typeof text === 'string' && TID.test(text), 'tid must be the id of a public title: a positive integer');
  return String(text);
}

/**
 * A public title's id for `getPubTemplateKeywords`.
 * @throws WeChatInputError when it is not one.
 * @internal
 */
export function checkedTid(tid: string | number): string {
  const problems = new InputProblems('getPubTemplateKeywords');
  const text = tidOf(tid, problems);
  problems.settle();
  return text;
}

/**
 * Checks what `addTemplate` adds: the title, 2 to 5 distinct keyword ids (none for the fixed-keyword titles), a scene
 * description of at most 15 characters.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function checkedAddTemplate(input: AddSubscribeTemplateInput): { tid: string; kidList: number[]; sceneDesc?: string } {
  const problems = new InputProblems('addTemplate');
  const raw: Partial<AddSubscribeTemplateInput> = isObject(input) ? input : {};
  problems.expect(isObject(input), 'the input must be an object with tid and kidList');
  const tid = tidOf(raw.tid, problems);
  const kidList = raw.kidList ?? [];
  const kidsOk =
    Array.isArray(kidList) && kidList.every((kid) => Number.isSafeInteger(kid) && kid > 0) && new Set(kidList).size === kidList.length;
  if (TID.test(tid) && isFixedKeywordTitle(tid)) {
    problems.expect(Array.isArray(kidList) && kidList.length === 0, `kidList must be empty for title ${tid}: its keywords are fixed`);
  } else {
    problems.expect(
      kidsOk && kidList.length >= 2 && kidList.length <= 5,
      'kidList must be 2 to 5 distinct keyword ids (positive integers)',
    );
  }
  const { sceneDesc } = raw;
  if (sceneDesc !== undefined) {
    problems.expect(
      typeof sceneDesc === 'string' && sceneDesc.trim() !== '' && [...sceneDesc].length <= 15 && !CONTROL.test(sceneDesc),
      'sceneDesc must be a non-empty text of at most 15 characters, without control characters',
    );
  }
  problems.settle();
  return { tid, kidList, ...(sceneDesc !== undefined ? { sceneDesc } : {}) };
}

/**
 * Checks the query of `getPubTemplateTitles` and writes it as WeChat's query string values.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function checkedTitlesQuery(query: PubTemplateTitlesQuery): { ids: string; start: string; limit: string } {
  const problems = new InputProblems('getPubTemplateTitles');
  const raw: Partial<PubTemplateTitlesQuery> = isObject(query) ? query : {};
  const { ids, start = 0, limit = 30 } = raw;
  problems.expect(
    Array.isArray(ids) && ids.length > 0 && ids.every((id) => Number.isSafeInteger(id) && id > 0),
    'ids must be the ids of one or more categories (getCategory): positive integers',
  );
  problems.expect(Number.isSafeInteger(start) && start >= 0, 'start must be an integer from 0');
  problems.expect(Number.isSafeInteger(limit) && limit >= 1 && limit <= 30, 'limit must be an integer from 1 to 30');
  problems.settle();
  return { ids: (ids as number[]).join(','), start: String(start), limit: String(limit) };
}
