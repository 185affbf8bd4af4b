import { WeChatUnavailableError } from '../errors/wechat-api.error';
import type { WeChatMediaCheckStatus } from '../entities/wechat-media-check.entity';
import type { MediaCheckVerdict } from '../push/wechat-push.events';
import type { WeChatPushMessage } from '../push/wechat-push.interfaces';
import type { WeChatJson } from '../wechat/wechat-http.client';
import type { ContentSecurityDetail, ContentSecuritySuggest, TextCheckResult } from './security.interfaces';

// WeChat's answers and pushes of content security read into the module's types. WeChat has been seen quoting labels
// ("label":"100" in a real wxa_media_check push of 2025) and leaving out fields its tables list (errcode, errmsg; the
// keyword strategy's suggest and label): numbers are read from either form, and only the overall verdict is required.

const SUGGESTS: readonly string[] = ['pass', 'review', 'risky'] satisfies ContentSecuritySuggest[];
/** A trace id as WeChat writes them (`60f96f1d-3845297a-1976a3ae`), within what `WeChatMediaCheck.traceId` keeps. */
const TRACE_ID = /^[\x21-\x7e]{1,128}$/;

/** errcode of a v1 msgSecCheck answer for risky text (内容含有违法违规内容); v2 answers it with a verdict instead. @internal */
export const V1_RISKY_ERRCODE = 87014;
/** The label a risky verdict gets when WeChat gives none (version 1's 87014): 21000, 其他. @internal */
export const OTHER_LABEL = 21000;

type Item = Record<string, unknown>;

const isItem = (value: unknown): value is Item => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A 32-bit integer (what the record's `label` column holds), from a number or its decimal text. */
function integer(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^-?\d{1,10}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= 0x7fffffff ? n : undefined;
}

const isSuggest = (value: unknown): value is ContentSecuritySuggest => typeof value === 'string' && SUGGESTS.includes(value);

/** An overall verdict (`result`): a known `suggest` and an integer `label`; `undefined` when it is not one. @internal */
export function readVerdict(value: unknown): MediaCheckVerdict | undefined {
  if (!isItem(value) || !isSuggest(value.suggest)) return undefined;
  const label = integer(value.label);
  return label === undefined ? undefined : { suggest: value.suggest, label };
}

/** The findings of each strategy (`detail`), each with what it has; items that are not objects are left out. @internal */
export function readDetail(value: unknown): ContentSecurityDetail[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isItem).map((item) => {
    const label = integer(item.label);
    const prob = integer(item.prob);
    const level = integer(item.level);
    return {
      strategy: typeof item.strategy === 'string' ? item.strategy : '',
      errcode: integer(item.errcode) ?? 0,
      ...(isSuggest(item.suggest) ? { suggest: item.suggest } : {}),
      ...(label !== undefined ? { label } : {}),
      ...(prob !== undefined ? { prob } : {}),
      ...(typeof item.keyword === 'string' ? { keyword: item.keyword } : {}),
      ...(level !== undefined ? { level } : {}),
    };
  });
}

/**
 * msgSecCheck's answer (version 2). Without an overall verdict it is not the documented answer.
 * @internal
 */
export function readTextCheck(json: WeChatJson): TextCheckResult {
  const verdict = readVerdict(json.result);
  if (!verdict) throw new WeChatUnavailableError('msgSecCheck', 'invalid-response', 'result.suggest or result.label missing');
  return { ...verdict, traceId: typeof json.trace_id === 'string' ? json.trace_id : '', detail: readDetail(json.detail) };
}

/**
 * mediaCheckAsync's answer: the `trace_id` the verdict's push will carry (one of WeChat's forums reports `traceId` from
 * cloud calls: read too).
 * @internal
 */
export function readTraceId(json: WeChatJson): string {
  const traceId = json.trace_id ?? json.traceId;
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId)) {
    throw new WeChatUnavailableError('mediaCheckAsync', 'invalid-response', 'trace_id missing');
  }
  return traceId;
}

/** What a `wxa_media_check` push says, read for the record and the handlers. @internal */
export interface MediaCheckOutcome {
  traceId: string;
  status: Exclude<WeChatMediaCheckStatus, 'pending'>;
  verdict: MediaCheckVerdict | null;
  errcode: number;
  detail: ContentSecurityDetail[];
}

/**
 * A version 2 `wxa_media_check` push as its outcome: the verdict when `errcode` is 0 (or absent, as in real pushes), else
 * `failed` with the errcode (-1008: the media could not be downloaded). `undefined` for a push that is neither: no
 * usable `trace_id`, a version 1 push (`isrisky`, no `result`), or no verdict although nothing failed.
 * @internal
 */
export function readMediaCheckPush(message: WeChatPushMessage): MediaCheckOutcome | undefined {
  const traceId = message.trace_id;
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId)) return undefined;
  const errcode = integer(message.errcode) ?? 0;
  const detail = readDetail(message.detail);
  if (errcode !== 0) return { traceId, status: 'failed', verdict: null, errcode, detail };
  const verdict = readVerdict(message.result);
  return verdict ? { traceId, status: verdict.suggest, verdict, errcode, detail } : undefined;
}
