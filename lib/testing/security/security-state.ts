import { randomBytes } from 'node:crypto';
import type { PushState } from '../push/push-state';
import { STORE_LIMIT } from '../server/simulator.constants';
import { SimulatorInputError, isPlainObject } from '../server/simulator-http';
import { asInput } from '../server/simulator-input';
import type { SimulatorState } from '../server/simulator-state';
import type { SimSecurityCheck, SimSecuritySuggest, SimSecurityVerdicts, SimSecurityVerdictsInput } from './security.interfaces';

type TextRule = SimSecurityVerdicts['text'][number];
type MediaRule = SimSecurityVerdicts['media'][number];

const SUGGESTS: readonly string[] = ['pass', 'review', 'risky'] satisfies SimSecuritySuggest[];
/** 100 正常; 21000 其他, for a scripted verdict that names no label. */
const NORMAL = 100;
const OTHER = 21000;
/** WeChat pushes a verdict within 30 minutes; a scripted delay may not be longer. */
const MAX_DELAY_MS = 30 * 60 * 1000;
const DEFAULT_DELAY_MS = 1000;
/** 下载错误: WeChat could not download the media. @internal */
export const DOWNLOAD_ERROR = -1008;

/** A text check that passed the API's checks. @internal */
export type TextCheck = Pick<SimSecurityCheck, 'openId' | 'scene' | 'content' | 'title' | 'nickname' | 'signature'>;

/** A media check that passed the API's checks. @internal */
export type MediaCheck = Pick<SimSecurityCheck, 'openId' | 'scene' | 'mediaUrl' | 'mediaType'>;

/**
 * The content-security side of the simulator (内容安全): scripted verdicts (everything passes until told otherwise), a
 * record of every check, and the verdict of each media check pushed to the app as `wxa_media_check` through the push
 * side after the scripted delay (scaled by the time scale), when the app has a push configured.
 * @internal
 */
export class SecurityState {
  private rules: SimSecurityVerdicts = { text: [], media: [], delayMs: DEFAULT_DELAY_MS };
  private readonly checks: SimSecurityCheck[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly sim: SimulatorState,
    private readonly push: PushState,
    private readonly timeScale: number,
    private readonly log: (line: string) => void,
  ) {
    sim.resetHooks.push(() => this.reset());
  }

  /**
   * Replaces the verdict rules given (the others stay).
   * @throws SimulatorInputError 400 for a rule that is not one.
   */
  configure(input: SimSecurityVerdictsInput): SimSecurityVerdicts {
    const raw = asInput(input);
    const unknown = Object.keys(raw).filter((key) => !['text', 'media', 'delayMs'].includes(key));
    if (unknown.length > 0) throw new SimulatorInputError(`unknown fields: ${unknown.join(', ')}`);
    const text = raw.text === undefined ? this.rules.text : listOf(raw.text, 'text').map(textRule);
    const media = raw.media === undefined ? this.rules.media : listOf(raw.media, 'media').map(mediaRule);
    const delayMs = raw.delayMs ?? this.rules.delayMs;
    if (typeof delayMs !== 'number' || !Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
      throw new SimulatorInputError(`delayMs must be a number from 0 to ${MAX_DELAY_MS}`);
    }
    this.rules = { text, media, delayMs };
    return this.verdicts();
  }

  /** The rules as set (copies). */
  verdicts(): SimSecurityVerdicts {
    return structuredClone(this.rules);
  }

  /** Every check, oldest first (copies). */
  list(): SimSecurityCheck[] {
    return this.checks.map((check) => ({ ...check }));
  }

  /** Forgets the checks (pushes still due go out). */
  clear(): void {
    this.checks.length = 0;
  }

  /** Gives a text its verdict (the first rule that matches any of its fields) and records the check. */
  checkText(appId: string, text: TextCheck): SimSecurityCheck {
    const fields = [text.content, text.title, text.nickname, text.signature].filter((field): field is string => field !== undefined);
    const rule = this.rules.text.find((candidate) => fields.some((field) => field.includes(candidate.contains)));
    return this.record({ kind: 'text', appId, ...text, suggest: rule?.suggest ?? 'pass', label: rule?.label ?? NORMAL, errcode: 0 });
  }

  /** Gives a media URL its verdict, records the check, and pushes the verdict after the delay. */
  checkMedia(appId: string, media: MediaCheck): SimSecurityCheck {
    const url = media.mediaUrl as string;
    // A URL that is not http(s) cannot be downloaded: WeChat accepts the call and pushes -1008 later.
    const downloadable = /^https?:\/\/[^/\s]/i.test(url);
    const rule = downloadable ? this.rules.media.find((candidate) => url.includes(candidate.urlContains)) : undefined;
    const errcode = downloadable ? (rule?.errcode ?? 0) : DOWNLOAD_ERROR;
    const verdict = errcode === 0 ? { suggest: rule?.suggest ?? 'pass', label: rule?.label ?? NORMAL } : { suggest: null, label: null };
    // One reading of the clock for the check's time and its push's, so that pushAt is always at + delayMs.
    const at = this.sim.now();
    const check = this.record({ kind: 'media', appId, ...media, ...verdict, errcode, pushAt: at + this.rules.delayMs }, at);
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.pushVerdict(check).catch((error: Error) => this.log(`wxa_media_check push failed: ${error.message}`));
      },
      Math.max(0, this.rules.delayMs * this.timeScale),
    );
    this.timers.add(timer);
    return { ...check };
  }

  /** Cancels the verdicts not pushed yet. */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Cancels what is due, forgets the checks and gives the default verdicts back. */
  reset(): void {
    this.stop();
    this.checks.length = 0;
    this.rules = { text: [], media: [], delayMs: DEFAULT_DELAY_MS };
  }

  private record(fields: Omit<SimSecurityCheck, 'traceId' | 'at'>, at = this.sim.now()): SimSecurityCheck {
    // WeChat's trace ids: three groups of 8 hexadecimal digits, the first the time.
    const traceId = [
      Math.floor(at / 1000)
        .toString(16)
        .padStart(8, '0'),
      ...[4, 4].map((n) => randomBytes(n).toString('hex')),
    ];
    const check: SimSecurityCheck = { traceId: traceId.join('-'), at, ...fields };
    this.checks.push(check);
    if (this.checks.length > STORE_LIMIT) this.checks.splice(0, this.checks.length - STORE_LIMIT);
    return check;
  }

  /** Pushes a media verdict as WeChat documents it (JSON fields; the push side writes XML when configured). */
  private async pushVerdict(check: SimSecurityCheck): Promise<void> {
    if (!this.push.settings().some((settings) => settings.appId === check.appId)) return;
    const ok = check.errcode === 0;
    const [push] = await this.push.push({
      appId: check.appId,
      openId: check.openId,
      message: {
        MsgType: 'event',
        Event: 'wxa_media_check',
        appid: check.appId,
        trace_id: check.traceId,
        version: 2,
        detail: [
          { strategy: 'content_model', errcode: check.errcode, ...(ok ? { suggest: check.suggest, label: check.label, prob: 90 } : {}) },
        ],
        errcode: check.errcode,
        errmsg: ok ? 'ok' : 'media download error',
        ...(ok ? { result: { suggest: check.suggest, label: check.label } } : {}),
      },
    });
    check.pushId = push.id;
  }
}

function listOf(value: unknown, name: string): Record<string, unknown>[] {
  if (!Array.isArray(value) || !value.every(isPlainObject)) throw new SimulatorInputError(`${name} must be an array of rule objects`);
  return value;
}

function needle(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 1000) {
    throw new SimulatorInputError(`${name} must be a non-empty string of at most 1000 characters`);
  }
  return value;
}

function suggestOf(value: unknown, name: string): SimSecuritySuggest {
  if (typeof value !== 'string' || !SUGGESTS.includes(value)) throw new SimulatorInputError(`${name} must be pass, review or risky`);
  return value as SimSecuritySuggest;
}

function labelOf(value: unknown, suggest: SimSecuritySuggest, name: string): number {
  if (value === undefined) return suggest === 'pass' ? NORMAL : OTHER;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new SimulatorInputError(`${name} must be a label such as 20002`);
  return value;
}

function textRule(raw: Record<string, unknown>, i: number): TextRule {
  const suggest = suggestOf(raw.suggest, `text[${i}].suggest`);
  return { contains: needle(raw.contains, `text[${i}].contains`), suggest, label: labelOf(raw.label, suggest, `text[${i}].label`) };
}

function mediaRule(raw: Record<string, unknown>, i: number): MediaRule {
  const urlContains = needle(raw.urlContains, `media[${i}].urlContains`);
  if (raw.errcode !== undefined) {
    if (typeof raw.errcode !== 'number' || !Number.isSafeInteger(raw.errcode) || raw.errcode === 0) {
      throw new SimulatorInputError(`media[${i}].errcode must be a non-zero integer such as ${DOWNLOAD_ERROR}`);
    }
    if (raw.suggest !== undefined || raw.label !== undefined) {
      throw new SimulatorInputError(`media[${i}] has an errcode: a failed check has no suggest or label`);
    }
    return { urlContains, errcode: raw.errcode };
  }
  const suggest = suggestOf(raw.suggest, `media[${i}].suggest`);
  return { urlContains, suggest, label: labelOf(raw.label, suggest, `media[${i}].label`) };
}
