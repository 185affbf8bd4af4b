import { BadRequestException } from '@nestjs/common';
import { DEFAULT_MAX_BODY_DEPTH, jsonDepth, JsonDepthPipe } from './json-depth.pipe';

/** `depth` levels of objects (or arrays), built without recursion. */
function nested(depth: number, array = false): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = array ? [value] : { a: value };
  return value;
}

describe('jsonDepth', () => {
  it.each([
    ['a string', 'x', 0],
    ['null', null, 0],
    ['an empty object', {}, 1],
    ['an empty array', [], 1],
    ['a flat object', { a: 1, b: 'x', c: null }, 1],
    ['an object in an array', [{ a: 1 }], 2],
    ['the deepest branch', { a: 1, b: { c: { d: [1] } }, e: {} }, 4],
  ])('counts %s', (_name, value, depth) => {
    expect(jsonDepth(value, 100)).toBe(depth);
  });

  it('agrees with a recursive count on nested objects and arrays', () => {
    const recursive = (v: unknown): number =>
      v === null || typeof v !== 'object' ? 0 : 1 + Math.max(0, ...(Array.isArray(v) ? v : Object.values(v)).map(recursive));
    for (const value of [nested(7), nested(9, true), { a: nested(3), b: [nested(5, true)], c: { d: nested(2) } }]) {
      expect(jsonDepth(value, 100)).toBe(recursive(value));
    }
  });

  it('stops counting past the limit, whatever the real depth', () => {
    expect(jsonDepth(nested(100_000), 32)).toBe(33);
    expect(jsonDepth(nested(100_000, true), 32)).toBe(33);
  });
});

describe('JsonDepthPipe', () => {
  const body = { type: 'body' as const };

  it('passes bodies up to the limit through unchanged', () => {
    const value = nested(DEFAULT_MAX_BODY_DEPTH);
    expect(new JsonDepthPipe().transform(value, body)).toBe(value);
  });

  it('refuses a body one level deeper than the limit with 400, naming the limit', () => {
    const pipe = new JsonDepthPipe({ maxDepth: 3 });
    expect(pipe.transform(nested(3), body)).toBeDefined();
    expect(() => pipe.transform(nested(4), body)).toThrow(BadRequestException);
    expect(() => pipe.transform(nested(4, true), body)).toThrow('more than 3 levels');
  });

  it('refuses 5,000 levels without overflowing the stack', () => {
    expect(() => new JsonDepthPipe().transform(nested(5_000), body)).toThrow(BadRequestException);
  });

  it('leaves params, queries and custom arguments alone', () => {
    const deep = nested(100);
    for (const type of ['param', 'query', 'custom'] as const) expect(new JsonDepthPipe().transform(deep, { type })).toBe(deep);
  });

  it('refuses a limit that is not a positive integer', () => {
    for (const maxDepth of [0, -1, 1.5, Number.NaN]) expect(() => new JsonDepthPipe({ maxDepth })).toThrow(RangeError);
  });
});
