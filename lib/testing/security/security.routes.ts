import { WeChatErrcode } from '../server/simulator.constants';
import {
  controlBody,
  controlOk,
  nonEmptyString,
  parseJsonObject,
  wechatError,
  wechatRefusals,
  wechatSuccess,
} from '../server/simulator-http';
import type { SimRequest, SimResponse, SimRoute } from '../server/simulator-http';
import type { SecurityState } from './security-state';
import type { SimSecurityVerdictsInput } from './security.interfaces';

/** The errcodes of the content-security APIs the simulator answers, beside the shared ones (40003, 47001). @internal */
export const SecurityErrcode = {
  INVALID_MEDIA_TYPE: 40004,
  INVALID_SCENE: 40129,
  OPENID_OF_ANOTHER_APP: 43104,
  EMPTY_POST_DATA: 44002,
} as const;

/** WeChat's wording (its error tables on the msgSecCheck and mediaCheckAsync pages); the simulator adds `, rid: …`. */
const ERRMSG: Readonly<Record<number, string>> = {
  [SecurityErrcode.INVALID_MEDIA_TYPE]: 'invalid media type',
  [SecurityErrcode.INVALID_SCENE]: 'invalid scene',
  [SecurityErrcode.OPENID_OF_ANOTHER_APP]: 'The openid does not match the appid',
  [SecurityErrcode.EMPTY_POST_DATA]: 'empty post data',
};

/** msgSecCheck's limit: 文本字数的上限为2500字. What WeChat answers beyond it is not documented: 47001 here. */
const MAX_TEXT = 2500;

const refuse = wechatRefusals(ERRMSG);

/** What both APIs take, checked: the JSON body, version 2, the scene and the user. */
type Checked = { ok: true; body: Record<string, unknown>; openId: string; scene: number } | { ok: false; response: SimResponse };

/**
 * The checks both APIs make, in this order: a body (44002), JSON with version 2 and an openid (47001: only version 2 is
 * simulated), the scene (40129), and a user of this app (43104 for a user of another app, 40003 for none).
 */
function checkCommon(security: SecurityState, appId: string, req: SimRequest, extra: (body: Record<string, unknown>) => number): Checked {
  if (req.body.length === 0) return { ok: false, response: refuse(SecurityErrcode.EMPTY_POST_DATA, appId) };
  const body = parseJsonObject(req.body);
  const openId = nonEmptyString(body?.openid);
  if (!body || body.version !== 2 || openId === undefined)
    return { ok: false, response: wechatError(WeChatErrcode.DATA_FORMAT_ERROR, { appId }) };
  const problem = extra(body);
  if (problem !== 0)
    return { ok: false, response: problem === WeChatErrcode.DATA_FORMAT_ERROR ? wechatError(problem, { appId }) : refuse(problem, appId) };
  if (![1, 2, 3, 4].includes(body.scene as number)) return { ok: false, response: refuse(SecurityErrcode.INVALID_SCENE, appId) };
  if (!security.sim.user(appId, openId)) {
    const elsewhere = [...security.sim.apps.keys()].some((other) => security.sim.user(other, openId));
    return {
      ok: false,
      response: elsewhere ? refuse(SecurityErrcode.OPENID_OF_ANOTHER_APP, appId) : refuse(WeChatErrcode.INVALID_OPENID, appId),
    };
  }
  return { ok: true, body, openId, scene: body.scene as number };
}

/** msgSecCheck's own fields: the content (1 to 2500 characters) and optional title, nickname and signature, as text. */
function textFieldsProblem(body: Record<string, unknown>): number {
  const content = nonEmptyString(body.content);
  const optional = [body.title, body.nickname, body.signature].every((field) => field === undefined || typeof field === 'string');
  return content !== undefined && [...content].length <= MAX_TEXT && optional ? 0 : WeChatErrcode.DATA_FORMAT_ERROR;
}

/** mediaCheckAsync's own fields: a media URL (any text: one WeChat cannot download fails later, -1008) and its type. */
function mediaFieldsProblem(body: Record<string, unknown>): number {
  if (nonEmptyString(body.media_url) === undefined) return WeChatErrcode.DATA_FORMAT_ERROR;
  return body.media_type === 1 || body.media_type === 2 ? 0 : SecurityErrcode.INVALID_MEDIA_TYPE;
}

/**
 * The content-security APIs of `api.weixin.qq.com` (`wxa/msg_sec_check`, `wxa/media_check_async`, version 2) behind the
 * access-token check of the other routes, and the control calls that script the verdicts and list the checks.
 * @internal
 */
export function securityRoutes(security: SecurityState): SimRoute[] {
  const authorized =
    (answer: (appId: string, req: SimRequest) => SimResponse) =>
    (req: SimRequest): SimResponse => {
      const auth = security.sim.checkAccessToken(nonEmptyString(req.query.get('access_token')));
      return auth.ok ? answer(auth.value.appId, req) : wechatError(auth.errcode);
    };
  const text = (appId: string, req: SimRequest): SimResponse => {
    const checked = checkCommon(security, appId, req, textFieldsProblem);
    if (!checked.ok) return checked.response;
    const { body, openId, scene } = checked;
    const optional = (name: string) => (typeof body[name] === 'string' ? { [name]: body[name] as string } : {});
    const check = security.checkText(appId, {
      openId,
      scene,
      content: body.content as string,
      ...optional('title'),
      ...optional('nickname'),
      // WeChat checks the signature in the profile scene only.
      ...(scene === 1 ? optional('signature') : {}),
    });
    const result = { suggest: check.suggest, label: check.label };
    const detail = [
      { strategy: 'content_model', errcode: 0, ...result, prob: 90 },
      { strategy: 'keyword', errcode: 0 },
    ];
    return wechatSuccess({ detail, trace_id: check.traceId, result }, appId, true);
  };
  const media = (appId: string, req: SimRequest): SimResponse => {
    const checked = checkCommon(security, appId, req, mediaFieldsProblem);
    if (!checked.ok) return checked.response;
    const { body, openId, scene } = checked;
    const check = security.checkMedia(appId, { openId, scene, mediaUrl: body.media_url as string, mediaType: body.media_type as 1 | 2 });
    return wechatSuccess({ trace_id: check.traceId }, appId, true);
  };
  return [
    { method: 'POST', path: '/wxa/msg_sec_check', handler: authorized(text) },
    { method: 'POST', path: '/wxa/media_check_async', handler: authorized(media) },
    {
      method: 'POST',
      path: '/__sim/securityVerdicts',
      handler: (req) => controlOk(security.configure(controlBody(req) as SimSecurityVerdictsInput)),
    },
    { method: 'GET', path: '/__sim/securityVerdicts', handler: () => controlOk(security.verdicts()) },
    { method: 'GET', path: '/__sim/securityChecks', handler: () => controlOk({ checks: security.list() }) },
    {
      method: 'DELETE',
      path: '/__sim/securityChecks',
      handler: () => {
        security.clear();
        return controlOk({ ok: true });
      },
    },
  ];
}
