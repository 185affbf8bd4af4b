/**
 * Whether a parameter value passes WeChat's rule for its type (订阅消息参数值内容限制说明), as the simulator plays the
 * check behind errcode 47003. Written from the guide on its own, apart from the module's checks, so that the two can
 * disagree where one of them is wrong.
 */

const ONE_OF = (pattern: RegExp) => (value: string) => pattern.test(value);

/** A date: 2019年10月1日, 2019年10月, 10月1日, 2018-01-01, 2018/01/01, 2018.01.01, 2018-01, 01-01. */
const DAY_FORMS = [
  /^\d{4}年\d{1,2}月(?:\d{1,2}日)?$/,
  /^\d{1,2}月\d{1,2}日$/,
  /^(?:\d{4}[-/.])?\d{1,2}[-/.]\d{1,2}$/,
  /^\d{4}[-/.]\d{1,2}$/,
];

function isClock(text: string): boolean {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  return m !== null && Number(m[1]) < 24 && Number(m[2]) < 60 && (m[3] === undefined || Number(m[3]) < 60);
}

const isDay = (text: string) => DAY_FORMS.some((form) => form.test(text));

/** One moment: a time (with a day before it or not) for `time`, a day (with a time after it or not) for `date`. */
function isMoment(text: string, kind: 'time' | 'date'): boolean {
  const parts = text.trim().split(/\s+/);
  if (parts.length === 2) return isDay(parts[0]) && isClock(parts[1]);
  return parts.length === 1 && (kind === 'time' ? isClock(parts[0]) : isDay(parts[0]));
}

/** One moment, or a period of two joined by `~`. */
const isPeriod = (kind: 'time' | 'date') => (value: string) => {
  const ends = value.split('~');
  return ends.length <= 2 && ends.every((end) => isMoment(end, kind));
};

function isName(value: string): boolean {
  if (!/^[\p{Script=Han}a-zA-Z\p{P}\p{S} ]+$/u.test(value)) return false;
  return [...value].length <= (/\p{Script=Han}/u.test(value) ? 10 : 20);
}

const RULES: Readonly<Record<string, (value: string) => boolean>> = {
  thing: ONE_OF(/^[^\p{Cc}]{1,20}$/u),
  number: (value) => value.length <= 32 && /^\d+(?:\.\d+)?$/.test(value),
  letter: ONE_OF(/^[a-zA-Z]{1,32}$/),
  symbol: ONE_OF(/^[\p{P}\p{S}]{1,5}$/u),
  character_string: ONE_OF(/^[a-zA-Z0-9\p{P}\p{S}]{1,32}$/u),
  time: isPeriod('time'),
  date: isPeriod('date'),
  amount: ONE_OF(/^\p{Sc}?\d{1,10}(?:\.\d+)?元?$/u),
  phone_number: ONE_OF(/^[0-9\p{P}\p{S}]{1,17}$/u),
  car_number: (value) => [...value].length <= 8 && /^[\p{Script=Han}a-zA-Z0-9](?:[a-zA-Z0-9]*[\p{Script=Han}a-zA-Z0-9])?$/u.test(value),
  name: isName,
  phrase: ONE_OF(/^\p{Script=Han}{1,5}$/u),
};

/** Whether `value` is acceptable for a parameter of type `rule`; types the guide does not list take any single-line text. @internal */
export function acceptsValue(rule: string, value: string): boolean {
  if (value.trim() === '' || /\p{Cc}/u.test(value)) return false;
  const check = RULES[rule];
  return check === undefined || check(value);
}
