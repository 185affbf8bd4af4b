import { Transformer } from 'wechatpay-axios-plugin';
import { Parser } from 'xml2js';
import { vector } from '../../test/fixtures/vectors';
import { PayXmlError, PayXmlReason } from '../errors/pay-xml.error';
import { decryptRefundReqInfo, payV2Sign, verifyPayV2Sign } from './pay-sign.crypto';
import { buildPayXml, PAY_XML_MAX_BYTES, parseFlatPayXml, parseFullPayXml, parsePayXml } from './pay-xml.codec';
import { pick, prng } from '../../test/utils/prng';

const couponVector = vector<{ xml: string }, Record<string, string>>('pay_v2_notify_official_sample_with_coupons');
const notifyVector = vector<{ v2_key: string; xml: string }, { sign: string }>('pay_v2_notify_min_easywechat_node');
const refundVector = vector<{ v2_key: string; xml: string }, { req_info_plaintext: string; outer_sign: string }>(
  'refund_notify_req_info_easywechat_node_min',
);

/** Text pieces XML 1.0 can carry, the awkward ones included. */
const SAFE_PIECES = [
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

function randomText(rand: () => number, pieces: readonly string[], max = 10): string {
  let out = '';
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) out += pick(rand, pieces);
  return out;
}

function randomKey(rand: () => number, awkward: boolean): string {
  if (awkward && rand() < 0.1) return pick(rand, AWKWARD_KEYS);
  let key = pick(rand, KEY_HEADS);
  const n = Math.floor(rand() * 12);
  for (let i = 0; i < n; i++) key += pick(rand, KEY_TAILS);
  return key;
}

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

async function rejection(promise: Promise<unknown>): Promise<PayXmlError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PayXmlError) return err;
    throw err;
  }
  throw new Error('expected a PayXmlError, but the promise resolved');
}

async function expectReason(input: string | Buffer, reason: PayXmlReason, opts?: Parameters<typeof parsePayXml>[1]): Promise<PayXmlError> {
  const err = await rejection(parsePayXml(input, opts));
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe('PayXmlError');
  expect(err.reason).toBe(reason);
  expect(err.message).toMatch(/^Invalid WeChat Pay XML: /);
  return err;
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<xml><a>&lol9;</a></xml>`;

describe('parsePayXml', () => {
  describe('official notify sample with coupons (pay_v2_notify_official_sample_with_coupons)', () => {
    it('gives every field as a string, indexed coupon fields as separate keys, CDATA and plain text alike', async () => {
      const fields = await parsePayXml(couponVector.inputs.xml);
      expect(fields).toMatchObject(couponVector.expected);
      expect(fields).toEqual({
        appid: 'wx2421b1c4370ec43b',
        attach: '支付测试',
        bank_type: 'CFT',
        fee_type: 'CNY',
        is_subscribe: 'Y',
        mch_id: '10000100',
        nonce_str: '5d2b6c2a8db53831f7eda20af46e531c',
        openid: 'oUpF8uMEb4qRXf22hE3X68TekukE',
        out_trade_no: '1409811653',
        result_code: 'SUCCESS',
        return_code: 'SUCCESS',
        sign: 'B552ED6B279343CB493C5DD0D78AB241',
        sub_mch_id: '10000100',
        time_end: '20140903131540',
        total_fee: '1',
        trade_type: 'JSAPI',
        transaction_id: '1004400740201409030005092168',
        coupon_count: '2',
        coupon_type_1: 'NO_CASH',
        coupon_id_1: '10001',
        coupon_fee_1: '200',
        coupon_type_0: 'CASH',
        coupon_id_0: '10000',
        coupon_fee_0: '100',
      });
      expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    });

    it('reads the same from a Buffer, with or without a UTF-8 BOM', async () => {
      const expected = await parsePayXml(couponVector.inputs.xml);
      expect(await parsePayXml(Buffer.from(couponVector.inputs.xml))).toEqual(expected);
      expect(await parsePayXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(couponVector.inputs.xml)]))).toEqual(expected);
      expect(await parsePayXml(`\ufeff${couponVector.inputs.xml}`)).toEqual(expected);
    });
  });

  it('parses and verifies the notify vector (pay_v2_notify_min_easywechat_node)', async () => {
    const fields = await parsePayXml(notifyVector.inputs.xml);
    expect(fields).toEqual({ foo: 'bar', sign: notifyVector.expected.sign });
    expect(verifyPayV2Sign(fields, notifyVector.inputs.v2_key)).toBe(true);
  });

  it('parses the refund notify vector, verifies its sign and decrypts req_info (refund_notify_req_info_easywechat_node_min)', async () => {
    const outer = await parsePayXml(refundVector.inputs.xml);
    expect(Object.keys(outer)).toEqual(['req_info', 'sign']);
    expect(verifyPayV2Sign(outer, refundVector.inputs.v2_key)).toBe(true);
    const plain = decryptRefundReqInfo(outer.req_info, refundVector.inputs.v2_key);
    expect(plain).toBe(refundVector.expected.req_info_plaintext);
    expect(await parsePayXml(plain, { root: 'foo' })).toEqual({ bar: '123' });
    await expectReason(plain, 'NO_ROOT');
    await expectReason(plain, 'NO_ROOT', { root: 'root' });
  });

  it('keeps whitespace, joins CDATA and text, and reads empty elements as ""', async () => {
    const xml = '<xml><a>  x  </a><b>p<![CDATA[<&>]]>q</b><c/><d></d><e><![CDATA[]]></e><f> </f><g>\n\t</g><h><![CDATA[ ]]></h></xml>';
    expect(await parsePayXml(xml)).toEqual({ a: '  x  ', b: 'p<&>q', c: '', d: '', e: '', f: ' ', g: '\n\t', h: ' ' });
  });

  it('decodes the five predefined entities and character references, nothing else', async () => {
    const xml = '<xml><a>&amp;&lt;&gt;&quot;&apos;</a><b>&#38;&#x26;&#x1F600;&#13;</b></xml>';
    expect(await parsePayXml(xml)).toEqual({ a: `&<>"'`, b: '&&😀\r' });
  });

  it('accepts an XML declaration, whitespace around the root and a self-closing root', async () => {
    expect(await parsePayXml('<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n<a>1</a>\n</xml>\n')).toEqual({ a: '1' });
    expect(await parsePayXml('<xml/>')).toEqual({});
    expect(await parsePayXml('<xml>\n</xml>')).toEqual({});
  });

  it('makes an element called __proto__ an ordinary own field, without touching any prototype', async () => {
    const fields = await parsePayXml('<xml><__proto__>p</__proto__><constructor>c</constructor><_>u</_><cdata>d</cdata></xml>');
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.keys(fields)).toEqual(['__proto__', 'constructor', '_', 'cdata']);
    expect(Object.getOwnPropertyDescriptor(fields, '__proto__')?.value).toBe('p');
    expect(fields.constructor).toBe('c');
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });

  it('takes the root name as an option (root for a decrypted req_info)', async () => {
    expect(await parsePayXml('<root><refund_status>SUCCESS</refund_status></root>', { root: 'root' })).toEqual({
      refund_status: 'SUCCESS',
    });
    await expectReason('<xml><a>1</a></xml>', 'NO_ROOT', { root: 'root' });
    await expect(parsePayXml('<xml/>', { root: 'a b' })).rejects.toThrow(TypeError);
  });

  it('accepts exactly maxBytes bytes, counted in UTF-8', async () => {
    const pad = (n: number) => `<xml><a>${'é'.repeat(n)}</a></xml>`;
    const doc = pad(10);
    const bytes = Buffer.byteLength(doc);
    expect(bytes).toBe(doc.length + 10);
    expect(await parsePayXml(doc, { maxBytes: bytes })).toEqual({ a: 'é'.repeat(10) });
    await expectReason(doc, 'TOO_LARGE', { maxBytes: bytes - 1 });
    await expectReason(Buffer.from(doc), 'TOO_LARGE', { maxBytes: bytes - 1 });
    expect(await parsePayXml(Buffer.from(doc), { maxBytes: bytes })).toEqual({ a: 'é'.repeat(10) });
  });

  it('defaults maxBytes to 64 KiB', async () => {
    expect(PAY_XML_MAX_BYTES).toBe(65536);
    const shell = '<xml><a></a></xml>';
    const fits = `<xml><a>${'x'.repeat(PAY_XML_MAX_BYTES - shell.length)}</a></xml>`;
    expect(Buffer.byteLength(fits)).toBe(PAY_XML_MAX_BYTES);
    expect((await parsePayXml(fits)).a).toHaveLength(PAY_XML_MAX_BYTES - shell.length);
    await expectReason(fits.replace('<a>', '<a>x'), 'TOO_LARGE');
    await expectReason(Buffer.from(fits.replace('<a>', '<a>x')), 'TOO_LARGE');
  });

  it('refuses 10 MB at once, before parsing', async () => {
    const huge = `<xml><a>${'x'.repeat(10_000_000)}</a></xml>`;
    const parse = jest.spyOn(Parser.prototype, 'parseString');
    try {
      await expectReason(huge, 'TOO_LARGE');
      await expectReason(Buffer.from(huge), 'TOO_LARGE');
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  it('rejects an invalid maxBytes with a TypeError', async () => {
    await expect(parsePayXml('<xml/>', { maxBytes: -1 })).rejects.toThrow(TypeError);
    await expect(parsePayXml('<xml/>', { maxBytes: Number.NaN })).rejects.toThrow(TypeError);
  });

  describe('DOCTYPE, ENTITY and other markup declarations (XXE, billion laughs)', () => {
    it.each([
      [
        'XXE with an external general entity',
        '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><a>&xxe;</a></xml>',
      ],
      ['billion laughs', BILLION_LAUGHS],
      ['an external DTD', '<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd"><xml><a>1</a></xml>'],
      ['an external DTD with PUBLIC', '<!DOCTYPE xml PUBLIC "-//x//EN" "http://127.0.0.1:9/evil.dtd"><xml/>'],
      ['a parameter entity', '<!DOCTYPE xml [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p"> %p;]><xml/>'],
      ['an internal entity used nowhere', '<!DOCTYPE xml [<!ENTITY x "y">]><xml><a>1</a></xml>'],
      ['a lowercase doctype', '<!doctype xml><xml><a>1</a></xml>'],
      ['a mixed-case doctype', '<!DoCtYpE xml><xml/>'],
      ['an ENTITY without DOCTYPE', '<!ENTITY x "y"><xml/>'],
      ['a DOCTYPE after the root', '<xml><a>1</a></xml><!DOCTYPE xml>'],
      ['a DOCTYPE inside the root', '<xml><!DOCTYPE xml><a>1</a></xml>'],
      ['a comment', '<xml><!-- hi --><a>1</a></xml>'],
      ['a lowercase cdata marker', '<xml><a><![cdata[x]]></a></xml>'],
      ['a DOCTYPE after a UTF-8 BOM', '\ufeff<!DOCTYPE xml [<!ENTITY x "y">]><xml><a>&x;</a></xml>'],
      ['a DOCTYPE after a closed CDATA section', '<xml><a><![CDATA[ok]]></a><!DOCTYPE x></xml>'],
    ])('rejects %s: DOCTYPE', async (_label, xml) => {
      await expectReason(xml, 'DOCTYPE');
      await expectReason(Buffer.from(xml), 'DOCTYPE');
    });

    it.each([
      ['UTF-16LE with BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BILLION_LAUGHS, 'utf16le')])],
      ['UTF-16BE with BOM', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(BILLION_LAUGHS, 'utf16le').swap16()])],
      ['UTF-16LE without BOM', Buffer.from(BILLION_LAUGHS, 'utf16le')],
      ['UTF-16BE without BOM', Buffer.from(BILLION_LAUGHS, 'utf16le').swap16()],
      ['UTF-16LE of a harmless document', Buffer.from('<xml><a>1</a></xml>', 'utf16le')],
    ])('rejects %s: MALFORMED (only UTF-8 is read)', async (_label, buffer) => {
      await expectReason(buffer, 'MALFORMED');
    });

    it('rejects a doctype whose "<" and "!" are split by a NUL: MALFORMED', async () => {
      await expectReason('<\u0000!DOCTYPE xml><xml/>', 'MALFORMED');
    });

    it('accepts "<!DOCTYPE" and "<!--" as text inside CDATA', async () => {
      const xml = '<xml><a><![CDATA[<!DOCTYPE x [<!ENTITY y "z">]> <!-- &y; ]]></a><b>1</b></xml>';
      expect(await parsePayXml(xml)).toEqual({ a: '<!DOCTYPE x [<!ENTITY y "z">]> <!-- &y; ', b: '1' });
    });
  });

  describe('MALFORMED', () => {
    it.each([
      ['an unclosed root', '<xml><a>1</a>'],
      ['an unclosed child', '<xml><a>1</xml>'],
      ['mismatched tags', '<xml><a>1</b></xml>'],
      ['text before the root', 'x<xml><a>1</a></xml>'],
      ['text after the root', '<xml><a>1</a></xml>x'],
      ['a second root', '<xml><a>1</a></xml><xml><a>2</a></xml>'],
      ['a second, empty root', '<xml><a>1</a></xml><xml/>'],
      ['an HTML entity (sax would expand it)', '<xml><a>&nbsp;</a></xml>'],
      ['an uppercase predefined entity (sax would expand it)', '<xml><a>&AMP;</a></xml>'],
      ['an undeclared entity', '<xml><a>&xxe;</a></xml>'],
      ['a bare "&"', '<xml><a>a & b</a></xml>'],
      ['an unterminated reference', '<xml><a>&amp</a></xml>'],
      ['a reference to NUL', '<xml><a>&#0;</a></xml>'],
      ['a reference beyond Unicode', '<xml><a>&#x110000;</a></xml>'],
      ['a raw NUL', '<xml><a>\u0000</a></xml>'],
      ['a raw control character', '<xml><a>\u0001</a></xml>'],
      ['a lone surrogate', '<xml><a>\ud800</a></xml>'],
      ['U+FFFE', '<xml><a>\ufffe</a></xml>'],
      ['an unterminated CDATA section', '<xml><a><![CDATA[x</a></xml>'],
      ['a "<" in text', '<xml><a>a < b</a></xml>'],
      ['plain text', 'return_code=SUCCESS'],
      ['JSON', '{"return_code":"SUCCESS"}'],
    ])('rejects %s', async (_label, xml) => {
      await expectReason(xml, 'MALFORMED');
    });

    it('rejects bytes that are not UTF-8', async () => {
      await expectReason(Buffer.from([0x3c, 0x78, 0x6d, 0x6c, 0x3e, 0xc3, 0x28, 0x3c, 0x2f, 0x78, 0x6d, 0x6c, 0x3e]), 'MALFORMED');
      await expectReason(Buffer.from('<xml><a>\u00e9</a></xml>', 'latin1'), 'MALFORMED');
    });

    it('rejects input that is neither a string nor a Buffer', async () => {
      await expectReason(12345 as unknown as string, 'MALFORMED');
      await expectReason({ xml: {} } as unknown as string, 'MALFORMED');
    });
  });

  describe('NO_ROOT', () => {
    it.each([
      ['an empty string', ''],
      ['whitespace', ' \n\t '],
      ['only an XML declaration', '<?xml version="1.0"?>'],
      ['another root name', '<root><a>1</a></root>'],
      ['an uppercase root name', '<XML><a>1</a></XML>'],
      ['an HTML page', '<html><body>502 Bad Gateway</body></html>'],
    ])('rejects %s', async (_label, xml) => {
      await expectReason(xml, 'NO_ROOT');
    });

    it('rejects an empty Buffer', async () => {
      await expectReason(Buffer.alloc(0), 'NO_ROOT');
    });
  });

  describe('NOT_FLAT', () => {
    it.each([
      ['a nested element', '<xml><a><b>1</b></a></xml>'],
      ['a nested empty element', '<xml><a><b/></a></xml>'],
      ['deep nesting', `<xml>${'<a>'.repeat(500)}1${'</a>'.repeat(500)}</xml>`],
      ['a repeated element', '<xml><a>1</a><a>2</a></xml>'],
      ['a repeated empty element', '<xml><a/><a/></xml>'],
      ['an attribute on a child', '<xml><a x="1">1</a></xml>'],
      ['an attribute on an empty child', '<xml><a x="1"/></xml>'],
      ['an attribute on the root', '<xml lang="zh"><a>1</a></xml>'],
      ['text in the root', '<xml>hello<a>1</a></xml>'],
      ['text alone in the root', '<xml>hello</xml>'],
      ['CDATA in the root', '<xml><![CDATA[x]]><a>1</a></xml>'],
      ['whitespace CDATA in the root', '<xml><a>1</a><![CDATA[ ]]></xml>'],
    ])('rejects %s', async (_label, xml) => {
      await expectReason(xml, 'NOT_FLAT');
    });
  });

  it('never quotes the document in the error message', async () => {
    const secret = 'S3cr3tValue0123456789';
    for (const [xml, reason] of [
      [`<xml><a>${secret}</a>`, 'MALFORMED'],
      [`<xml><a><b>${secret}</b></a></xml>`, 'NOT_FLAT'],
      [`<!DOCTYPE ${secret}><xml/>`, 'DOCTYPE'],
      [`<${secret}/>`, 'NO_ROOT'],
    ] as const) {
      const err = await expectReason(xml, reason);
      expect(err.message).not.toContain(secret);
      expect(JSON.stringify(err)).not.toContain(secret);
    }
  });
});

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

describe('the fast path and the full path (xml2js) agree', () => {
  /** Pieces of a document: the shape WeChat sends, and everything around it that the fast path must leave alone. */
  const SPACES = ['', ' ', '\n', '\t', '\r\n', '\u00a0', '  \n  '];
  const CONTENT = [
    ...SAFE_PIECES.filter((piece) => !/[<&]/.test(piece)),
    '&amp;',
    '&lt;',
    '&gt;',
    '&quot;',
    '&apos;',
    '&#13;',
    '&#x41;',
    '&#X41;',
    '&#65;',
    '&#0065;',
    '&#0;',
    '&#xD800;',
    '&#x10FFFF;',
    '&#x110000;',
    '&#99999999;',
    '&nbsp;',
    '&amp',
    '&;',
    '&#;',
    '<![CDATA[x]]>',
    '<![CDATA[]]>',
    '<![CDATA[a\r\nb]]>',
    '<![CDATA[<b>&amp;]]>',
    '<![CDATA[unterminated',
    '<!-- c -->',
    '<?pi x?>',
    '<b>t</b>',
    '<b/>',
    ']]>',
    '<',
  ];
  const CLEAN_CONTENT = CONTENT.filter(
    (piece) => !/\r|^<(?!!\[CDATA\[[^\r]*\]\]>$)|^&(?!amp;|lt;|gt;|quot;|apos;|#13;|#x41;|#65;)|^\]\]>$/.test(piece),
  );
  const OPENERS = ['', '<?xml version="1.0" encoding="UTF-8"?>', '\ufeff', '<!DOCTYPE xml>', '<!-- c -->', 'junk'];
  const CHILD_NAMES = ['a', 'return_code', 'sign', '__proto__', 'a-b', 'a.b', 'x:y', 'A1', '1a', ''];

  /** Clean documents most of the time (the fast path's ground), hostile pieces and mutations now and then. */
  function randomDocument(rand: () => number): string {
    // Clean, clean but for the odd hostile piece of content or space, or hostile throughout.
    const mode = rand();
    const hostile = mode < 0.3;
    const spiced = !hostile && mode < 0.6;
    const cleanSpaces = SPACES.slice(0, 4).filter((space) => !space.includes('\r'));
    const spaces = hostile ? SPACES : spiced ? [...cleanSpaces, ...cleanSpaces, ...SPACES] : cleanSpaces;
    const content = hostile
      ? CONTENT
      : spiced
        ? [...CLEAN_CONTENT, ...CONTENT.filter((piece) => !CLEAN_CONTENT.includes(piece)).slice(0, 12)]
        : CLEAN_CONTENT;
    const root = !hostile || rand() < 0.8 ? 'xml' : pick(rand, ['root', 'XML', 'xml a="1"', 'xml/']);
    let doc = (hostile ? pick(rand, OPENERS) : '') + pick(rand, spaces) + `<${root}>`;
    const children = Math.floor(rand() * 8);
    const names: string[] = [];
    for (let i = 0; i < children; i++) {
      const name =
        hostile && rand() < 0.2 && names.length
          ? pick(rand, names)
          : !hostile || rand() < 0.7
            ? randomKey(rand, true)
            : pick(rand, CHILD_NAMES);
      names.push(name);
      const closing = !hostile || rand() < 0.9 ? name : `${name}x`;
      doc += pick(rand, spaces) + (hostile && rand() < 0.05 ? `<${name}/>` : `<${name}>${randomText(rand, content, 6)}</${closing}>`);
    }
    if (hostile && rand() < 0.1) doc += 'text';
    doc += pick(rand, spaces) + (!hostile || rand() < 0.9 ? `</${root.split(/[ /]/)[0]}>` : '') + pick(rand, spaces);
    if (hostile && rand() < 0.05) doc += '<xml></xml>';
    // Now and then one character removed, doubled or replaced.
    if (hostile && rand() < 0.3 && doc.length > 0) {
      const at = Math.floor(rand() * doc.length);
      const op = rand();
      doc =
        op < 0.33
          ? doc.slice(0, at) + doc.slice(at + 1)
          : op < 0.66
            ? doc.slice(0, at) + doc[at] + doc.slice(at)
            : doc.slice(0, at) + pick(rand, ['<', '>', '&', '/', ']']) + doc.slice(at + 1);
    }
    return doc;
  }

  function full(text: string): unknown {
    try {
      return { fields: parseFullPayXml(text, 'xml') };
    } catch (err) {
      return { error: err instanceof PayXmlError ? err.reason : String(err) };
    }
  }

  it('takes the fast path for what WeChat sends', () => {
    expect(parseFlatPayXml(couponVector.inputs.xml, 'xml')).toMatchObject(couponVector.expected);
    expect(parseFlatPayXml(notifyVector.inputs.xml, 'xml')).toBeDefined();
    expect(parseFlatPayXml(buildPayXml({ a: 'x]]>y', b: 'line\r\nbreak', c: 1 }), 'xml')).toEqual({
      a: 'x]]>y',
      b: 'line\r\nbreak',
      c: '1',
    });
  });

  it('leaves declarations, comments, DOCTYPE, attributes, nesting, repeats and unusual references to the full path', () => {
    for (const text of [
      '<?xml version="1.0"?><xml><a>1</a></xml>',
      '<xml><!-- c --><a>1</a></xml>',
      '<!DOCTYPE xml [<!ENTITY e "x">]><xml><a>&e;</a></xml>',
      '<xml a="1"><a>1</a></xml>',
      '<xml><a><b>1</b></a></xml>',
      '<xml><a>1</a><a>2</a></xml>',
      '<xml><a>&nbsp;</a></xml>',
      '<xml/>',
      '<xml><a/></xml>',
    ]) {
      expect({ text, fast: parseFlatPayXml(text, 'xml') }).toEqual({ text, fast: undefined });
    }
  });

  it('for 12000 random documents: whatever the fast path reads, xml2js reads to the same fields, in the same order', () => {
    const rand = prng(0x0fa57);
    let fast = 0;
    for (let i = 0; i < 12000; i++) {
      const text = randomDocument(rand);
      const quick = parseFlatPayXml(text, 'xml');
      if (quick === undefined) continue;
      fast++;
      const slow = full(text);
      expect({ text, result: slow }).toEqual({ text, result: { fields: quick } });
      expect({ text, keys: Object.keys((slow as { fields: object }).fields) }).toEqual({ text, keys: Object.keys(quick) });
    }
    // The generator must exercise the fast path a good part of the time, or the test proves little.
    expect(fast).toBeGreaterThan(5000);
  });
});
