import { WeChatErrcode } from '../server/simulator.constants';
import {
  SimulatorInputError,
  controlBody,
  controlOk,
  isPlainObject,
  nonEmptyString,
  parseJsonObject,
  wechatError,
  wechatRefusals,
  wechatSuccess,
} from '../server/simulator-http';
import type { SimRequest, SimResponse, SimRoute, SimRouteHandler } from '../server/simulator-http';
import { MAX_IMAGE_BYTES, imageKindOf, readFormParts } from './customer-service-media';
import { CustomerServiceErrcode as Errcode } from './customer-service-state';
import type { CustomerServiceDelivery, CustomerServiceState } from './customer-service-state';
import type { SimCustomerMessageInput } from './customer-service.interfaces';

/** WeChat's wording of the customer-service errcodes (the simulator adds `, rid: …`). */
const ERRMSG: Readonly<Record<number, string>> = {
  [WeChatErrcode.INVALID_OPENID]: 'invalid openid',
  [Errcode.INVALID_MEDIA_TYPE]: 'invalid media type',
  [Errcode.INVALID_FILE_TYPE]: 'invalid file type',
  [Errcode.INVALID_MEDIA_ID]: 'invalid media_id',
  [Errcode.INVALID_MESSAGE_TYPE]: 'invalid message type',
  [Errcode.INVALID_IMAGE_SIZE]: 'invalid image size',
  [Errcode.MEDIA_DATA_MISSING]: 'media data missing',
  [Errcode.MEDIA_ID_MISSING]: 'media_id missing',
  [Errcode.EMPTY_POST_DATA]: 'empty post data',
  [Errcode.EMPTY_CONTENT]: 'empty content',
  [Errcode.WINDOW_CLOSED]: 'response out of time limit or subscription is canceled',
  [Errcode.QUOTA_USED]: 'out of response count limit',
  [Errcode.INVALID_COMMAND]: 'invalid command',
  [Errcode.NO_RECENT_INTERACTION]: 'need sending message to user or recving message from user in the last 30 seconds before typing',
  [Errcode.ALREADY_TYPING]: 'you are already typing',
};

/** A WeChat error with the customer-service wording. */
const refuse = wechatRefusals(ERRMSG);

/**
 * The JSON object of a message API's body and the user it names (`touser`), or the answer when there is none: 44002 for
 * an empty body, 47001 for one that is not a JSON object, 40003 for a user the app does not have.
 */
function userCall(
  state: CustomerServiceState,
  appId: string,
  req: SimRequest,
): { body: Record<string, unknown>; openId: string } | SimResponse {
  if (req.body.length === 0) return refuse(Errcode.EMPTY_POST_DATA, appId);
  const body = parseJsonObject(req.body);
  if (!body) return wechatError(WeChatErrcode.DATA_FORMAT_ERROR, { appId });
  const openId = nonEmptyString(body.touser);
  return openId !== undefined && state.sim.user(appId, openId) ? { body, openId } : refuse(WeChatErrcode.INVALID_OPENID, appId);
}

/**
 * The customer-service APIs of `api.weixin.qq.com` (`message/custom/send`, the typing state on the mini programs' path
 * `message/custom/business/typing` and the older `message/custom/typing`, `media/upload`, `media/get`), each behind the
 * access-token check of the other routes, and the control calls that play the user and show what the app sent.
 * @internal
 */
export function customerServiceRoutes(state: CustomerServiceState): SimRoute[] {
  /** Answers for the app of the call's access token, or refuses the token as every token-protected route does. */
  const withToken =
    (answer: (appId: string, req: SimRequest) => SimResponse): SimRouteHandler =>
    (req) => {
      const token = state.sim.checkAccessToken(nonEmptyString(req.query.get('access_token')));
      return token.ok ? answer(token.value.appId, req) : wechatError(token.errcode);
    };
  const typingRoute = (path: string): SimRoute => ({ method: 'POST', path, handler: withToken((appId, req) => typing(state, appId, req)) });
  return [
    { method: 'POST', path: '/cgi-bin/message/custom/send', handler: withToken((appId, req) => send(state, appId, req)) },
    typingRoute('/cgi-bin/message/custom/business/typing'),
    typingRoute('/cgi-bin/message/custom/typing'),
    { method: 'POST', path: '/cgi-bin/media/upload', handler: withToken((appId, req) => upload(state, appId, req)) },
    { method: 'GET', path: '/cgi-bin/media/get', handler: withToken((appId, req) => download(state, appId, req)) },
    ...controlRoutes(state),
  ];
}

/** `message/custom/send`: the body, the user, the message, then the user's window and quota. */
function send(state: CustomerServiceState, appId: string, req: SimRequest): SimResponse {
  const call = userCall(state, appId, req);
  if (!('openId' in call)) return call;
  const { body, openId } = call;
  const delivery = readMessage(state, appId, body);
  if (typeof delivery === 'number') return refuse(delivery, appId);
  const outcome = state.deliver(appId, openId, delivery);
  return outcome.ok ? wechatSuccess({}, appId, true) : refuse(outcome.errcode, appId);
}

/** The message of a send, as WeChat checks it; an errcode when it is not one. */
function readMessage(state: CustomerServiceState, appId: string, body: Record<string, unknown>): CustomerServiceDelivery | number {
  const type = body.msgtype;
  const part = typeof type === 'string' ? body[type] : undefined;
  if (type !== 'text' && type !== 'image' && type !== 'link' && type !== 'miniprogrampage') return Errcode.INVALID_MESSAGE_TYPE;
  if (!isPlainObject(part)) return WeChatErrcode.DATA_FORMAT_ERROR;
  const text = (name: string) => nonEmptyString(part[name]);
  /** A media id of the app's images: 41006 when absent, 40007 when unknown or expired. */
  const media = (name: string) => {
    const id = text(name);
    if (id === undefined) return Errcode.MEDIA_ID_MISSING;
    return state.media.get(id, appId) ? id : Errcode.INVALID_MEDIA_ID;
  };
  switch (type) {
    case 'text': {
      const content = text('content');
      return content === undefined ? Errcode.EMPTY_CONTENT : { msgType: type, text: { content } };
    }
    case 'image': {
      const mediaId = media('media_id');
      return typeof mediaId === 'number' ? mediaId : { msgType: type, image: { media_id: mediaId } };
    }
    case 'link': {
      const [title, description, url, thumbUrl] = ['title', 'description', 'url', 'thumb_url'].map(text);
      if (title === undefined || description === undefined || !isWebUrl(url) || !isWebUrl(thumbUrl)) return WeChatErrcode.DATA_FORMAT_ERROR;
      return { msgType: type, link: { title, description, url: url as string, thumb_url: thumbUrl as string } };
    }
    case 'miniprogrampage': {
      const [title, pagepath] = [text('title'), text('pagepath')];
      if (title === undefined || pagepath === undefined) return WeChatErrcode.DATA_FORMAT_ERROR;
      const thumb = media('thumb_media_id');
      return typeof thumb === 'number' ? thumb : { msgType: type, miniprogrampage: { title, pagepath, thumb_media_id: thumb } };
    }
  }
}

/** An absolute `http:` or `https:` URL with a host, as a link card needs. */
function isWebUrl(value: string | undefined): boolean {
  return value !== undefined && /^https?:\/\/[^\s/?#]+/i.test(value);
}

/** `message/custom/(business/)typing`: the user, the command, then the window, the last message and the typing state. */
function typing(state: CustomerServiceState, appId: string, req: SimRequest): SimResponse {
  const call = userCall(state, appId, req);
  if (!('openId' in call)) return call;
  const { body, openId } = call;
  if (body.command !== 'Typing' && body.command !== 'CancelTyping') return refuse(Errcode.INVALID_COMMAND, appId);
  const outcome = state.typing(appId, openId, body.command);
  return outcome.ok ? wechatSuccess({}, appId, true) : refuse(outcome.errcode, appId);
}

/**
 * `media/upload?type=image`: the multipart file `media`, an image by its bytes and by its file name's extension (WeChat
 * refuses `blob` or `photo.txt` with 40005), of at most 2 MB.
 */
function upload(state: CustomerServiceState, appId: string, req: SimRequest): SimResponse {
  if (req.query.get('type') !== 'image') return refuse(Errcode.INVALID_MEDIA_TYPE, appId);
  const parts = readFormParts(req.headers['content-type'], req.body);
  const file = parts?.find((part) => part.name === 'media' && part.filename !== undefined);
  if (!file || file.data.length === 0) return refuse(Errcode.MEDIA_DATA_MISSING, appId);
  const kind = imageKindOf(file.data);
  const extension = /\.([A-Za-z0-9]+)$/.exec(file.filename as string)?.[1]?.toLowerCase() ?? '';
  if (!kind || !kind.extensions.includes(extension)) return refuse(Errcode.INVALID_FILE_TYPE, appId);
  if (file.data.length > MAX_IMAGE_BYTES) return refuse(Errcode.INVALID_IMAGE_SIZE, appId);
  const media = state.media.add(appId, kind, Buffer.from(file.data), file.filename as string, 'app');
  return wechatSuccess({ type: 'image', media_id: media.mediaId, created_at: Math.floor(media.createdAt / 1000) }, appId, true);
}

/** `media/get`: the file itself, as WeChat sends it (its type, an attachment named after the media id); else JSON errors. */
function download(state: CustomerServiceState, appId: string, req: SimRequest): SimResponse {
  const mediaId = nonEmptyString(req.query.get('media_id'));
  if (mediaId === undefined) return refuse(Errcode.MEDIA_ID_MISSING, appId);
  const media = state.media.get(mediaId, appId);
  if (!media) return refuse(Errcode.INVALID_MEDIA_ID, appId);
  const extension = imageKindOf(media.bytes)?.extensions[0] ?? 'bin';
  return {
    status: 200,
    contentType: media.contentType,
    body: media.bytes,
    headers: { 'content-disposition': `attachment; filename="${mediaId}.${extension}"`, 'cache-control': 'no-cache, must-revalidate' },
    appId,
  };
}

/** The control calls of the customer-service side, under `/__sim/`. */
function controlRoutes(state: CustomerServiceState): SimRoute[] {
  const openIdOf = (req: SimRequest) => req.query.get('openId') ?? undefined;
  return [
    {
      method: 'POST',
      path: '/__sim/customerMessage',
      // The state checks every field at run time, so the parsed body is handed over as the typed input.
      handler: async (req) => controlOk(await state.userMessage(controlBody(req) as unknown as SimCustomerMessageInput)),
    },
    { method: 'GET', path: '/__sim/customerMessages', handler: (req) => controlOk({ messages: state.messages(openIdOf(req)) }) },
    {
      method: 'DELETE',
      path: '/__sim/customerMessages',
      handler: () => {
        state.clearMessages();
        return controlOk({ ok: true });
      },
    },
    {
      method: 'GET',
      path: '/__sim/customerSession',
      handler: (req) => controlOk(state.session(openIdOf(req) as string, req.query.get('appId') ?? undefined)),
    },
    {
      method: 'GET',
      path: '/__sim/media',
      handler: (req) => {
        const media = state.media.get(req.query.get('mediaId') ?? '');
        if (!media) throw new SimulatorInputError('unknown or expired media', 404);
        return { status: 200, contentType: media.contentType, body: media.bytes };
      },
    },
  ];
}
