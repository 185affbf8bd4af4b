import { SimulatorInputError, isPlainObject } from '../server/simulator-http';
import type { SimPushFormat } from './push.interfaces';

/** A field name both formats can carry: an XML element name of ASCII letters, digits, `_`, `.` and `-`. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** WeChat's pushes nest three levels; a message far deeper is refused. */
const MAX_DEPTH = 8;

/**
 * Checks the fields of a message to push (perhaps straight from a JSON body): names that are XML element names, values
 * that are text, finite numbers, booleans, objects of such fields or arrays of such values (not of arrays), at most
 * {@link MAX_DEPTH} levels deep.
 * @throws SimulatorInputError naming the first field that is not so.
 * @internal
 */
export function checkPushFields(fields: Record<string, unknown>, path = 'message', depth = 1): void {
  if (depth > MAX_DEPTH) throw new SimulatorInputError(`${path} nests more than ${MAX_DEPTH} levels`);
  for (const [name, value] of Object.entries(fields)) {
    if (!FIELD_NAME.test(name)) throw new SimulatorInputError(`${path}: ${JSON.stringify(name)} is not a field name (an XML element name)`);
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) checkValue(item, `${path}.${name}`, depth);
  }
}

function checkValue(value: unknown, path: string, depth: number): void {
  if (typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number' && Number.isFinite(value)) return;
  if (isPlainObject(value)) return checkPushFields(value, path, depth + 1);
  throw new SimulatorInputError(`${path} must be text, a finite number, a boolean, an object or an array of those`);
}

/** The text of a message in a format: a JSON object, or WeChat's `<xml>` document (see {@link pushXml}). @internal */
export function formatPush(fields: Record<string, unknown>, format: SimPushFormat): string {
  return format === 'json' ? JSON.stringify(fields) : pushXml(fields);
}

/**
 * A message as WeChat writes its XML pushes: `<xml>` around one element a field, in the fields' order, text in a CDATA
 * section (a `]]>` inside split across two), numbers and booleans bare, an object as nested elements and an array as
 * the element repeated once a value.
 * @internal
 */
export function pushXml(fields: Record<string, unknown>): string {
  return `<xml>${elements(fields)}</xml>`;
}

function elements(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .map(([name, value]) => element(name, value))
    .join('');
}

function element(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((item) => element(name, item)).join('');
  if (isPlainObject(value)) return `<${name}>${elements(value)}</${name}>`;
  if (typeof value === 'string') return `<${name}><![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${name}>`;
  return `<${name}>${String(value)}</${name}>`;
}

/** The first half of a message's text: neither JSON nor XML, since only the end closes the object or the root. @internal */
export function malformedText(text: string): string {
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}
