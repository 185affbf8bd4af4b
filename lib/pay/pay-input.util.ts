import { WeChatPayInputError } from '../errors/wechat-pay.error';
import type { WeChatTime } from './wechat-pay.interfaces';

const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;
// eslint-disable-next-line no-control-regex -- control characters are what these find
const FORBIDDEN_IN_TEXT = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufffe\uffff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Collects input problems of one call and throws them together.
 * @internal
 */
export class PayInput {
  private readonly problems: string[] = [];

  constructor(private readonly api: string) {}

  /** A positive integer amount of fen. */
  fen(name: string, value: unknown): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      this.problems.push(`${name} must be a positive integer amount in fen (got ${describe(value)})`);
      return 0;
    }
    return value;
  }

  outTradeNo(name: string, value: unknown): string {
    if (typeof value !== 'string' || !OUT_TRADE_NO.test(value)) {
      this.problems.push(`${name} must be 6–32 characters of [0-9A-Za-z_-|*]`);
      return '';
    }
    return value;
  }

  outRefundNo(value: unknown): string {
    if (typeof value !== 'string' || !OUT_REFUND_NO.test(value)) {
      this.problems.push('outRefundNo must be 1–64 characters of [0-9A-Za-z_-|*@]');
      return '';
    }
    return value;
  }

  /**
   * A non-empty string of at most `max` characters, with no control character (U+0000–U+001F, U+007F–U+009F), lone
   * surrogate or noncharacter U+FFFE/U+FFFF. Such characters cannot be written in XML 1.0 (API v2) nor stored in
   * every database (PostgreSQL refuses U+0000), and WeChat shows none of them: refusing them here means no
   * `PayOrder` is written and nothing is sent. With `multiline`, tab, line feed and carriage return are allowed (the
   * JSON of `detail`).
   */
  text(name: string, value: unknown, max: number, required = true, multiline = false): string | undefined {
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.length === 0 || [...value].length > max) {
      this.problems.push(`${name} must be a non-empty string of at most ${max} characters`);
      return undefined;
    }
    if ((multiline ? FORBIDDEN_IN_MULTILINE : FORBIDDEN_IN_TEXT).test(value) || LONE_SURROGATE.test(value)) {
      this.problems.push(`${name} must not contain control characters, lone surrogates or U+FFFE/U+FFFF`);
      return undefined;
    }
    return value;
  }

  /** `yyyyMMddHHmmss` in Beijing time. */
  time(name: string, value: WeChatTime | undefined): string | undefined {
    if (value === undefined) return undefined;
    if (value instanceof Date && !Number.isNaN(value.getTime())) return formatBeijing(value, 14);
    if (typeof value === 'string' && /^\d{14}$/.test(value) && parseBeijingTime(value)) return value;
    this.problems.push(`${name} must be a Date or a yyyyMMddHHmmss string (Beijing time)`);
    return undefined;
  }

  /** `yyyyMMdd` in Beijing time. */
  date(name: string, value: unknown): string {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return formatBeijing(value, 8);
    if (typeof value === 'string' && /^\d{8}$/.test(value) && parseBeijingTime(`${value}000000`)) return value;
    this.problems.push(`${name} must be a Date or a yyyyMMdd string`);
    return '';
  }

  oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
    if (!allowed.includes(value as T)) this.problems.push(`${name} must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  check(condition: boolean, problem: string): void {
    if (!condition) this.problems.push(problem);
  }

  /** Throws the collected problems, if any. */
  done(): void {
    if (this.problems.length > 0) throw new WeChatPayInputError(this.api, this.problems);
  }
}

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : typeof value;
}

/** `yyyyMMddHHmmss` (or its first `length` digits) of a moment in Beijing time. @internal */
export function formatBeijing(date: Date, length: 8 | 14): string {
  const iso = new Date(date.getTime() + BEIJING_OFFSET_MS).toISOString();
  return iso.replace(/[-T:]/g, '').slice(0, length);
}

/** Parses WeChat's `yyyyMMddHHmmss` (Beijing time); `undefined` when it is not a valid time. @internal */
export function parseBeijingTime(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value ?? '');
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return new Date(ms - BEIJING_OFFSET_MS);
}

/** Parses `yyyy-MM-dd HH:mm:ss` (Beijing time), as refund times are written. @internal */
export function parseBeijingDateTime(value: string | undefined): Date | undefined {
  return parseBeijingTime((value ?? '').replace(/[-: ]/g, ''));
}

/**
 * A non-negative integer field of an answer or notification (amounts in fen, counts), or `undefined` unless it is in
 * WeChat's canonical form: ASCII digits, no sign, no leading zero, no spaces, at most `Number.MAX_SAFE_INTEGER`. A signed
 * `total_fee` of `05` is not the amount 5.
 * @internal
 */
export function int(value: string | undefined): number | undefined {
  if (value === undefined || !/^(?:0|[1-9][0-9]*)$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
