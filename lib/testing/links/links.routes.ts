import { WeChatErrcode } from '../server/simulator.constants';
import { nonEmptyString, parseJsonObject, wechatError, wechatRid, wechatSuccess } from '../server/simulator-http';
import type { SimRequest, SimResponse, SimRoute } from '../server/simulator-http';
import type { WeChatOutcome } from '../server/simulator-state';
import { LINK_ERRMSG, LinkErrcode, codeRequest, entryLinkRequest, shortLinkRequest } from './links-checks';
import type { LinksState } from './links-state';
import type { SimEntryLink } from './links.interfaces';
import { linksControlRoutes } from './links-control.routes';

/** What an API route answers for the caller's app: WeChat's JSON or file, or the errcode that refuses the call. */
type LinkApi = (appId: string, req: SimRequest) => WeChatOutcome<object> | SimResponse;

const seconds = (ms: number) => Math.floor(ms / 1000);

/**
 * The link APIs of `api.weixin.qq.com` (`POST /wxa/…`), each behind the access-token check of the other routes with
 * WeChat's checks and errcodes, and the control calls that steer them: the app's pages, reading a code back, a user
 * opening a link, and the list of what was generated.
 * @internal
 */
export function linksRoutes(links: LinksState): SimRoute[] {
  const api = (path: string, handle: LinkApi): SimRoute => ({ method: 'POST', path, handler: answer(links, handle) });
  const now = () => links.sim.now();
  return [
    api('/wxa/getwxacodeunlimit', (appId, req) => {
      const request = codeRequest(parseJsonObject(req.body), links.knows(appId));
      if (!request.ok) return request;
      return { status: 200, contentType: 'image/png', body: links.drawCode(appId, request.value), appId };
    }),
    api('/wxa/generatescheme', (appId, req) =>
      generated(
        jsonOf(req),
        (body) => entryLinkRequest(body.jump_wxa, body, now(), links.knows(appId)),
        (request) => ({
          openlink: links.addEntryLink('scheme', appId, request).link,
        }),
      ),
    ),
    api('/wxa/generate_urllink', (appId, req) =>
      generated(
        jsonOf(req),
        (body) => entryLinkRequest(body, body, now(), links.knows(appId)),
        (request) => ({
          url_link: links.addEntryLink('url-link', appId, request).link,
        }),
      ),
    ),
    api('/wxa/genwxashortlink', (appId, req) =>
      generated(
        jsonOf(req),
        (body) => shortLinkRequest(body, links.knows(appId)),
        (request) => ({
          link: links.addShortLink(appId, request).link,
        }),
      ),
    ),
    api('/wxa/queryscheme', (appId, req) => queried(links, appId, 'scheme', jsonOf(req))),
    api('/wxa/query_urllink', (appId, req) => queried(links, appId, 'url-link', jsonOf(req))),
    ...linksControlRoutes(links),
  ];
}

/** The JSON object body, or `undefined` (47001). */
const jsonOf = (req: SimRequest) => parseJsonObject(req.body);

/** A generating API: the body checked, then the link made from it. */
function generated<T>(
  body: Record<string, unknown> | undefined,
  check: (body: Record<string, unknown>) => WeChatOutcome<T>,
  make: (request: T) => object,
): WeChatOutcome<object> {
  if (!body) return { ok: false, errcode: WeChatErrcode.DATA_FORMAT_ERROR };
  const request = check(body);
  return request.ok ? { ok: true, value: make(request.value) } : request;
}

/**
 * `queryscheme` and `query_urllink`: `query_type` 1 the day's visits left, else the link's info (40097 without one,
 * 85403 for one the app does not have) and the first user who opened it.
 */
function queried(
  links: LinksState,
  appId: string,
  kind: 'scheme' | 'url-link',
  body: Record<string, unknown> | undefined,
): WeChatOutcome<object> {
  if (!body) return { ok: false, errcode: WeChatErrcode.DATA_FORMAT_ERROR };
  const type = body.query_type ?? 0;
  if (type === 1) return { ok: true, value: { quota_info: { remain_visit_quota: links.remainingVisits(appId) } } };
  const text = kind === 'scheme' ? body.scheme : body.url_link;
  if (type !== 0 || typeof text !== 'string' || text === '') return { ok: false, errcode: LinkErrcode.INVALID_ARGS };
  const link = links.find(kind, appId, text);
  if (!link) return { ok: false, errcode: LinkErrcode.NOT_FOUND };
  const info = wireInfo(link);
  const visitOpenId = link.visits[0]?.openId ?? '';
  return {
    ok: true,
    value: kind === 'scheme' ? { scheme_info: info, visit_openid: visitOpenId } : { url_link_info: info, visit_openid: visitOpenId },
  };
}

/** A link's info as WeChat writes it: Unix seconds. */
function wireInfo(link: SimEntryLink): object {
  return {
    appid: link.appId,
    path: link.path,
    query: link.query,
    create_time: seconds(link.createdAt),
    expire_time: seconds(link.expiresAt),
    env_version: link.envVersion,
  };
}

/** An API route: the token's app, then the API's answer, or its refusal with WeChat's wording. */
function answer(links: LinksState, handle: LinkApi): (req: SimRequest) => SimResponse {
  return (req) => {
    const auth = links.sim.checkAccessToken(nonEmptyString(req.query.get('access_token')));
    if (!auth.ok) return wechatError(auth.errcode);
    const { appId } = auth.value;
    const outcome = handle(appId, req);
    if (!('ok' in outcome)) return outcome;
    if (outcome.ok) return wechatSuccess(outcome.value, appId, true);
    const wording = LINK_ERRMSG[outcome.errcode];
    return wechatError(outcome.errcode, { appId, ...(wording ? { errmsg: `${wording}, rid: ${wechatRid()}` } : {}) });
  };
}
