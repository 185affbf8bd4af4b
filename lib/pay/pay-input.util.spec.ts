import { WeChatPayInputError } from '../errors/wechat-pay.error';
import { formatBeijing, int, parseBeijingDateTime, parseBeijingTime, PayInput } from './pay-input.util';

function problems(fill: (input: PayInput) => void): string[] {
  const input = new PayInput('test');
  fill(input);
  try {
    input.done();
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(WeChatPayInputError);
    return (error as WeChatPayInputError).problems;
  }
}

describe('PayInput', () => {
  it.each([1, 100, 2 ** 31])('accepts %p fen', (fee) => {
    expect(problems((i) => i.fen('totalFee', fee))).toEqual([]);
  });

  it.each([0, -1, 1.5, NaN, Infinity, '100', null, undefined, 2 ** 53])('rejects %p as an amount', (fee) => {
    expect(problems((i) => i.fen('totalFee', fee))).toEqual([expect.stringContaining('totalFee must be a positive integer amount in fen')]);
  });

  it.each(['123456', 'A_b-c|d*e', 'x'.repeat(32)])('accepts out_trade_no %p', (no) => {
    expect(problems((i) => i.outTradeNo('outTradeNo', no))).toEqual([]);
  });

  it.each(['12345', 'x'.repeat(33), 'has space', '订单号123456', 'a/b/c/d/e', 42])('rejects out_trade_no %p', (no) => {
    expect(problems((i) => i.outTradeNo('outTradeNo', no))).toHaveLength(1);
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['ESC', 'colour \u001b[31m'],
    ['a line feed', 'two\nlines'],
    ['a tab', 'a\tb'],
    ['DEL', 'a\u007f'],
    ['a C1 control', 'a\u0085b'],
    ['a lone high surrogate', 'a\ud83d'],
    ['a lone low surrogate', '\ude00a'],
    ['U+FFFE', 'a\ufffe'],
    ['U+FFFF', '\uffff'],
  ])('refuses text with %s', (_name, value) => {
    expect(problems((i) => i.text('body', value, 127))).toEqual([
      'body must not contain control characters, lone surrogates or U+FFFE/U+FFFF',
    ]);
  });

  it.each(['Pickup order', '取餐订单 🍜', 'a\u00a0b', '\ud83d\ude00', 'quotes " and <tags> & ampersands'])('accepts text %p', (value) => {
    expect(problems((i) => i.text('body', value, 127))).toEqual([]);
  });

  it('accepts tab, line feed and carriage return in multiline text only, and never NUL or ESC', () => {
    expect(problems((i) => i.text('detail', '{\n\t"a": 1\r\n}', 6000, false, true))).toEqual([]);
    expect(problems((i) => i.text('detail', '{"a":"\u0000"}', 6000, false, true))).toHaveLength(1);
    expect(problems((i) => i.text('detail', '\u001b', 6000, false, true))).toHaveLength(1);
  });

  it('collects every problem of a call into one error', () => {
    expect(
      problems((i) => {
        i.fen('totalFee', NaN);
        i.outTradeNo('outTradeNo', '1');
        i.text('body', '', 127);
      }),
    ).toHaveLength(3);
  });

  it('counts characters, not UTF-16 units, for text limits', () => {
    expect(problems((i) => i.text('body', '😀'.repeat(127), 127))).toEqual([]);
    expect(problems((i) => i.text('body', '😀'.repeat(128), 127))).toHaveLength(1);
  });

  it('formats dates in Beijing time and rejects impossible ones', () => {
    const input = new PayInput('test');
    expect(input.time('timeExpire', new Date('2026-01-31T16:30:00Z'))).toBe('20260201003000');
    expect(input.date('billDate', new Date('2026-01-31T16:30:00Z'))).toBe('20260201');
    expect(input.time('timeExpire', '20260201003000')).toBe('20260201003000');
    expect(problems((i) => i.time('timeExpire', '20260230120000'))).toHaveLength(1);
    expect(problems((i) => i.time('timeExpire', new Date('nope')))).toHaveLength(1);
    expect(problems((i) => i.date('billDate', '2026-02-01'))).toHaveLength(1);
  });
});

describe('Beijing time helpers', () => {
  it('round-trips', () => {
    const moment = new Date('2014-09-03T05:15:40Z');
    expect(formatBeijing(moment, 14)).toBe('20140903131540');
    expect(parseBeijingTime('20140903131540')).toEqual(moment);
    expect(parseBeijingDateTime('2014-09-03 13:15:40')).toEqual(moment);
  });

  it.each(['', '2014090313154', '20141303131540', '20140903251540', 'abcdefghijklmn'])('rejects %p', (value) => {
    expect(parseBeijingTime(value)).toBeUndefined();
  });

  it('reads integers strictly', () => {
    expect(int('42')).toBe(42);
    expect(int('0')).toBe(0);
    expect(int(String(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(int('4.2')).toBeUndefined();
    expect(int('')).toBeUndefined();
    expect(int(undefined)).toBeUndefined();
  });

  it.each([
    '05',
    '00',
    '+5',
    '-5',
    '-0',
    ' 5',
    '5 ',
    '5\n',
    '\t5',
    '5.0',
    '5e0',
    '0x5',
    '1_000',
    '５',
    '٥',
    String(Number.MAX_SAFE_INTEGER + 1),
  ])('refuses %p, which is not an amount in WeChat’s canonical form', (value) => {
    expect(int(value)).toBeUndefined();
  });
});
