import { safeEqual } from './safe-equal.util';

describe('safeEqual', () => {
  it.each([
    ['two empty strings', '', ''],
    ['equal ASCII strings', 'wx4f4bc4dec97d474b', 'wx4f4bc4dec97d474b'],
    ['equal non-ASCII strings', '微信用户😀', '微信用户😀'],
    ['equal long strings', 'a'.repeat(10_000), 'a'.repeat(10_000)],
  ])('is true for %s', (_label, a, b) => {
    expect(safeEqual(a, b)).toBe(true);
  });

  it.each([
    ['strings differing in the last character', 'wx4f4bc4dec97d474b', 'wx4f4bc4dec97d474c'],
    ['strings differing in the first character', 'wx4f4bc4dec97d474b', 'xx4f4bc4dec97d474b'],
    ['strings differing in case', 'wx4f4bc4dec97d474b', 'WX4F4BC4DEC97D474B'],
    ['a string and its prefix', 'wx4f4bc4dec97d474b', 'wx4f4bc4dec97d474'],
    ['a string and itself with a trailing space', 'abc', 'abc '],
    ['a string and itself with a trailing NUL', 'abc', 'abc\u0000'],
    ['an empty and a non-empty string', '', 'a'],
    ['different lengths, long', 'a'.repeat(1000), 'a'.repeat(1001)],
    ['composed and decomposed "é"', '\u00e9', 'e\u0301'],
  ])('is false for %s', (_label, a, b) => {
    expect(safeEqual(a, b)).toBe(false);
    expect(safeEqual(b, a)).toBe(false);
  });

  it.each<[string, unknown, unknown]>([
    ['undefined and undefined', undefined, undefined],
    ['null and null', null, null],
    ['a number and the same number', 1, 1],
    ['a string and a number with the same text', '1', 1],
    ['a string and an array holding it', 'abc', ['abc']],
    ['a string and a Buffer of it', 'abc', Buffer.from('abc')],
    ['an object and itself', { a: 1 }, { a: 1 }],
  ])('is false for non-strings: %s', (_label, a, b) => {
    expect(safeEqual(a as string, b as string)).toBe(false);
    expect(safeEqual(b as string, a as string)).toBe(false);
  });
});
