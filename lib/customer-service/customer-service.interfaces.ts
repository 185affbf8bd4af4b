// Customer-service messages (客服消息) as the module types them: WeChat's fields under TypeScript names, the refusals that
// concern the user named. Written from WeChat's pages: the guide (customer-message/send.html, typing.html, temp-media.md;
// miniprogram/introduction/custom.html, 下发条件说明) and the server APIs sendCustomMessage, setTyping, uploadTempMedia
// and getTempMedia (miniprogram/dev/server/API/kf-mgnt/kf-message/).

/**
 * A link card (图文链接): a title, a description and a picture that open a web page.
 * @publicApi
 */
export interface CustomerServiceLink {
  /** The card's title. */
  title: string;
  /** The card's text, under the title. */
  description: string;
  /** The page the card opens: an `http:` or `https:` URL. */
  url: string;
  /** The card's picture: an `http:` or `https:` URL of a JPG or PNG (WeChat: 640×320 looks best large, 80×80 small). */
  thumbUrl: string;
}

/**
 * A mini program card (小程序卡片) that opens a page of this mini program.
 * @publicApi
 */
export interface CustomerServiceMiniProgramPage {
  /** The card's title. */
  title: string;
  /** The page as `app.json` names it, with its query: `pages/order/detail?id=42`. */
  pagePath: string;
  /** The cover: the `mediaId` of an image uploaded with `uploadTempImage` (WeChat suggests 520×416). */
  thumbMediaId: string;
}

/**
 * Why a customer-service message (or typing state) did not reach the user although the call was right. Each is one of
 * WeChat's errcodes:
 *
 * - `window-closed` (45015): the user has not written to customer service in the last 48 hours (or entered the session
 *   in the last minute), so nothing may be sent to them now;
 * - `quota-used` (45047): the messages allowed since the user's last message (5) or entry (2) are used up;
 * - `no-recent-interaction` (45080, typing only): no message went either way in the last 30 seconds;
 * - `already-typing` (45081, typing only): the typing state shows already (it lasts 15 seconds).
 * @publicApi
 */
export type CustomerServiceNotSentReason = 'window-closed' | 'quota-used' | 'no-recent-interaction' | 'already-typing';

/**
 * What became of a customer-service message or typing state. The refusals that concern the user (not the call) are
 * results, not errors: a user outside the 48-hour window is normal, and a loop over many users goes on.
 * @publicApi
 */
export type CustomerServiceSendResult =
  { sent: true } | { sent: false; reason: CustomerServiceNotSentReason; errcode: number; errmsg: string };

/**
 * How an image to upload is named in the upload. Both are optional: the type is read from the bytes, and the name made
 * from it; when given, each must agree with what the bytes are.
 * @publicApi
 */
export interface TempImageUploadOptions {
  /** The file name WeChat gets, with the extension of the image's type: `receipt.png`. Default `image.png` (etc.). */
  filename?: string;
  /** The declared type: `image/png`, `image/jpeg` (or `image/jpg`) or `image/gif`. */
  contentType?: string;
}

/**
 * A temporary image WeChat took (临时素材): what `sendImage` and a mini program card's cover use. WeChat keeps it for 3
 * days.
 * @publicApi
 */
export interface TempMedia {
  /** The `media_id`. */
  mediaId: string;
  /** When WeChat took it (its `created_at`; the time of the answer when WeChat left that out). */
  createdAt: Date;
}
