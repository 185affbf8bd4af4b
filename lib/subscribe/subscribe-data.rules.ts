/**
 * WeChat's rules for the value of each parameter type of a subscribe message (订阅消息参数值内容限制说明), checked before
 * a message is sent: a value WeChat refuses costs a call and comes back as 47003 naming only the first bad key, while
 * checking here names every one.
 *
 * The type is the key without its trailing digits: `thing1` → `thing`, `character_string13` → `character_string`
 * (每个模板参数都会以类型为前缀). "Symbols" are the common ones: anything but letters, digits, Chinese characters,
 * spaces and control characters. Where the guide is loose the check is too: `amount`'s currency sign may be left out,
 * as WeChat takes `0.01`.
 */

/** A date as the guide allows: y年m月d日, y年m月, m月d日, or joined with `-`, `/` or `.` (2018-01-01, 2018-01, 01-01). */
const DATE = String.raw`(?:\d{4}年\d{1,2}月\d{1,2}日|\d{4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d{4}[-/.]\d{1,2}(?:[-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2})`;
/** A 24-hour time, HH:MM or HH:MM:SS. */
const TIME = String.raw`(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?`;
const SYMBOL = String.raw`[^\p{L}\p{N}\p{C}\p{Z}]`;
const HAN = String.raw`\p{Script=Han}`;

/** A value, or two joined by `~` (a period: 支持填时间段). */
const period = (one: string) => new RegExp(`^${one}(?:\\s*~\\s*${one})?$`, 'u');
const only = (pattern: string) => new RegExp(`^(?:${pattern})+$`, 'u');
const NAME = only(`${HAN}|[A-Za-z ]|${SYMBOL}`);
const HAS_HAN = new RegExp(HAN, 'u');

interface ValueRule {
  /** What the rule asks, for the problem message. */
  readonly wants: string;
  /** Most characters (code points). */
  readonly max?: number;
  readonly accepts: (value: string) => boolean;
}

const matches =
  (pattern: RegExp) =>
  (value: string): boolean =>
    pattern.test(value);

const RULES: Readonly<Record<string, ValueRule>> = {
  thing: { wants: 'at most 20 characters', max: 20, accepts: () => true },
  number: { wants: 'a number of at most 32 characters (digits, perhaps a decimal point)', max: 32, accepts: matches(/^\d+(?:\.\d+)?$/) },
  letter: { wants: 'at most 32 letters', max: 32, accepts: matches(/^[A-Za-z]+$/) },
  symbol: { wants: 'at most 5 symbols', max: 5, accepts: matches(only(SYMBOL)) },
  character_string: {
    wants: 'at most 32 letters, digits or symbols',
    max: 32,
    accepts: matches(only(`[A-Za-z0-9]|${SYMBOL}`)),
  },
  time: {
    wants: 'a 24-hour time (15:01), perhaps after a date (2019年10月1日 15:01), or two joined by ~',
    accepts: matches(period(`(?:${DATE}\\s*)?${TIME}`)),
  },
  date: {
    wants: 'a date (2019年10月1日, 2019-10-01), perhaps with a time, or two joined by ~',
    accepts: matches(period(`${DATE}(?:\\s*${TIME})?`)),
  },
  amount: {
    wants: 'an amount: a currency sign, at most 10 digits, perhaps decimals, perhaps 元 (¥99.00)',
    accepts: matches(new RegExp(`^${SYMBOL}?\\d{1,10}(?:\\.\\d+)?元?$`, 'u')),
  },
  phone_number: { wants: 'at most 17 digits or symbols (+86-0766-66888866)', max: 17, accepts: matches(only(`\\d|${SYMBOL}`)) },
  car_number: {
    wants: 'a plate of at most 8 letters or digits, the first and last perhaps Chinese (粤A8Z888挂)',
    max: 8,
    accepts: matches(new RegExp(`^[${HAN}A-Za-z0-9](?:[A-Za-z0-9]*[${HAN}A-Za-z0-9])?$`, 'u')),
  },
  name: {
    wants: 'a name: at most 10 Chinese characters, or at most 20 letters or symbols',
    // 中文和字母混合按中文名算: with one Chinese character in it, a name is counted as Chinese.
    accepts: (value) => NAME.test(value) && [...value].length <= (HAS_HAN.test(value) ? 10 : 20),
  },
  phrase: { wants: 'at most 5 Chinese characters (配送中)', max: 5, accepts: matches(only(HAN)) },
};

/** A template parameter's key: its type and a number (`thing1`, `character_string13`). */
const KEY = /^([a-z]+(?:_[a-z]+)*)(\d+)$/;

// eslint-disable-next-line no-control-regex -- control characters are what it finds
const UNSHOWABLE = /[\u0000-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The type of a parameter key (`thing1` → `thing`), or `undefined` when the key does not end in digits. @internal */
export function subscribeDataType(key: string): string | undefined {
  return KEY.exec(key)?.[1];
}

/** The parameter types whose values the module checks, as the guide lists them. @internal */
export const SUBSCRIBE_DATA_TYPES: readonly string[] = Object.keys(RULES);

/**
 * What is wrong with the value of `data[key]` (already text), or `undefined`. Every value must be non-blank and free of
 * control characters; a key of a known type must also follow that type's rule. Keys of other types (`enum_string2`, …)
 * get the first check only: WeChat checks them against the template.
 * @internal
 */
export function subscribeValueProblem(key: string, value: string): string | undefined {
  if (value.trim() === '') return `data.${key} must not be empty`;
  if (UNSHOWABLE.test(value)) return `data.${key} must not contain line breaks, control characters or lone surrogates`;
  const type = subscribeDataType(key);
  const rule = type === undefined ? undefined : RULES[type];
  if (!rule) return undefined;
  if ((rule.max !== undefined && [...value].length > rule.max) || !rule.accepts(value))
    return `data.${key} (${type}) must be ${rule.wants}`;
  return undefined;
}
