import { Transformer } from 'wechatpay-axios-plugin';
import { payV2Sign, verifyPayV2Sign } from './pay-sign.crypto';
import { buildPayXml, parsePayXml } from './pay-xml.codec';
import { prng } from '../../test/utils/prng';
import { randomKey, randomText, SAFE_PIECES } from './pay-xml.codec.spec-kit';

type XmlParams = Record<string, string | number | undefined | null>;

function randomXmlParams(rand: () => number, pieces: readonly string[], awkward: boolean): XmlParams {
  const params: XmlParams = {};
  const n = 1 + Math.floor(rand() * 10);
  for (let i = 0; i < n; i++) {
    const kind = rand();
    const key = randomKey(rand, awkward);
    const value =
      kind < 0.08
        ? ''
        : kind < 0.12
          ? undefined
          : kind < 0.16
            ? null
            : kind < 0.3
              ? Math.floor(rand() * 2e9) - 1e9
              : randomText(rand, pieces);
    // defineProperty, so that "__proto__" becomes an own key as it does in parsed XML.
    Object.defineProperty(params, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return params;
}

/** What parsing the XML of `params` must give: strings, undefined and null left out. */
function expectedFields(params: XmlParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null)
      Object.defineProperty(out, key, { value: String(value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The fields, or the error as a value, so that a failing random case still shows its context. */
async function parseOrError(xml: string | Buffer): Promise<unknown> {
  return parsePayXml(xml).catch((err: unknown) => ({ error: String(err) }));
}

describe('buildPayXml', () => {
  it('puts strings in CDATA, writes numbers bare and leaves out undefined and null', () => {
    expect(buildPayXml({ appid: 'wx1', total_fee: 1, attach: undefined, detail: null, body: '', fee: -2.5 })).toBe(
      '<xml><appid><![CDATA[wx1]]></appid><total_fee>1</total_fee><body></body><fee>-2.5</fee></xml>',
    );
  });

  it('splits "]]>" across CDATA sections and writes CR as a character reference', () => {
    expect(buildPayXml({ a: 'x]]>y' })).toBe('<xml><a><![CDATA[x]]]]><![CDATA[>y]]></a></xml>');
    expect(buildPayXml({ a: ']]>' })).toBe('<xml><a><![CDATA[]]]]><![CDATA[>]]></a></xml>');
    expect(buildPayXml({ a: 'p\r\nq\r' })).toBe('<xml><a><![CDATA[p]]>&#13;<![CDATA[\nq]]>&#13;</a></xml>');
  });

  it('takes the root name as an option', () => {
    expect(buildPayXml({ refund_status: 'SUCCESS' }, { root: 'root' })).toBe(
      '<root><refund_status><![CDATA[SUCCESS]]></refund_status></root>',
    );
    expect(buildPayXml({})).toBe('<xml></xml>');
    expect(() => buildPayXml({}, { root: '1x' })).toThrow(TypeError);
  });

  it.each(['', '1a', 'a-b', 'a.b', 'a:b', 'a b', '<a>', 'a>', 'ключ', '金额', 'é'])('rejects the key %j with a TypeError', (key) => {
    expect(() => buildPayXml({ [key]: 'v' })).toThrow(TypeError);
  });

  it.each<[string, unknown]>([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a boolean', true],
    ['an object', { a: 1 }],
    ['an array', ['1']],
    ['a bigint', BigInt(1)],
    ['a NUL character', 'a\u0000b'],
    ['a control character', '\u0008'],
    ['a lone surrogate', 'x\udc00'],
    ['U+FFFF', '\uffff'],
  ])('rejects %s as a value with a TypeError', (_label, value) => {
    expect(() => buildPayXml({ a: value as string })).toThrow(TypeError);
  });

  it('round-trips 1000 random parameter sets exactly through parsePayXml', async () => {
    const rand = prng(0x0c0dec01);
    let awkwardValues = 0;
    let protoKeys = 0;
    for (let i = 0; i < 1000; i++) {
      const params = randomXmlParams(rand, SAFE_PIECES, true);
      if (Object.values(params).some((v) => typeof v === 'string' && /]]>|\r|[<&]/.test(v))) awkwardValues++;
      if (Object.prototype.hasOwnProperty.call(params, '__proto__')) protoKeys++;
      const xml = buildPayXml(params);
      const context = `case ${i}: ${JSON.stringify(params)}`;
      expect({ context, fields: await parseOrError(xml) }).toEqual({ context, fields: expectedFields(params) });
      expect({ context, fields: await parseOrError(Buffer.from(xml)) }).toEqual({ context, fields: expectedFields(params) });
    }
    expect(awkwardValues).toBeGreaterThan(500);
    expect(protoKeys).toBeGreaterThan(0);
  });

  it('round-trips signed parameters: the sign of the parsed fields is the sign of the input', async () => {
    const rand = prng(0x0c0dec02);
    for (let i = 0; i < 200; i++) {
      const params = randomXmlParams(rand, SAFE_PIECES, false);
      const signed = { ...params, sign: payV2Sign(params, 'k') };
      expect(verifyPayV2Sign(await parsePayXml(buildPayXml(signed)), 'k')).toBe(true);
    }
  });
});

describe('cross-check with wechatpay-axios-plugin Transformer (fast-xml-parser)', () => {
  const CASES = 600;
  /** Random parameters with at least one field, every value passed through `fix`. */
  function randomFor(rand: () => number, fix: (value: string) => string): Record<string, string | number> {
    for (;;) {
      const params = randomXmlParams(rand, SAFE_PIECES, false);
      const out: Record<string, string | number> = {};
      for (const [key, value] of Object.entries(params)) {
        if (value !== undefined && value !== null) out[key] = typeof value === 'string' ? fix(value) : value;
      }
      if (Object.keys(out).length > 0) return out;
    }
  }

  /** What its builder writes correctly: no "]]>" (it puts a value in one CDATA section, unsplit). */
  const forTheirBuilder = (value: string) => value.replace(/]]>/g, ']] >');
  /** What its parser reads back exactly from our XML: no CR (it leaves our "&#13;" undecoded). */
  const forTheirParser = (value: string) => value.replace(/\r/g, '');

  it(`parses what Transformer.toXml builds for ${CASES} random parameter sets`, async () => {
    const rand = prng(0x0c0dec03);
    for (let i = 0; i < CASES; i++) {
      const params = randomFor(rand, forTheirBuilder);
      const xml = Transformer.toXml(params);
      const context = `case ${i}: ${JSON.stringify(params)} -> ${JSON.stringify(xml)}`;
      expect({ context, fields: await parseOrError(xml) }).toEqual({ context, fields: expectedFields(params) });
    }
  });

  it(`writes XML that Transformer.toObject reads back for ${CASES} random parameter sets`, async () => {
    const rand = prng(0x0c0dec04);
    for (let i = 0; i < CASES; i++) {
      const params = randomFor(rand, forTheirParser);
      const xml = buildPayXml(params);
      const context = `case ${i}: ${JSON.stringify(params)} -> ${JSON.stringify(xml)}`;
      expect({ context, fields: Transformer.toObject(xml) }).toEqual({ context, fields: expectedFields(params) });
    }
  });

  it('documents where it differs: "]]>" in its builder, character references in its parser', async () => {
    // Its builder wraps "x]]>y" in a single CDATA section, which ends early: the value read back is not the value sent.
    const broken = Transformer.toXml({ a: 'x]]>y' });
    expect(broken).toBe('<xml><a><![CDATA[x]]>y]]></a></xml>');
    expect((await parsePayXml(broken)).a).not.toBe('x]]>y');
    // Ours splits the section; its parser reads that back exactly.
    expect(Transformer.toObject(buildPayXml({ a: 'x]]>y' }))).toEqual({ a: 'x]]>y' });
    // Its parser leaves a character reference undecoded (and trims text outside CDATA).
    expect(Transformer.toObject('<xml><a>&#13;</a><b> x </b></xml>')).toEqual({ a: '&#13;', b: 'x' });
    expect(await parsePayXml('<xml><a>&#13;</a><b> x </b></xml>')).toEqual({ a: '\r', b: ' x ' });
  });
});
