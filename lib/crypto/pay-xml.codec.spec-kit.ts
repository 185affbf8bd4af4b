/** What the pay XML codec specs share: the published vectors and the random keys and texts of the generated cases. */
import { vector } from '../../test/fixtures/vectors';
import { pick } from '../../test/utils/prng';

export const couponVector = vector<{ xml: string }, Record<string, string>>('pay_v2_notify_official_sample_with_coupons');
export const notifyVector = vector<{ v2_key: string; xml: string }, { sign: string }>('pay_v2_notify_min_easywechat_node');

/** Text pieces XML 1.0 can carry, the awkward ones included. */
export const SAFE_PIECES = [
  'a',
  'Z',
  '0',
  ' ',
  '  ',
  '<',
  '>',
  '&',
  '"',
  "'",
  ']',
  ']]',
  ']]>',
  '<![CDATA[',
  '<!DOCTYPE x>',
  '<!--',
  '&amp;',
  '&nbsp;',
  '&#0;',
  '=',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '微信',
  '支付测试',
  'é',
  'e\u0301',
  '😀',
  '👍🏽',
  '\u00a0',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\ufffd',
  '\ue000',
  '\u{10ffff}',
];

const KEY_HEADS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_'.split('');
const KEY_TAILS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'.split('');
const AWKWARD_KEYS = ['_', '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'cdata', 'xml', 'root', '_0'];

export function randomText(rand: () => number, pieces: readonly string[], max = 10): string {
  let out = '';
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) out += pick(rand, pieces);
  return out;
}

export function randomKey(rand: () => number, awkward: boolean): string {
  if (awkward && rand() < 0.1) return pick(rand, AWKWARD_KEYS);
  let key = pick(rand, KEY_HEADS);
  const n = Math.floor(rand() * 12);
  for (let i = 0; i < n; i++) key += pick(rand, KEY_TAILS);
  return key;
}
