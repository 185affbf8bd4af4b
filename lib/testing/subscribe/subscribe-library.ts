import { createHash } from 'node:crypto';
import type { SimSubscribeTemplate } from './subscribe.interfaces';

/** A keyword of a public title: its id, name, example and parameter type (`rule`). @internal */
export interface LibraryKeyword {
  kid: number;
  name: string;
  example: string;
  rule: string;
}

/** A public title of the simulated template library. @internal */
export interface LibraryTitle {
  tid: number;
  title: string;
  type: 2 | 3;
  categoryId: number;
  keywords: readonly LibraryKeyword[];
}

/** The categories every simulated app has (`getcategory`); ids as in WeChat's examples. @internal */
export const LIBRARY_CATEGORIES: ReadonlyArray<{ id: number; name: string }> = [
  { id: 2, name: '快递、物流' },
  { id: 616, name: '公交' },
];

const kw = (kid: number, name: string, rule: string, example: string): LibraryKeyword => ({ kid, name, rule, example });

/**
 * A small public template library: one-time titles, a long-term one (long-term templates exist for a few categories
 * only, public transport among them) and one of the newer one-time titles whose keywords are fixed
 * (10000001 ≤ tid < 20000000). Between them they use every parameter type of WeChat's guide.
 * @internal
 */
export const LIBRARY_TITLES: readonly LibraryTitle[] = [
  {
    tid: 99,
    title: '付款成功通知',
    type: 2,
    categoryId: 616,
    keywords: [
      kw(1, '物品名称', 'thing', '月票'),
      kw(2, '付款金额', 'amount', '¥99.00'),
      kw(3, '付款时间', 'time', '2019年10月1日 15:01'),
      kw(4, '订单号', 'character_string', '2022120853531009'),
      kw(5, '数量', 'number', '2'),
      kw(6, '备注', 'thing', '请妥善保管'),
    ],
  },
  {
    tid: 401,
    title: '订单发货提醒',
    type: 2,
    categoryId: 2,
    keywords: [
      kw(1, '订单号', 'character_string', 'PK20191001001'),
      kw(2, '商品名称', 'thing', '保温杯'),
      kw(3, '快递公司', 'thing', '顺丰速运'),
      kw(4, '发货日期', 'date', '2019年10月1日'),
      kw(5, '收货人', 'name', '张三'),
      kw(6, '联系电话', 'phone_number', '+86-0766-66888866'),
      kw(7, '状态', 'phrase', '已发货'),
    ],
  },
  {
    tid: 1002,
    title: '车辆出站提醒',
    type: 3,
    categoryId: 616,
    keywords: [
      kw(1, '车牌号', 'car_number', '粤A8Z888挂'),
      kw(2, '出站时间', 'time', '15:01'),
      kw(3, '线路', 'thing', '10路'),
      kw(4, '车厢', 'letter', 'B'),
      kw(5, '标识', 'symbol', '★'),
    ],
  },
  {
    tid: 10000123,
    title: '取件提醒',
    type: 2,
    categoryId: 2,
    keywords: [
      kw(1, '取件码', 'character_string', 'A-1024'),
      kw(2, '取件地点', 'thing', '东门驿站'),
      kw(3, '截止日期', 'date', '2019年10月3日'),
    ],
  },
];

/** Whether a title's keywords are fixed: the newer one-time titles, whose `kidList` must be empty. @internal */
export const hasFixedKeywords = (tid: number): boolean => tid >= 10_000_001 && tid < 20_000_000;

/** The title of a tid, if the library has it. @internal */
export function libraryTitle(tid: number): LibraryTitle | undefined {
  return LIBRARY_TITLES.find((title) => title.tid === tid);
}

/**
 * The template a title and chosen keywords make, as WeChat writes it: one line per keyword, `name:{{rule kid.DATA}}`
 * in the content and `name:example` in the example. The parameter keys are the rule and the keyword id (`thing1`).
 * @internal
 */
export function composeTemplate(
  appId: string,
  templateId: string,
  title: LibraryTitle,
  kidList: number[],
  sceneDesc?: string,
): SimSubscribeTemplate {
  const chosen = hasFixedKeywords(title.tid)
    ? title.keywords
    : kidList.map((kid) => title.keywords.find((k) => k.kid === kid) as LibraryKeyword);
  return {
    appId,
    templateId,
    tid: title.tid,
    title: title.title,
    content: chosen.map((k) => `${k.name}:{{${k.rule}${k.kid}.DATA}}\n`).join(''),
    example: chosen.map((k) => `${k.name}:${k.example}\n`).join(''),
    type: title.type,
    kind: title.type === 2 ? 'one-time' : 'long-term',
    kidList: [...kidList],
    ...(sceneDesc !== undefined ? { sceneDesc } : {}),
  };
}

/** The parameters of a template's content with their types, in order: `[['thing1', 'thing'], …]`. @internal */
export function templateParameters(template: SimSubscribeTemplate): Array<[key: string, rule: string]> {
  return [...template.content.matchAll(/\{\{(([a-z_]+?)\d+)\.DATA\}\}/g)].map((match) => [match[1], match[2]]);
}

/**
 * The templates every app starts with (and gets back on reset): a one-time `付款成功通知` (thing1, amount2, time3) and a
 * long-term `车辆出站提醒` (car_number1, time2, thing3), with ids made from the AppID so that they are the same every run.
 * @internal
 */
export function defaultTemplates(appId: string): SimSubscribeTemplate[] {
  return [
    [99, [1, 2, 3]],
    [1002, [1, 2, 3]],
  ].map(([tid, kidList]) => {
    const id = createHash('sha256')
      .update(`${appId}:${String(tid)}:${String(kidList)}`)
      .digest('base64url')
      .slice(0, 43);
    return composeTemplate(appId, id, libraryTitle(tid as number) as LibraryTitle, kidList as number[]);
  });
}
