import type { SimPush } from '../push/push.interfaces';

/**
 * What a simulated user can send to customer service: the kinds of message WeChat pushes to a mini program.
 * @publicApi
 */
export type SimCustomerUserMessageType = 'text' | 'image' | 'miniprogrampage';

/**
 * Input of {@link WeChatSimulator.customerMessage}: the user writing to the mini program's customer service, or entering
 * its session from a `<button open-type="contact">` (`event: 'enter'`).
 * @publicApi
 */
export interface SimCustomerMessageInput {
  /** The mini program; the first configured app when absent. */
  appId?: string;
  /** The user; must have logged in (`wx.login()`). */
  openId: string;
  /** What the user sends; leave it out with `event`. */
  msgType?: SimCustomerUserMessageType;
  /** `text`: the message, required. */
  content?: string;
  /** `image`: the image as base64, a PNG, JPEG or GIF of at most 2 MB; a 1×1 PNG when absent. */
  image?: string;
  /** `miniprogrampage`: the card's title, `小程序卡片` when absent. */
  title?: string;
  /** `miniprogrampage`: the card's page, `pages/index/index` when absent. */
  pagePath?: string;
  /** `enter`: the user entering the session (pushed as `user_enter_tempsession`) instead of a message. */
  event?: 'enter';
  /** With `event`: the button's `session-from`; empty when absent. */
  sessionFrom?: string;
}

/**
 * What the simulator knows of one user's customer-service session with one app: until when, and how many, messages the
 * app may still send (5 within 48 hours of the user's last message, 2 within a minute of entering the session; each
 * action resets the count to the larger allowance and the end to the later one, as WeChat's 下发条件说明 says), and the
 * typing state.
 * @publicApi
 */
export interface SimCustomerSession {
  appId: string;
  openId: string;
  /** Whether the app may message the user now. */
  open: boolean;
  /** When the window ends, in epoch milliseconds; 0 when the user never wrote or entered. */
  windowEndsAt: number;
  /** How many messages the app may still send now: 0 when the window is closed. */
  messagesLeft: number;
  /** The last message either way, in epoch milliseconds (0: none): the typing state needs one in the last 30 seconds. */
  lastMessageAt: number;
  /** Whether the user sees customer service typing (for 15 seconds after `Typing`, until a message or `CancelTyping`). */
  typing: boolean;
}

/**
 * What {@link WeChatSimulator.customerMessage} did: the push's fields (as pushed, or as they would have been without a
 * push configured), the session afterwards, and the deliveries to the app (none when it has no push configured).
 * @publicApi
 */
export interface SimCustomerMessageResult {
  message: Record<string, unknown>;
  session: SimCustomerSession;
  pushes: SimPush[];
}

/**
 * The kinds of what the app sends through customer service: a message of one of the four types, or a typing command.
 * @publicApi
 */
export type SimCustomerServiceMsgType = 'text' | 'image' | 'link' | 'miniprogrampage' | 'typing';

/**
 * One thing an app sent a user through customer service and WeChat took: a message (its object under WeChat's field
 * names, as the app sent it) or a typing command.
 * @publicApi
 */
export interface SimCustomerServiceMessage {
  id: string;
  appId: string;
  openId: string;
  msgType: SimCustomerServiceMsgType;
  text?: { content: string };
  image?: { media_id: string };
  link?: { title: string; description: string; url: string; thumb_url: string };
  miniprogrampage?: { title: string; pagepath: string; thumb_media_id: string };
  /** `typing`: the command. */
  command?: 'Typing' | 'CancelTyping';
  /** When WeChat took it, in epoch milliseconds. */
  at: number;
}

/**
 * A temporary image the simulator keeps (3 days, as WeChat does): one an app uploaded (`media/upload`) or one a
 * simulated user sent. `media/get` serves it to the app it belongs to.
 * @publicApi
 */
export interface SimTempMedia {
  mediaId: string;
  appId: string;
  type: 'image';
  /** The type its bytes are: `image/png`, `image/jpeg` or `image/gif`. */
  contentType: string;
  /** The upload's file name (`image.png` for a user's). */
  filename: string;
  bytes: Buffer;
  /** Who made it. */
  from: 'app' | 'user';
  /** Epoch milliseconds. */
  createdAt: number;
}
