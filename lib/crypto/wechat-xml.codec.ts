import { PayXmlError } from '../errors/pay-xml.error';
import { NOT_XML_CHAR, PAY_XML_MAX_BYTES, TAG_PREFIX, parseWithXml2js, scanMarkup, toText } from './pay-xml.codec';

/** A WeChat XML value: the text of a simple element, the fields of a nested one, or the values of a repeated one. @publicApi */
export type WeChatXmlValue = string | WeChatXmlObject | WeChatXmlValue[];
/** The fields of a WeChat XML element, by element name. @publicApi */
export interface WeChatXmlObject {
  [name: string]: WeChatXmlValue;
}

/** Deepest nesting a WeChat push has is three levels; anything far deeper is refused before it costs anything. */
const MAX_DEPTH = 16;

/**
 * Parses a WeChat XML document that may nest (a message push: `<xml><List><TemplateId>…</TemplateId></List></xml>`)
 * into plain objects, with the safety of {@link parsePayXml}: the size cap, no DTD, entity or comment, UTF-8 and XML
 * 1.0 characters only. A simple element is its text (CDATA and text joined), a nested one an object of its elements,
 * a repeated one an array of its values in order. Attributes and text mixed with elements are refused (`NOT_FLAT`): a
 * WeChat document has neither.
 *
 * @throws PayXmlError with a `reason`.
 * @publicApi
 */
export function parseWeChatXml(xml: string | Buffer, options: { maxBytes?: number; root?: string } = {}): WeChatXmlObject {
  const text = toText(xml, options.maxBytes ?? PAY_XML_MAX_BYTES);
  if (NOT_XML_CHAR.test(text)) throw new PayXmlError('MALFORMED');
  scanMarkup(text);
  const parsed = parseWithXml2js(text);
  const rootKey = TAG_PREFIX + (options.root ?? 'xml');
  if (parsed === null || typeof parsed !== 'object' || Object.keys(parsed).length !== 1 || !(rootKey in parsed)) {
    throw new PayXmlError('NO_ROOT');
  }
  const root = (parsed as Record<string, unknown>)[rootKey];
  if (typeof root === 'string') {
    if (root.trim() !== '') throw new PayXmlError('NOT_FLAT');
    return {};
  }
  return tree(root, 1) as WeChatXmlObject;
}

function tree(node: unknown, depth: number): WeChatXmlValue {
  if (depth > MAX_DEPTH) throw new PayXmlError('NOT_FLAT');
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return node.map((item) => tree(item, depth));
  if (node === null || typeof node !== 'object') throw new PayXmlError('MALFORMED');
  const out: WeChatXmlObject = {};
  for (const [key, value] of Object.entries(node)) {
    // Only prefixed keys are elements: `_` (text beside elements) and `$` (attributes) are not WeChat's.
    if (!key.startsWith(TAG_PREFIX)) throw new PayXmlError('NOT_FLAT');
    // defineProperty, so that an element called `__proto__` is an ordinary own field.
    Object.defineProperty(out, key.slice(TAG_PREFIX.length), {
      value: tree(value, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
