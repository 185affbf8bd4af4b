import { randomBytes, randomInt } from 'node:crypto';

/** WeChat Pay's times are Beijing time, UTC+8 all year. */
const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;

interface TimeParts {
  year: string;
  month: string;
  day: string;
  hour: string;
  minute: string;
  second: string;
}

function beijingParts(ms: number): TimeParts {
  const date = new Date(ms + BEIJING_OFFSET_MS);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return {
    year: pad(date.getUTCFullYear(), 4),
    month: pad(date.getUTCMonth() + 1),
    day: pad(date.getUTCDate()),
    hour: pad(date.getUTCHours()),
    minute: pad(date.getUTCMinutes()),
    second: pad(date.getUTCSeconds()),
  };
}

/** `yyyyMMddHHmmss` in Beijing time, as `time_end` and `time_start`. @internal */
export function beijingCompact(ms: number): string {
  const p = beijingParts(ms);
  return `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time, as refund success times and bills. @internal */
export function beijingDateTime(ms: number): string {
  const p = beijingParts(ms);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

/** `yyyyMMdd` in Beijing time, as `bill_date`. @internal */
export function beijingDate(ms: number): string {
  return beijingCompact(ms).slice(0, 8);
}

/** Reads `yyyyMMddHHmmss` (Beijing time) into epoch ms; `undefined` unless it is a real date and time. @internal */
export function parseBeijingCompact(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  return utc - BEIJING_OFFSET_MS;
}

/** The Beijing day `yyyyMMdd` as `[start, end)` in epoch ms; `undefined` unless it is a real date. @internal */
export function parseBeijingDay(text: string): { start: number; end: number } | undefined {
  if (!/^\d{8}$/.test(text)) return undefined;
  const start = parseBeijingCompact(`${text}000000`);
  return start === undefined ? undefined : { start, end: start + 24 * 60 * 60 * 1000 };
}

/** Fen as yuan with two decimals, e.g. 1 → `0.01`, -150 → `-1.50`. @internal */
export function yuan(fen: number): string {
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Fen as yuan with five decimals, as the bills write fees (`0.04000`). @internal */
export function yuan5(fen: number): string {
  return `${yuan(fen)}000`;
}

/** `count` random decimal digits. @internal */
export function randomDigits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(10));
  return out;
}

/** A `prepay_id` shaped like WeChat's: `wx`, the Beijing time and 20 hex digits (36 characters). @internal */
export function newPrepayId(now: number): string {
  return `wx${beijingCompact(now)}${randomBytes(10).toString('hex')}`;
}

/** A 28-digit `transaction_id` shaped like WeChat's (`420000…`, with the Beijing date). @internal */
export function newTransactionId(now: number): string {
  return `420000${randomDigits(4)}${beijingDate(now)}${randomDigits(10)}`;
}

/** A 29-digit `refund_id` shaped like WeChat's (`503000…`, with the Beijing date). @internal */
export function newRefundId(now: number): string {
  return `503000${randomDigits(4)}${beijingDate(now)}${randomDigits(11)}`;
}
