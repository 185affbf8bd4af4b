import { WeChatInputError } from '../errors/wechat-input.error';
import type { CustomerServiceLink, CustomerServiceMiniProgramPage } from './customer-service.interfaces';

// What WeChat would refuse, checked before anything is sent so that every problem of a call is named at once: an openid
// or media id that is none (40003, 40007), empty text (44004), a link or card missing a field, a URL that is not one.
// WeChat documents no length limits for these fields, so none are invented here.

/** An openid as WeChat issues them: base64url characters (28 of them today). */
const OPENID = /^[A-Za-z0-9_-]{1,128}$/;
/** A media id (`media_id`, `MediaId`): printable ASCII without spaces; WeChat's are base64-like, 40 to 64 characters. */
const MEDIA_ID = /^[\x21-\x7e]{1,256}$/;
/** Control characters other than the line breaks and tabs a chat message may hold. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
/** A line of a title: no line breaks either. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const LINE_BREAK_OR_CONTROL = /[\u0000-\u001f\u007f]/;
/** A page of the mini program with its query: no spaces, no scheme. */
const PAGE_PATH = /^(?!\/?[A-Za-z][A-Za-z0-9+.-]*:\/\/)\S{1,1024}$/;

/** A message body of `cgi-bin/message/custom/send`, with WeChat's field names. @internal */
export type CustomerMessageBody =
  | { touser: string; msgtype: 'text'; text: { content: string } }
  | { touser: string; msgtype: 'image'; image: { media_id: string } }
  | { touser: string; msgtype: 'link'; link: { title: string; description: string; url: string; thumb_url: string } }
  | { touser: string; msgtype: 'miniprogrampage'; miniprogrampage: { title: string; pagepath: string; thumb_media_id: string } };

/** A check and the problem it names when it fails. */
type Check = readonly [ok: boolean, problem: string];

/** Throws every failed check's problem as one {@link WeChatInputError}; nothing when all passed. */
function settle(api: string, checks: readonly Check[]): void {
  const problems = checks.filter(([ok]) => !ok).map(([, problem]) => problem);
  if (problems.length > 0) throw new WeChatInputError(api, problems);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const openIdCheck = (openId: unknown): Check => [
  typeof openId === 'string' && OPENID.test(openId),
  "openId must be the user's openid: 1 to 128 letters, digits, _ or -",
];

const mediaIdCheck = (name: string, mediaId: unknown): Check => [
  typeof mediaId === 'string' && MEDIA_ID.test(mediaId),
  `${name} must be a media id from uploadTempImage: 1 to 256 printable characters, no spaces`,
];

/** Text shown on one line (a title): not blank, no line breaks or control characters. */
const lineCheck = (name: string, value: unknown): Check => [
  typeof value === 'string' && value.trim() !== '' && !LINE_BREAK_OR_CONTROL.test(value),
  `${name} must be a non-blank text on one line, without control characters`,
];

/** Text that may run over lines (a message, a description): not blank, no control characters but line breaks and tabs. */
const textCheck = (name: string, value: unknown): Check => [
  typeof value === 'string' && value.trim() !== '' && !CONTROL.test(value),
  `${name} must be a non-blank text without control characters (line breaks are fine)`,
];

function isWebUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '' && !/\s/.test(value);
  } catch {
    return false;
  }
}

const urlCheck = (name: string, value: unknown): Check => [isWebUrl(value), `${name} must be an absolute http: or https: URL`];

/**
 * The body of a text message.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function customerTextBody(openId: string, content: string): CustomerMessageBody {
  settle('customerServiceMessage.send', [openIdCheck(openId), textCheck('content', content)]);
  return { touser: openId, msgtype: 'text', text: { content } };
}

/**
 * The body of an image message.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function customerImageBody(openId: string, mediaId: string): CustomerMessageBody {
  settle('customerServiceMessage.send', [openIdCheck(openId), mediaIdCheck('mediaId', mediaId)]);
  return { touser: openId, msgtype: 'image', image: { media_id: mediaId } };
}

/**
 * The body of a link card.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function customerLinkBody(openId: string, link: CustomerServiceLink): CustomerMessageBody {
  const given: Partial<CustomerServiceLink> = isObject(link) ? link : {};
  settle('customerServiceMessage.send', [
    openIdCheck(openId),
    [isObject(link), 'the link must be an object with title, description, url and thumbUrl'],
    lineCheck('title', given.title),
    textCheck('description', given.description),
    urlCheck('url', given.url),
    urlCheck('thumbUrl', given.thumbUrl),
  ]);
  const { title, description, url, thumbUrl } = given as CustomerServiceLink;
  return { touser: openId, msgtype: 'link', link: { title, description, url, thumb_url: thumbUrl } };
}

/**
 * The body of a mini program card.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function customerPageBody(openId: string, page: CustomerServiceMiniProgramPage): CustomerMessageBody {
  const given: Partial<CustomerServiceMiniProgramPage> = isObject(page) ? page : {};
  settle('customerServiceMessage.send', [
    openIdCheck(openId),
    [isObject(page), 'the card must be an object with title, pagePath and thumbMediaId'],
    lineCheck('title', given.title),
    [
      typeof given.pagePath === 'string' && PAGE_PATH.test(given.pagePath),
      'pagePath must be a page of the mini program with its query (pages/order/detail?id=42): at most 1024 characters, no spaces',
    ],
    mediaIdCheck('thumbMediaId', given.thumbMediaId),
  ]);
  const { title, pagePath, thumbMediaId } = given as CustomerServiceMiniProgramPage;
  return { touser: openId, msgtype: 'miniprogrampage', miniprogrampage: { title, pagepath: pagePath, thumb_media_id: thumbMediaId } };
}

/**
 * The body of `setTyping`: `Typing` shows "对方正在输入" to the user, `CancelTyping` takes it away.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function customerTypingBody(openId: string, typing: boolean): { touser: string; command: 'Typing' | 'CancelTyping' } {
  settle('customerServiceMessage.setTyping', [openIdCheck(openId), [typeof typing === 'boolean', 'typing must be true or false']]);
  return { touser: openId, command: typing ? 'Typing' : 'CancelTyping' };
}

/**
 * A media id to download.
 * @throws WeChatInputError when it is not one.
 * @internal
 */
export function checkedMediaId(mediaId: string): string {
  settle('customerServiceMessage.getTempMedia', [mediaIdCheck('mediaId', mediaId)]);
  return mediaId;
}
