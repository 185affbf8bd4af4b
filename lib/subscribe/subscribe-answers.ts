import { WeChatUnavailableError } from '../errors/wechat-api.error';
import type { WeChatJson } from '../wechat/wechat-http.client';
import type {
  PubTemplateKeyword,
  PubTemplateTitle,
  PubTemplateTitles,
  SubscribeCategory,
  SubscribeTemplate,
  SubscribeTemplateKind,
} from './subscribe.interfaces';

// WeChat's answers of the template APIs read into the module's types. WeChat quotes some numbers (`"categoryId": "616"`
// in its own example) and not others: numbers are read from either. An answer without the fields a caller relies on is
// not the documented answer: WeChatUnavailableError `invalid-response`, as elsewhere in the module.

/** A parameter in a template's content: `{{thing1.DATA}}`. */
const CONTENT_KEY = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\.DATA\s*\}\}/g;

type Item = Record<string, unknown>;

/** The kind a template `type` stands for. @internal */
export function templateKind(type: number): SubscribeTemplateKind {
  return type === 2 ? 'one-time' : type === 3 ? 'long-term' : 'unknown';
}

/** The `data` array of an answer, each item an object. */
function itemsOf(json: WeChatJson, api: string): Item[] {
  const { data } = json;
  if (!Array.isArray(data) || !data.every((item) => typeof item === 'object' && item !== null && !Array.isArray(item))) {
    throw new WeChatUnavailableError(api, 'invalid-response', 'data is not a list of objects');
  }
  return data as Item[];
}

function text(item: Item, field: string, api: string): string {
  const value = item[field];
  if (typeof value !== 'string') throw new WeChatUnavailableError(api, 'invalid-response', `${field} is not text`);
  return value;
}

/** Text that WeChat may leave out: empty then. */
const optionalText = (item: Item, field: string): string => (typeof item[field] === 'string' ? (item[field] as string) : '');

function integer(item: Item, field: string, api: string): number {
  const value = item[field];
  const n = typeof value === 'string' && /^-?\d{1,15}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n))
    throw new WeChatUnavailableError(api, 'invalid-response', `${field} is not an integer`);
  return n;
}

/** `keywordEnumValueList` as the allowed values by key. */
function enumValuesOf(item: Item): Record<string, string[]> | undefined {
  const list = item.keywordEnumValueList;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const out: Record<string, string[]> = {};
  for (const entry of list as Item[]) {
    if (typeof entry?.keywordCode !== 'string' || !Array.isArray(entry.enumValueList)) continue;
    out[entry.keywordCode.replace(/\.DATA$/, '')] = entry.enumValueList.filter((value): value is string => typeof value === 'string');
  }
  return out;
}

/** `gettemplate`'s answer. @internal */
export function readTemplates(json: WeChatJson): SubscribeTemplate[] {
  const api = 'getTemplateList';
  return itemsOf(json, api).map((item) => {
    const content = optionalText(item, 'content');
    const type = integer(item, 'type', api);
    const enumValues = enumValuesOf(item);
    return {
      templateId: text(item, 'priTmplId', api),
      title: optionalText(item, 'title'),
      content,
      example: optionalText(item, 'example'),
      type,
      kind: templateKind(type),
      keys: [...content.matchAll(CONTENT_KEY)].map((match) => match[1]),
      ...(enumValues ? { enumValues } : {}),
    };
  });
}

/** `addtemplate`'s answer: the new template's id. @internal */
export function readAddedTemplateId(json: WeChatJson): string {
  return text(json, 'priTmplId', 'addTemplate');
}

/** `getcategory`'s answer. @internal */
export function readCategories(json: WeChatJson): SubscribeCategory[] {
  const api = 'getCategory';
  return itemsOf(json, api).map((item) => ({ id: integer(item, 'id', api), name: optionalText(item, 'name') }));
}

/** `getpubtemplatetitles`' answer. @internal */
export function readTitles(json: WeChatJson): PubTemplateTitles {
  const api = 'getPubTemplateTitles';
  const titles = itemsOf(json, api).map((item): PubTemplateTitle => {
    const type = integer(item, 'type', api);
    return {
      tid: integer(item, 'tid', api),
      title: optionalText(item, 'title'),
      type,
      kind: templateKind(type),
      categoryId: integer(item, 'categoryId', api),
    };
  });
  return { count: 'count' in json ? integer(json, 'count', api) : titles.length, titles };
}

/** `getpubtemplatekeywords`' answer. @internal */
export function readKeywords(json: WeChatJson): PubTemplateKeyword[] {
  const api = 'getPubTemplateKeywords';
  return itemsOf(json, api).map((item) => ({
    kid: integer(item, 'kid', api),
    name: optionalText(item, 'name'),
    example: optionalText(item, 'example'),
    rule: text(item, 'rule', api),
  }));
}
