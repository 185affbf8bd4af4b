import fc from 'fast-check';

/** Element names `buildPayXml` accepts (`[A-Za-z_][A-Za-z0-9_]*`). */
export const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether a string holds only characters XML 1.0 can carry (no lone surrogates either). */
export const isXmlText = (s: string): boolean => !/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u.test(s);

/** Names that have tripped object-building parsers before, plus WeChat's own. */
const TRICKY_NAMES = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '_',
  'el',
  'xml',
  'root',
  'sign',
  'sign_type',
  'return_code',
  'req_info',
  'CDATA',
];

/** Element names, biased towards the tricky ones. */
export const fieldName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/) },
  { weight: 1, arbitrary: fc.constantFrom(...TRICKY_NAMES) },
);

/** One XML-legal "character" (or short sequence), biased towards what breaks escaping. */
const xmlPiece: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '<',
      '>',
      '&',
      '"',
      "'",
      ']',
      ']]>',
      ']]',
      '<![CDATA[',
      '&amp;',
      '&#13;',
      '&nbsp;',
      '\r',
      '\r\n',
      '\n',
      '\t',
      ' ',
      '\u00a0',
      '\ufeff',
      '\ufffd',
      '中文',
      '😀',
      '=',
      '<xml>',
      '</xml>',
      '<!DOCTYPE',
      '<!--',
    ),
  },
  { weight: 5, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter(isXmlText) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }).filter(isXmlText) },
);

/** A string of XML-legal characters (what `buildPayXml` can carry). */
export const xmlText = (maxLength = 24): fc.Arbitrary<string> => fc.array(xmlPiece, { maxLength }).map((parts) => parts.join(''));

/** A flat record as entries (unique keys, document order). */
export const flatEntries = (maxKeys = 12, maxValue = 24): fc.Arbitrary<Array<[string, string]>> =>
  fc.uniqueArray(fc.tuple(fieldName, xmlText(maxValue)), { selector: ([key]) => key, maxLength: maxKeys });

/** An object with exactly these own enumerable fields (`__proto__` included as an ordinary field). */
export function recordOf(entries: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Bits of XML and of attacks on XML parsers. */
const FRAGMENTS = [
  '<xml>',
  '</xml>',
  '<xml/>',
  '<root>',
  '</root>',
  '<a>',
  '</a>',
  '<b/>',
  '<a x="1">',
  "<a x='&amp;'>",
  '<xml xmlns:w="urn:x">',
  '<w:a>',
  '</w:a>',
  '<![CDATA[',
  ']]>',
  '<![CDATA[x]]>',
  '<![CDATA[<!DOCTYPE x>]]>',
  '<!DOCTYPE xml>',
  '<!DOCTYPE x [<!ENTITY e "v">]>',
  '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
  '<!ENTITY a "aaaaaaaaaa">',
  '<!ELEMENT a ANY>',
  '<!ATTLIST a x CDATA #IMPLIED>',
  '&e;',
  '&a;',
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#65;',
  '&#x41;',
  '&#0;',
  '&#x0;',
  '&#xD800;',
  '&#xFFFE;',
  '&#99999999;',
  '&#x110000;',
  '&nbsp;',
  '&copy;',
  '&',
  '&#',
  '<',
  '>',
  '</',
  '/>',
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<?xml version="1.0" encoding="UTF-16"?>',
  '<?pi data?>',
  '<?',
  '?>',
  '<!-- c -->',
  '<!--',
  '-->',
  '<!',
  '\ufeff',
  '\u0000',
  '\u0001',
  '\uD800',
  '\uDFFF',
  '\uFFFE',
  '\r\n',
  ' ',
  '\t',
  '<return_code>SUCCESS</return_code>',
  '<return_code><![CDATA[SUCCESS]]></return_code>',
  '<sign>ABC</sign>',
  '<a:b>',
  '</a:b>',
  '<$>',
  '<1a>',
  '<a b>',
  '=',
  '"',
  "'",
];

const fragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 2, arbitrary: fc.stringMatching(/^<\/?[A-Za-z_][A-Za-z0-9_:.-]{0,6}\/?>$/) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);

/** Random XML-ish text: fragments of XML, attacks and noise, sometimes inside `<xml>…</xml>`. */
export const xmlish: fc.Arbitrary<string> = fc
  .tuple(fc.array(fragment, { maxLength: 40 }), fc.boolean())
  .map(([parts, wrap]) => (wrap ? `<xml>${parts.join('')}</xml>` : parts.join('')));

/** Any string at all, lone surrogates included. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 200 }),
);
