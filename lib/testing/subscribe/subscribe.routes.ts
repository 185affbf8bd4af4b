import { WeChatErrcode } from '../server/simulator.constants';
import {
  controlBody,
  controlOk,
  isPlainObject,
  jsonResponse,
  nonEmptyString,
  parseJsonObject,
  wechatError,
  wechatRefusals,
  wechatSuccess,
} from '../server/simulator-http';
import type { SimRequest, SimResponse, SimRoute } from '../server/simulator-http';
import { LIBRARY_CATEGORIES, LIBRARY_TITLES, libraryTitle, templateParameters } from './subscribe-library';
import { SubscribeErrcode } from './subscribe-state';
import type { SubscribeDelivery, SubscribeState } from './subscribe-state';
import { acceptsValue } from './subscribe-values';
import type { SimSubscribeChangeInput, SimSubscribeInput, SimSubscribeMessage } from './subscribe.interfaces';

/** WeChat's wording of the subscribe errcodes (the simulator adds `, rid: …`). */
const ERRMSG: Readonly<Record<number, string>> = {
  [WeChatErrcode.INVALID_OPENID]: 'invalid openid',
  [SubscribeErrcode.INVALID_TEMPLATE]: 'invalid template_id',
  [SubscribeErrcode.INVALID_PAGE]: 'invalid page',
  [SubscribeErrcode.USER_REFUSED]: 'user refuse to accept the msg',
  [SubscribeErrcode.DELETE_INVALID]: 'invalid priTmplId',
  [SubscribeErrcode.TOO_MANY_TEMPLATES]: 'private template count reach limit',
  [SubscribeErrcode.INVALID_TID]: 'tid does not exist',
  [SubscribeErrcode.INVALID_START]: 'invalid parameter start',
  [SubscribeErrcode.INVALID_LIMIT]: 'invalid parameter limit',
  [SubscribeErrcode.IDS_MISSING]: 'missing parameter ids',
  [SubscribeErrcode.INVALID_IDS]: 'invalid parameter ids',
  [SubscribeErrcode.INVALID_KIDLIST]: 'invalid parameter kidList',
  [SubscribeErrcode.INVALID_SCENE_DESC]: 'invalid parameter sceneDesc',
};

const STATES = ['developer', 'trial', 'formal'] as const;
const LANGS = ['zh_CN', 'en_US', 'zh_HK', 'zh_TW'];
/** A page of the mini program with its query; the simulator cannot know the app's pages, only refuse what is none. */
const PAGE = /^\/?[A-Za-z0-9_\-.]+(?:\/[A-Za-z0-9_\-.]+)*(?:\?[\x21-\x7e]*)?$/;

/** A WeChat error with the subscribe APIs' wording and the detail WeChat appends (`data.thing1.value invalid`). */
const refuseAs = wechatRefusals(ERRMSG);

function refuse(errcode: number, appId: string, detail?: string): SimResponse {
  return refuseAs(errcode, appId, errcode === SubscribeErrcode.ARGUMENT_INVALID ? `argument invalid! ${detail ?? ''}`.trim() : undefined);
}

/**
 * The subscribe-message APIs of `api.weixin.qq.com` (send and the template APIs), each behind the access-token check of
 * the other routes, and the control calls that play the user: the consent pop-up, turning a template off, and the
 * messages delivered.
 * @internal
 */
export function subscribeRoutes(subscribe: SubscribeState): SimRoute[] {
  /** Runs `answer` for the app of the call's access token, or refuses the token as the other routes do. */
  const authorized =
    (answer: (appId: string, req: SimRequest) => SimResponse) =>
    (req: SimRequest): SimResponse => {
      const auth = subscribe.sim.checkAccessToken(nonEmptyString(req.query.get('access_token')));
      return auth.ok ? answer(auth.value.appId, req) : wechatError(auth.errcode);
    };
  const ok = (appId: string, payload: object) => wechatSuccess(payload, appId, true);
  return [
    { method: 'POST', path: '/cgi-bin/message/subscribe/send', handler: authorized((appId, req) => send(subscribe, appId, req)) },
    {
      method: 'GET',
      path: '/wxaapi/newtmpl/gettemplate',
      handler: authorized((appId) =>
        ok(appId, {
          data: subscribe
            .templatesOf(appId)
            .map(({ templateId, title, content, example, type }) => ({ priTmplId: templateId, title, content, example, type })),
        }),
      ),
    },
    { method: 'POST', path: '/wxaapi/newtmpl/addtemplate', handler: authorized((appId, req) => addTemplate(subscribe, appId, req)) },
    {
      method: 'POST',
      path: '/wxaapi/newtmpl/deltemplate',
      handler: authorized((appId, req) => {
        const body = parseJsonObject(req.body);
        if (!body) return wechatError(WeChatErrcode.DATA_FORMAT_ERROR, { appId });
        const id = nonEmptyString(body.priTmplId);
        return id !== undefined && subscribe.deleteTemplate(appId, id) ? ok(appId, {}) : refuse(SubscribeErrcode.DELETE_INVALID, appId);
      }),
    },
    { method: 'GET', path: '/wxaapi/newtmpl/getcategory', handler: authorized((appId) => ok(appId, { data: LIBRARY_CATEGORIES })) },
    { method: 'GET', path: '/wxaapi/newtmpl/getpubtemplatetitles', handler: authorized((appId, req) => titles(appId, req)) },
    {
      method: 'GET',
      path: '/wxaapi/newtmpl/getpubtemplatekeywords',
      handler: authorized((appId, req) => {
        const tid = req.query.get('tid');
        const title = tid !== null && /^\d{1,10}$/.test(tid) ? libraryTitle(Number(tid)) : undefined;
        if (!title) return refuse(SubscribeErrcode.INVALID_TID, appId);
        return ok(appId, {
          count: title.keywords.length,
          data: title.keywords.map(({ kid, name, example, rule }) => ({ kid, name, example, rule })),
        });
      }),
    },
    ...controlRoutes(subscribe),
  ];
}

/** `cgi-bin/message/subscribe/send`, checked in WeChat's order: the body, the user, the template, page, version, data, consent. */
function send(subscribe: SubscribeState, appId: string, req: SimRequest): SimResponse {
  const body = parseJsonObject(req.body);
  if (!body) return wechatError(WeChatErrcode.DATA_FORMAT_ERROR, { appId });
  const openId = nonEmptyString(body.touser);
  if (openId === undefined || !subscribe.sim.user(appId, openId)) return refuse(WeChatErrcode.INVALID_OPENID, appId);
  const template = typeof body.template_id === 'string' ? subscribe.template(appId, body.template_id) : undefined;
  if (!template) return refuse(SubscribeErrcode.INVALID_TEMPLATE, appId);
  const page = body.page;
  if (page !== undefined && (typeof page !== 'string' || !PAGE.test(page))) return refuse(SubscribeErrcode.INVALID_PAGE, appId);
  const state = body.miniprogram_state ?? 'formal';
  if (!STATES.includes(state as (typeof STATES)[number]))
    return refuse(SubscribeErrcode.ARGUMENT_INVALID, appId, 'miniprogram_state invalid');
  const lang = body.lang ?? 'zh_CN';
  if (typeof lang !== 'string' || !LANGS.includes(lang)) return refuse(SubscribeErrcode.ARGUMENT_INVALID, appId, 'lang invalid');
  if (!isPlainObject(body.data)) return refuse(SubscribeErrcode.ARGUMENT_INVALID, appId, 'data invalid');
  const data: Record<string, string> = {};
  for (const [key, rule] of templateParameters(template)) {
    const entry = body.data[key];
    const value = isPlainObject(entry) && (typeof entry.value === 'string' || typeof entry.value === 'number') ? String(entry.value) : '';
    // WeChat's own spelling.
    if (value === '') return refuse(SubscribeErrcode.ARGUMENT_INVALID, appId, `data.${key}.value is emtpy`);
    if (!acceptsValue(rule, value)) return refuse(SubscribeErrcode.ARGUMENT_INVALID, appId, `data.${key}.value invalid`);
    data[key] = value;
  }
  const delivery: SubscribeDelivery = {
    openId,
    template,
    data,
    ...(page !== undefined ? { page: page as string } : {}),
    miniprogramState: state as SimSubscribeMessage['miniprogramState'],
    lang,
  };
  const outcome = subscribe.deliver(appId, delivery);
  if (!outcome.ok) return refuse(outcome.errcode, appId);
  // WeChat's msgid is a bare 64-bit number in the JSON, more digits than a JavaScript number keeps.
  return { ...jsonResponse(200, {}, { appId, errcode: 0 }), body: `{"errcode":0,"errmsg":"ok","msgid":${outcome.value.msgId}}` };
}

/** `wxaapi/newtmpl/addtemplate`: a known title, its keywords (2 to 5, none for fixed ones), a scene of at most 15 characters. */
function addTemplate(subscribe: SubscribeState, appId: string, req: SimRequest): SimResponse {
  const body = parseJsonObject(req.body);
  if (!body) return wechatError(WeChatErrcode.DATA_FORMAT_ERROR, { appId });
  const tid = typeof body.tid === 'number' ? String(body.tid) : body.tid;
  if (typeof tid !== 'string' || !/^\d{1,10}$/.test(tid)) return refuse(SubscribeErrcode.INVALID_TID, appId);
  const kidList = body.kidList ?? [];
  if (!Array.isArray(kidList) || !kidList.every((kid) => Number.isSafeInteger(kid))) return refuse(SubscribeErrcode.INVALID_KIDLIST, appId);
  const scene = body.sceneDesc;
  if (scene !== undefined && (typeof scene !== 'string' || [...scene].length > 15))
    return refuse(SubscribeErrcode.INVALID_SCENE_DESC, appId);
  const added = subscribe.addTemplate(appId, Number(tid), kidList as number[], scene as string | undefined);
  return added.ok ? wechatSuccess({ priTmplId: added.value.templateId }, appId, true) : refuse(added.errcode, appId);
}

/** `wxaapi/newtmpl/getpubtemplatetitles`: the titles of the app's categories, a page of at most 30. */
function titles(appId: string, req: SimRequest): SimResponse {
  const ids = req.query.get('ids');
  if (ids === null || ids === '') return refuse(SubscribeErrcode.IDS_MISSING, appId);
  const categories = ids.split(',');
  const known = new Set(LIBRARY_CATEGORIES.map((category) => String(category.id)));
  if (!categories.every((id) => known.has(id))) return refuse(SubscribeErrcode.INVALID_IDS, appId);
  const start = req.query.get('start');
  if (start === null || !/^\d{1,9}$/.test(start)) return refuse(SubscribeErrcode.INVALID_START, appId);
  const limit = req.query.get('limit');
  if (limit === null || !/^\d{1,2}$/.test(limit) || Number(limit) < 1 || Number(limit) > 30)
    return refuse(SubscribeErrcode.INVALID_LIMIT, appId);
  const matching = LIBRARY_TITLES.filter((title) => categories.includes(String(title.categoryId)));
  const page = matching.slice(Number(start), Number(start) + Number(limit));
  // WeChat's example quotes categoryId.
  const data = page.map(({ tid, title, type, categoryId }) => ({ tid, title, type, categoryId: String(categoryId) }));
  return wechatSuccess({ count: matching.length, data }, appId, true);
}

/** The control calls of the subscribe side, under `/__sim/`. */
function controlRoutes(subscribe: SubscribeState): SimRoute[] {
  // The state checks every field at run time, so the parsed bodies are handed over as the typed inputs.
  const openIdOf = (req: SimRequest) => req.query.get('openId') ?? undefined;
  return [
    {
      method: 'POST',
      path: '/__sim/subscribe',
      handler: async (req) => controlOk(await subscribe.subscribe(controlBody(req) as unknown as SimSubscribeInput)),
    },
    {
      method: 'POST',
      path: '/__sim/subscribeChange',
      handler: async (req) => controlOk(await subscribe.change(controlBody(req) as unknown as SimSubscribeChangeInput)),
    },
    { method: 'GET', path: '/__sim/subscriptions', handler: (req) => controlOk({ subscriptions: subscribe.subscriptions(openIdOf(req)) }) },
    {
      method: 'GET',
      path: '/__sim/subscribeTemplates',
      handler: (req) =>
        controlOk({ templates: subscribe.templatesOf(subscribe.sim.resolveApp(req.query.get('appId') ?? undefined).appId) }),
    },
    { method: 'GET', path: '/__sim/messages', handler: (req) => controlOk({ messages: subscribe.messages(openIdOf(req)) }) },
    {
      method: 'DELETE',
      path: '/__sim/messages',
      handler: () => {
        subscribe.clearMessages();
        return controlOk({ ok: true });
      },
    },
  ];
}
