import { Injectable, Logger } from '@nestjs/common';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import { WeChatApiService } from '../wechat/wechat-api.service';
import type { WeChatBinary, WeChatRequest } from '../wechat/wechat-http.client';
import {
  checkedMediaId,
  customerImageBody,
  customerLinkBody,
  customerPageBody,
  customerTextBody,
  customerTypingBody,
} from './customer-service-input';
import type { CustomerMessageBody } from './customer-service-input';
import { checkedTempImage, readTempMedia, tempImageForm } from './customer-service-media';
import type {
  CustomerServiceLink,
  CustomerServiceMiniProgramPage,
  CustomerServiceNotSentReason,
  CustomerServiceSendResult,
  TempImageUploadOptions,
  TempMedia,
} from './customer-service.interfaces';

/**
 * WeChat's errcodes that mean "not to this user now" rather than "a wrong call": 45015 (the user's last message is more
 * than 48 hours old), 45047 (the messages allowed since are used up), and for the typing state 45080 (no message either
 * way in the last 30 seconds) and 45081 (already typing). Messaging users whose window closed is normal, so these are
 * results; every other refusal stays a `WeChatApiError`.
 */
const USER_REFUSALS: ReadonlyMap<number, CustomerServiceNotSentReason> = new Map([
  [45015, 'window-closed'],
  [45047, 'quota-used'],
  [45080, 'no-recent-interaction'],
  [45081, 'already-typing'],
]);

/**
 * Customer-service messages (客服消息): answering users who wrote to the mini program's customer service (their messages
 * reach `@OnWeChatMessage('text')` and the like through message push). WeChat allows 5 messages within 48 hours of the
 * user's last message, 2 within a minute of entering the session; outside that the call is a result (`{ sent: false,
 * reason }`), not an exception. Text, images, links and mini program cards; the typing state; temporary images to send
 * (uploaded after their bytes are checked) and to fetch the ones users sent. Input is checked before anything is sent
 * (`WeChatInputError` names every problem).
 *
 * Push handlers run inside the push's transaction: call this after it commits, not from the handler itself, or the
 * network call holds the transaction open and a rolled-back push sends its answer twice (the guide shows how).
 * @publicApi
 */
@Injectable()
export class WeChatCustomerMessageService {
  private readonly logger = new Logger('MiniProgram');

  constructor(private readonly wechat: WeChatApiService) {}

  /**
   * Sends a text message (`cgi-bin/message/custom/send`, `msgtype: text`). Never repeated after a timeout: WeChat may
   * have delivered it, and it counts against the user's quota.
   * @returns `{ sent: true }`, or `{ sent: false, reason }` for 45015 (`window-closed`) and 45047 (`quota-used`).
   * @throws WeChatInputError for an openid that is none or blank text, before anything is sent.
   * @throws WeChatApiError for WeChat's other refusals: 40003 (openid), 44004 (empty), 45002 (too long), 48001 (no permission)…
   * @throws WeChatUnavailableError
   */
  async sendText(openId: string, content: string): Promise<CustomerServiceSendResult> {
    return this.send(customerTextBody(openId, content));
  }

  /**
   * Sends an image uploaded with {@link uploadTempImage} (or one a user sent: its `MediaId`), as {@link sendText} does.
   * @throws WeChatApiError 40007 for a media id WeChat does not know (expired after 3 days, or of another app).
   */
  async sendImage(openId: string, mediaId: string): Promise<CustomerServiceSendResult> {
    return this.send(customerImageBody(openId, mediaId));
  }

  /** Sends a link card (图文链接) that opens a web page, as {@link sendText} does. */
  async sendLink(openId: string, link: CustomerServiceLink): Promise<CustomerServiceSendResult> {
    return this.send(customerLinkBody(openId, link));
  }

  /**
   * Sends a mini program card (小程序卡片) that opens a page of this mini program, as {@link sendText} does.
   * @throws WeChatApiError 40007 for a `thumbMediaId` WeChat does not know.
   */
  async sendMiniProgramPage(openId: string, page: CustomerServiceMiniProgramPage): Promise<CustomerServiceSendResult> {
    return this.send(customerPageBody(openId, page));
  }

  /**
   * Shows the user that customer service is typing (`true`, for 15 seconds or until the next message) or takes it away
   * (`false`) (`cgi-bin/message/custom/business/typing`, the mini programs' path).
   * @returns `{ sent: false, reason }` for 45080 (`no-recent-interaction`: no message either way in the last 30
   * seconds), 45081 (`already-typing`) and the window's refusals.
   * @throws WeChatApiError e.g. 45072 (command).
   */
  async setTyping(openId: string, typing: boolean): Promise<CustomerServiceSendResult> {
    const body = customerTypingBody(openId, typing);
    // A repeat after a timeout is harmless: at worst WeChat answers 45081, a result.
    return this.refusable('customerServiceMessage.setTyping', '/cgi-bin/message/custom/business/typing', body, true);
  }

  /**
   * Uploads a temporary image (`cgi-bin/media/upload?type=image`, multipart `media`) for {@link sendImage} or a card's
   * cover; WeChat keeps it 3 days. Its type is read from its bytes (PNG, JPEG or GIF) and its size checked (at most
   * 2 MB) before anything is sent. A repeat after a timeout is harmless (a second media id), so the upload is retried.
   * @throws WeChatInputError for bytes that are not such an image, too many of them, or a name or type that disagrees.
   * @throws WeChatApiError e.g. 40004 (media type), 40005 (file type), 40009 (image size).
   * @throws WeChatUnavailableError `invalid-response` when the answer has no `media_id`.
   */
  async uploadTempImage(bytes: Buffer, options: TempImageUploadOptions = {}): Promise<TempMedia> {
    const upload = checkedTempImage(bytes, options);
    const json = await this.wechat.withAccessToken((accessToken) => ({
      api: 'customerServiceMessage.uploadTempMedia',
      method: 'POST',
      path: '/cgi-bin/media/upload',
      query: { access_token: accessToken, type: 'image' },
      form: tempImageForm(upload),
      idempotent: true,
    }));
    const media = readTempMedia(json);
    if (!media) throw new WeChatUnavailableError('customerServiceMessage.uploadTempMedia', 'invalid-response', 'media_id missing');
    return media;
  }

  /**
   * Downloads a temporary image (`cgi-bin/media/get`): one a user sent (the `MediaId` of an image message, or a card's
   * `ThumbMediaId`) or one uploaded, within the 3 days WeChat keeps it.
   * @returns its bytes and content type.
   * @throws WeChatApiError 40007 for a media id WeChat does not know.
   */
  async getTempMedia(mediaId: string): Promise<WeChatBinary> {
    const media_id = checkedMediaId(mediaId);
    return this.wechat.withAccessTokenBinary((accessToken) => ({
      api: 'customerServiceMessage.getTempMedia',
      method: 'GET',
      path: '/cgi-bin/media/get',
      query: { access_token: accessToken, media_id },
      idempotent: true,
    }));
  }

  private send(body: CustomerMessageBody): Promise<CustomerServiceSendResult> {
    return this.refusable('customerServiceMessage.send', '/cgi-bin/message/custom/send', body, false);
  }

  /** Posts `body`; the refusals that concern the user become results, logged at debug level only. */
  private async refusable(api: string, path: string, body: object, idempotent: boolean): Promise<CustomerServiceSendResult> {
    const request = (accessToken: string): WeChatRequest => ({
      api,
      method: 'POST',
      path,
      query: { access_token: accessToken },
      body,
      idempotent,
    });
    try {
      await this.wechat.withAccessToken(request);
      return { sent: true };
    } catch (error) {
      const reason = error instanceof WeChatApiError ? USER_REFUSALS.get(error.errcode) : undefined;
      if (!reason) throw error;
      const { errcode, errmsg } = error as WeChatApiError;
      this.logger.debug(`${api}: not sent (${reason}, errcode ${errcode})`);
      return { sent: false, reason, errcode, errmsg };
    }
  }
}
