import { Parser } from 'xml2js';
import { vector } from '../../test/fixtures/vectors';
import { PayXmlError, PayXmlReason } from '../errors/pay-xml.error';
import { decryptRefundReqInfo, verifyPayV2Sign } from './pay-sign.crypto';
import { PAY_XML_MAX_BYTES, parsePayXml } from './pay-xml.codec';
import { couponVector, notifyVector } from './pay-xml.codec.spec-kit';

const refundVector = vector<{ v2_key: string; xml: string }, { req_info_plaintext: string; outer_sign: string }>(
  'refund_notify_req_info_easywechat_node_min',
);

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
