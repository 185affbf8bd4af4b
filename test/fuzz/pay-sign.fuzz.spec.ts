import fc from 'fast-check';
import { createHash, createHmac } from 'node:crypto';
import { payV2Sign, PaySignType, verifyPayV2Sign } from '../../lib';
import { anyString, fieldName, xmlText } from './arbitraries';
import { configureFuzz } from './fuzz-settings';

configureFuzz();

/** The v2 signature computed here, independently of the library. */
function independentSign(params: Record<string, string>, key: string, type: PaySignType): string {
  const base =
    Object.keys(params)
      .filter((k) => k !== 'sign' && params[k] !== '')
      .sort()
      .map((k) => `${k}=${params[k]}`)
      .join('&') + `&key=${key}`;
  const digest =
    type === 'MD5' ? createHash('md5').update(base, 'utf8') : createHmac('sha256', Buffer.from(key, 'utf8')).update(base, 'utf8');
  return digest.digest('hex').toUpperCase();
}

function withField(record: Record<string, string>, key: string, value: string): Record<string, string> {
  const out = { ...record };
  Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/**
 * Signatures cover UTF-8 bytes, and a lone surrogate encodes as U+FFFD: two JS strings with the same
 * bytes are the same value to WeChat (and XML never yields lone surrogates).
 */
function sameUtf8(a: string, b: string): boolean {
  return Buffer.from(a, 'utf8').equals(Buffer.from(b, 'utf8'));
}

function without(record: Record<string, string>, key: string): Record<string, string> {
  const out = { ...record };
  delete out[key];
  return out;
}

/** Parameter names that can be signed: not `sign` (which holds the signature) and not `sign_type` (chosen separately). */
const signedName = fieldName.filter((k) => k !== 'sign' && k !== 'sign_type');
const value = fc.oneof(xmlText(16), anyString);
const apiKey = fc.oneof(fc.stringMatching(/^[0-9A-Za-z]{32}$/), fc.string({ minLength: 1, maxLength: 40 }));
const signType = fc.constantFrom<'implicit-MD5' | PaySignType>('implicit-MD5', 'MD5', 'HMAC-SHA256');

/** A parameter set with its (valid) `sign`, and how it was signed. */
const signedRecord = fc
  .tuple(fc.uniqueArray(fc.tuple(signedName, value), { selector: ([k]) => k, maxLength: 12 }), apiKey, signType)
  .map(([entries, key, type]) => {
    let record: Record<string, string> = {};
    for (const [k, v] of entries) record = withField(record, k, v);
    if (type !== 'implicit-MD5') record = withField(record, 'sign_type', type);
    const effective: PaySignType = type === 'implicit-MD5' ? 'MD5' : type;
    return { record, key, type: effective, signed: withField(record, 'sign', payV2Sign(record, key, effective)) };
  });

describe('verifyPayV2Sign (fuzzed)', () => {
  it('never throws for arbitrary records, whatever the values, sign and sign_type', () => {
    const anyValue = fc.anything({
      withBigInt: true,
      withDate: true,
      withTypedArray: true,
      withNullPrototype: true,
      withBoxedValues: true,
    });
    const record = fc.tuple(
      fc.dictionary(fc.oneof(fieldName, fc.string()), anyValue, { maxKeys: 10 }),
      fc.option(fc.oneof(fc.string(), anyValue), { nil: undefined }),
      fc.option(fc.oneof(fc.constantFrom('MD5', 'HMAC-SHA256', 'md5', 'SHA1', ''), anyValue), { nil: undefined }),
    );
    fc.assert(
      fc.property(
        record,
        apiKey,
        fc.constantFrom<PaySignType | undefined>(undefined, 'MD5', 'HMAC-SHA256'),
        ([fields, sign, type], key, explicit) => {
          const params: Record<string, unknown> = { ...fields };
          if (sign !== undefined) params.sign = sign;
          if (type !== undefined) params.sign_type = type;
          expect(typeof verifyPayV2Sign(params, key, explicit)).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('verifies what payV2Sign signed (and agrees with an independent implementation), in any hex case', () => {
    fc.assert(
      fc.property(signedRecord, ({ record, key, type, signed }) => {
        expect(signed.sign).toBe(independentSign(record, key, type));
        expect(verifyPayV2Sign(signed, key)).toBe(true);
        expect(verifyPayV2Sign(signed, key, type)).toBe(true);
        expect(verifyPayV2Sign(withField(signed, 'sign', signed.sign.toLowerCase()), key)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('still verifies when empty-valued fields are added or removed (they are not signed)', () => {
    fc.assert(
      fc.property(signedRecord, signedName, ({ signed, key }, extra) => {
        fc.pre(!(extra in signed));
        expect(verifyPayV2Sign(withField(signed, extra, ''), key)).toBe(true);
        for (const k of Object.keys(signed)) if (signed[k] === '') expect(verifyPayV2Sign(without(signed, k), key)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any single-field change: a value, an added field, a removed field, a renamed field, the sign, the key', () => {
    const change = fc.oneof(
      fc.record({ kind: fc.constant('value' as const), pick: fc.nat(), to: value }),
      fc.record({
        kind: fc.constant('add' as const),
        name: fc.oneof(signedName, fc.constant('sign_type')),
        to: value.filter((v) => v !== ''),
      }),
      fc.record({ kind: fc.constant('remove' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), name: fc.oneof(signedName, fc.constant('sign_type')) }),
      fc.record({
        kind: fc.constant('sign' as const),
        to: fc.oneof(fc.stringMatching(/^[0-9A-F]{32}$/), fc.stringMatching(/^[0-9A-F]{64}$/), anyString),
      }),
      fc.record({ kind: fc.constant('key' as const), to: apiKey }),
      fc.record({ kind: fc.constant('type' as const) }),
    );
    fc.assert(
      fc.property(signedRecord, change, ({ signed, key, type }, c) => {
        const fields = Object.keys(signed).filter((k) => k !== 'sign');
        const nonEmpty = fields.filter((k) => signed[k] !== '');
        let mutated: Record<string, string> = signed;
        let verifyKey = key;
        let explicit: PaySignType | undefined;
        switch (c.kind) {
          case 'value': {
            fc.pre(fields.length > 0);
            const k = fields[c.pick % fields.length];
            fc.pre(!sameUtf8(c.to, signed[k]));
            mutated = withField(signed, k, c.to);
            break;
          }
          case 'add':
            fc.pre(!fields.includes(c.name));
            mutated = withField(signed, c.name, c.to);
            break;
          case 'remove': {
            fc.pre(nonEmpty.length > 0);
            mutated = without(signed, nonEmpty[c.pick % nonEmpty.length]);
            break;
          }
          case 'rename': {
            fc.pre(nonEmpty.length > 0 && !fields.includes(c.name));
            const k = nonEmpty[c.pick % nonEmpty.length];
            mutated = withField(without(signed, k), c.name, signed[k]);
            break;
          }
          case 'sign':
            fc.pre(c.to.toUpperCase() !== signed.sign);
            mutated = withField(signed, 'sign', c.to);
            break;
          case 'key':
            fc.pre(!sameUtf8(c.to, key));
            verifyKey = c.to;
            break;
          case 'type':
            explicit = type === 'MD5' ? 'HMAC-SHA256' : 'MD5';
            break;
        }
        expect(verifyPayV2Sign(mutated, verifyKey, explicit)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
