import { Parser } from 'xml2js';
import { PayXmlError } from '../errors/pay-xml.error';

/** Default largest document {@link parsePayXml} accepts: 64 KiB. @publicApi */
export const PAY_XML_MAX_BYTES = 64 * 1024;

/** Options of {@link parsePayXml}. @publicApi */
export interface ParsePayXmlOptions {
  /** Largest accepted document in bytes (UTF-8). Default {@link PAY_XML_MAX_BYTES}. */
  maxBytes?: number;
  /** Expected name of the root element. Default `xml`; a decrypted refund `req_info` has `root`. */
  root?: string;
}

/** Options of {@link buildPayXml}. @publicApi */
export interface BuildPayXmlOptions {
  /** Name of the root element. Default `xml`. */
  root?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Any character outside the XML 1.0 `Char` production; lone surrogates included (`u` flag). */
/** @internal */
export const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Where {@link scanMarkup} must look: a CDATA start, any other `<!`, any `&`. */
const MARKUP = /<!\[CDATA\[|<!|&/g;

/** The only references accepted: the five predefined entities and character references. */
const REFERENCE = /&(?:amp|lt|gt|quot|apos|#[0-9]{1,8}|#x[0-9A-Fa-f]{1,8});/y;
/** A leading `<?xml …?>` declaration, the only processing instruction a WeChat document has. */
const XML_DECLARATION = /^\s*<\?xml\s[^<>?]*\?>/;

/** Prefix given to every element name while xml2js builds its object, so no name can collide with its own keys. */
/** @internal */
export const TAG_PREFIX = 'el:';

const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true });

function assertName(name: string, what: string): void {
  if (!NAME.test(name)) throw new TypeError(`WeChat Pay XML ${what} "${name}" must match ${NAME}`);
}

/**
 * CDATA sections for a value: `]]>` is split across two sections and `\r` is written as
 * `&#13;` (an XML parser turns a literal CR or CRLF into LF, even inside CDATA).
 */
function wrapValue(value: string): string {
  if (!value.includes('\r') && !value.includes(']]>')) return value === '' ? '' : `<![CDATA[${value}]]>`;
  return value
    .split('\r')
    .map((part) => (part === '' ? '' : `<![CDATA[${part.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`))
    .join('&#13;');
}

/**
 * Builds a WeChat Pay v2 XML body: `<xml><k><![CDATA[v]]></k>...</xml>` in the order of the
 * keys. `undefined` and `null` values are left out; numbers are written bare; every string is
 * put in CDATA so that any text (`<`, `&`, `]]>`, CR, emoji) reads back exactly.
 *
 * @throws TypeError for a key that is not `[A-Za-z_][A-Za-z0-9_]*`, a number that is not
 *   finite, a value of another type, or a character that XML 1.0 cannot carry (such as NUL).
 * @publicApi
 */
export function buildPayXml(params: Record<string, string | number | undefined | null>, options: BuildPayXmlOptions = {}): string {
  const root = options.root ?? 'xml';
  assertName(root, 'root element name');
  let body = '';
  for (const key of Object.keys(params)) {
    const value: unknown = params[key];
    if (value === undefined || value === null) continue;
    assertName(key, 'element name');
    let text: string;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`WeChat Pay XML value of "${key}" must be a finite number`);
      text = String(value);
    } else if (typeof value === 'string') {
      if (NOT_XML_CHAR.test(value)) throw new TypeError(`WeChat Pay XML value of "${key}" holds a character XML 1.0 cannot carry`);
      text = wrapValue(value);
    } else {
      throw new TypeError(`WeChat Pay XML value of "${key}" must be a string or a number, got ${typeof value}`);
    }
    body += `<${key}>${text}</${key}>`;
  }
  return `<${root}>${body}</${root}>`;
}

/**
 * The text of a document given as bytes or a string, within `maxBytes` of UTF-8 (a BOM dropped).
 * @internal
 */
export function toText(xml: string | Buffer, maxBytes: number): string {
  if (Buffer.isBuffer(xml)) {
    if (xml.length > maxBytes) throw new PayXmlError('TOO_LARGE');
    try {
      // A UTF-8 BOM is dropped; UTF-16 (with or without BOM) is not UTF-8 and fails here or on its NUL bytes.
      return UTF8_DECODER.decode(xml);
    } catch (cause) {
      throw new PayXmlError('MALFORMED', { cause });
    }
  }
  if (typeof xml !== 'string') throw new PayXmlError('MALFORMED');
  // Each UTF-16 code unit takes at least one UTF-8 byte: a cheap bound first.
  if (xml.length > maxBytes || Buffer.byteLength(xml, 'utf8') > maxBytes) throw new PayXmlError('TOO_LARGE');
  return xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
}

/**
 * Refuses, before any parsing, what a flat WeChat document never holds and what XML attacks
 * need: any `<!` other than a CDATA section (DOCTYPE, ENTITY, comments: XXE, billion laughs),
 * a reference other than the five predefined entities or a character reference (sax would
 * otherwise expand HTML entities such as `&nbsp;`), and processing instructions other than a
 * leading XML declaration (inside one, a `<![CDATA[` would otherwise hide what follows from this
 * scan). Characters outside XML 1.0 are refused before it, by {@link parsePayXml}.
 * @internal
 */
export function scanMarkup(text: string): void {
  if (text.replace(XML_DECLARATION, '').includes('<?')) throw new PayXmlError('MALFORMED');
  MARKUP.lastIndex = 0;
  for (let match = MARKUP.exec(text); match; match = MARKUP.exec(text)) {
    if (match[0] === '<![CDATA[') {
      const end = text.indexOf(']]>', MARKUP.lastIndex);
      if (end < 0) throw new PayXmlError('MALFORMED');
      MARKUP.lastIndex = end + 3;
    } else if (match[0] === '<!') {
      throw new PayXmlError('DOCTYPE');
    } else {
      REFERENCE.lastIndex = match.index;
      if (!REFERENCE.test(text)) throw new PayXmlError('MALFORMED');
    }
  }
}

/** Runs xml2js synchronously; `undefined` for an empty document. Fails on a second root or text after the root. @internal */
export function parseWithXml2js(text: string): unknown {
  const parser = new Parser({
    strict: true,
    async: false,
    explicitRoot: true,
    explicitArray: false,
    explicitCharkey: false,
    trim: false,
    normalize: false,
    xmlns: false,
    tagNameProcessors: [(name: string) => TAG_PREFIX + name],
  });
  const roots: unknown[] = [];
  let failure: unknown;
  let failed = false;
  parser.on('end', (result: unknown) => roots.push(result));
  parser.on('error', (err: unknown) => {
    if (!failed) failure = err;
    failed = true;
  });
  try {
    // Without a callback xml2js does not reset itself when the root closes, so sax goes on to
    // the end of the text and reports whatever follows the root.
    parser.parseString(text);
  } catch (err) {
    if (!failed) failure = err;
    failed = true;
  }
  if (failed) throw new PayXmlError('MALFORMED', { cause: failure });
  if (roots.length > 1) throw new PayXmlError('MALFORMED');
  return roots[0] ?? undefined;
}

function defineField(target: Record<string, string>, key: string, value: string): void {
  // defineProperty, so that an element called `__proto__` is an ordinary own field.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const enum Code {
  Tab = 9,
  Lf = 10,
  Space = 32,
  Hash = 35,
  Slash = 47,
  Lt = 60,
  Gt = 62,
  LowerX = 120,
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const CDATA_OPEN = '<![CDATA[';

function skipSpace(text: string, i: number): number {
  for (let c = text.charCodeAt(i); c === Code.Space || c === Code.Lf || c === Code.Tab; c = text.charCodeAt(++i));
  return i;
}

/** A code point an XML 1.0 character reference may name. */
function isXmlCodePoint(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * Character data between `start` and `end` with its references decoded, or `undefined` for
 * anything the fast path leaves to the full parser (`]]>`, an unusual reference).
 */
function decodeText(text: string, start: number, end: number): string | undefined {
  const raw = text.slice(start, end);
  if (raw.includes(']]>')) return undefined;
  let amp = raw.indexOf('&');
  if (amp < 0) return raw;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 10) return undefined;
    let decoded: string | undefined;
    if (raw.charCodeAt(amp + 1) === Code.Hash) {
      const hex = raw.charCodeAt(amp + 2) === Code.LowerX;
      const digits = raw.slice(amp + (hex ? 3 : 2), semi);
      if (!(hex ? /^[0-9A-Fa-f]{1,6}$/ : /^[0-9]{1,7}$/).test(digits)) return undefined;
      const cp = parseInt(digits, hex ? 16 : 10);
      if (!isXmlCodePoint(cp)) return undefined;
      decoded = String.fromCodePoint(cp);
    } else {
      decoded = PREDEFINED[raw.slice(amp + 1, semi)];
      if (decoded === undefined) return undefined;
    }
    out += raw.slice(from, amp) + decoded;
    from = semi + 1;
    amp = raw.indexOf('&', from);
  }
  return out + raw.slice(from);
}

/**
 * The fast path of {@link parsePayXml}: one pass over the exact shape WeChat sends, `<xml>`
 * then, between optional whitespace, `<name>` text, references and CDATA `</name>`, nothing
 * else. It answers `undefined` for anything outside that shape (declarations, comments,
 * DOCTYPE, attributes, nesting, repeated or unusual names, self-closing tags, errors), and
 * the full parser then decides: what this accepts, xml2js reads to the same fields (a
 * differential test holds them to it), and what it refuses still gets xml2js's and the
 * pre-scan's exact verdict. The text has already passed the XML character check.
 * @internal
 */
export function parseFlatPayXml(text: string, rootName: string): Record<string, string> | undefined {
  let i = skipSpace(text, 0);
  const open = `<${rootName}>`;
  if (!text.startsWith(open, i)) return undefined;
  i += open.length;
  const out: Record<string, string> = {};
  for (;;) {
    i = skipSpace(text, i);
    if (text.charCodeAt(i) !== Code.Lt) return undefined;
    if (text.charCodeAt(i + 1) === Code.Slash) {
      const close = `</${rootName}>`;
      if (!text.startsWith(close, i)) return undefined;
      return skipSpace(text, i + close.length) === text.length ? out : undefined;
    }
    const gt = text.indexOf('>', i + 1);
    if (gt < 0) return undefined;
    const name = text.slice(i + 1, gt);
    if (!NAME.test(name) || Object.prototype.hasOwnProperty.call(out, name)) return undefined;
    i = gt + 1;
    let value = '';
    for (;;) {
      const lt = text.indexOf('<', i);
      if (lt < 0) return undefined;
      if (lt > i) {
        const part = decodeText(text, i, lt);
        if (part === undefined) return undefined;
        value += part;
      }
      if (text.startsWith(CDATA_OPEN, lt)) {
        const end = text.indexOf(']]>', lt + CDATA_OPEN.length);
        if (end < 0) return undefined;
        value += text.slice(lt + CDATA_OPEN.length, end);
        i = end + 3;
        continue;
      }
      if (text.charCodeAt(lt + 1) !== Code.Slash || !text.startsWith(name, lt + 2) || text.charCodeAt(lt + 2 + name.length) !== Code.Gt) {
        return undefined;
      }
      i = lt + 3 + name.length;
      break;
    }
    defineField(out, name, value);
  }
}

/**
 * Parses a flat WeChat Pay v2 XML document into a plain object of strings, safely:
 * - larger than `maxBytes` (64 KiB by default): `TOO_LARGE`;
 * - any `<!` outside a CDATA section (DOCTYPE, ENTITY, comment): `DOCTYPE`, checked before parsing;
 * - not UTF-8, not well-formed, an unknown entity, anything after the root: `MALFORMED`;
 * - no root element or one not named `root` (default `xml`): `NO_ROOT`;
 * - text, attributes, a nested element or a repeated element in the root: `NOT_FLAT`.
 *
 * Values are the exact text of each element (CDATA and text joined, whitespace kept, `''` for
 * an empty element). Indexed fields such as `coupon_fee_0` stay separate keys.
 *
 * @throws PayXmlError (as a rejected promise) with a `reason`.
 * @publicApi
 */
export async function parsePayXml(xml: string | Buffer, opts: ParsePayXmlOptions = {}): Promise<Record<string, string>> {
  const maxBytes = opts.maxBytes ?? PAY_XML_MAX_BYTES;
  const rootName = opts.root ?? 'xml';
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new TypeError('maxBytes must be a non-negative integer');
  assertName(rootName, 'root element name');

  const text = toText(xml, maxBytes);
  if (NOT_XML_CHAR.test(text)) throw new PayXmlError('MALFORMED');
  return parseFlatPayXml(text, rootName) ?? parseFullPayXml(text, rootName);
}

/**
 * The full path of {@link parsePayXml}: the markup pre-scan, then xml2js, then the flat-document
 * checks. The text has already passed the XML character check.
 * @internal
 */
export function parseFullPayXml(text: string, rootName: string): Record<string, string> {
  scanMarkup(text);
  const parsed = parseWithXml2js(text);
  if (parsed === null || parsed === undefined || typeof parsed !== 'object') throw new PayXmlError('NO_ROOT');
  const rootKey = TAG_PREFIX + rootName;
  const keys = Object.keys(parsed);
  if (keys.length !== 1 || keys[0] !== rootKey) throw new PayXmlError('NO_ROOT');

  const root: unknown = (parsed as Record<string, unknown>)[rootKey];
  const out: Record<string, string> = {};
  // `<xml/>`, `<xml></xml>` and `<xml> </xml>` are empty; any other text is not flat.
  if (typeof root === 'string') {
    if (root.trim() !== '') throw new PayXmlError('NOT_FLAT');
    return out;
  }
  if (root === null || typeof root !== 'object') throw new PayXmlError('NOT_FLAT');
  for (const [key, value] of Object.entries(root)) {
    // Only prefixed keys are elements: `_` (text) and `$` (attributes) are not flat.
    if (!key.startsWith(TAG_PREFIX) || typeof value !== 'string') throw new PayXmlError('NOT_FLAT');
    defineField(out, key.slice(TAG_PREFIX.length), value);
  }
  return out;
}
