import { randomBytes } from 'node:crypto';
import { decodeBase64Strict } from './base64.util';
import { pick, prng } from '../../test/utils/prng';

describe('decodeBase64Strict', () => {
  it.each([
    ['', ''],
    ['Zg==', '66'],
    ['Zm8=', '666f'],
    ['Zm9v', '666f6f'],
    ['Zm9vYg==', '666f6f62'],
    ['Zm9vYmE=', '666f6f6261'],
    ['Zm9vYmFy', '666f6f626172'],
  ])('decodes the RFC 4648 test vector %j', (input, hex) => {
    expect(decodeBase64Strict(input)?.toString('hex')).toBe(hex);
  });

  it('decodes the empty string to an empty buffer, not null', () => {
    const decoded = decodeBase64Strict('');
    expect(Buffer.isBuffer(decoded)).toBe(true);
    expect(decoded).toHaveLength(0);
  });

  it('round-trips random bytes of every length up to 64', () => {
    for (let n = 0; n <= 64; n++) {
      const bytes = randomBytes(n);
      expect(decodeBase64Strict(bytes.toString('base64'))?.equals(bytes)).toBe(true);
    }
  });

  it('decodes "+" and "/"', () => {
    expect(decodeBase64Strict('+/+/')?.toString('hex')).toBe('fbffbf');
    expect(decodeBase64Strict('+/v7')?.toString('hex')).toBe('fbfbfb');
  });

  it('reads spaces as "+", as left by URL query decoding', () => {
    expect(decodeBase64Strict(' /v7')?.toString('hex')).toBe('fbfbfb');
    const bytes = Buffer.alloc(16, 0xfb);
    const b64 = bytes.toString('base64');
    expect(b64).toContain('+');
    expect(decodeBase64Strict(b64.replace(/\+/g, ' '))?.equals(bytes)).toBe(true);
  });

  it('ignores line breaks (MIME-wrapped base64)', () => {
    expect(decodeBase64Strict('Zm9v\r\nYmFy')?.toString('utf8')).toBe('foobar');
    expect(decodeBase64Strict('Zm9v\nYmFy\n')?.toString('utf8')).toBe('foobar');
  });

  it.each([
    ['missing padding (one "=")', 'Zm8'],
    ['missing padding (two "=")', 'Zg'],
    ['a single character', 'Z'],
    ['five characters', 'Zm9vY'],
    ['too much padding', 'Zg==='],
    ['padding only', '===='],
    ['padding in the middle', 'Zg==Zm9v'],
    ['three "="', 'Z==='],
    ['base64url "-"', 'Zm9-'],
    ['base64url "_"', 'Zm9_'],
    ['unpadded base64url of 16 bytes', Buffer.alloc(16, 0xfb).toString('base64url')],
    ['a "*"', 'Zm9*'],
    ['a "."', 'Zm9.'],
    ['a tab', 'Zm9v\tYmFy'],
    ['a non-ASCII letter', 'Zm9é'],
    ['a full-width letter', 'Zm9\uff56'],
    ['a NUL byte', 'Zm9v\u0000'],
    ['percent-encoding', 'Zm9%2B'],
    ['a data: URL prefix', 'data:;base64,Zm9v'],
  ])('returns null for %s', (_label, input) => {
    expect(decodeBase64Strict(input)).toBeNull();
  });

  it('returns null where Node would silently decode something else', () => {
    const lenient = Buffer.from('Zm9v!YmFy', 'base64');
    expect(lenient.length).toBeGreaterThan(0);
    expect(decodeBase64Strict('Zm9v!YmFy')).toBeNull();
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 1234],
    ['a boolean', true],
    ['a Buffer', Buffer.from('Zm9v')],
    ['an array', ['Zm9v']],
    ['an object with toString', { toString: () => 'Zm9v' }],
  ])('returns null for %s', (_label, input) => {
    expect(decodeBase64Strict(input)).toBeNull();
  });

  it('accepts exactly the language of the RFC 4648 grammar, for 30000 random near-base64 strings', () => {
    // The grammar written out as a regular expression: groups of four, then "xx==" or "xxx=".
    const grammar = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    const pieces = [
      'A',
      'z',
      '0',
      '+',
      '/',
      '=',
      '==',
      '-',
      '_',
      '.',
      '\t',
      'é',
      '\uff56',
      '\u0141',
      '😀',
      '\u0000',
      'Zm9v',
      'YmE=',
      'Zg==',
    ];
    const rand = prng(0xba5e64);
    let accepted = 0;
    for (let i = 0; i < 30000; i++) {
      let text = '';
      const n = Math.floor(rand() * 12);
      for (let j = 0; j < n; j++) text += rand() < 0.8 ? pick(rand, pieces.slice(0, 5)) : pick(rand, pieces);
      const expected = grammar.test(text) ? Buffer.from(text, 'base64').toString('hex') : null;
      if (expected !== null) accepted++;
      expect({ text, decoded: decodeBase64Strict(text)?.toString('hex') ?? null }).toEqual({ text, decoded: expected });
    }
    expect(accepted).toBeGreaterThan(3000);
  });
});
