import type { EntityManager } from 'typeorm';

/**
 * The fields every push has, as WeChat names them, the same whether it came as JSON or XML: numbers are numbers,
 * `MsgId` is a string of digits (it does not fit a JavaScript number). The other fields depend on the message or
 * event; the interfaces in `wechat-push.events` type the ones the module knows.
 * @publicApi
 */
export interface WeChatPushMessage {
  /** The mini program's original id (`gh_…`). */
  ToUserName: string;
  /** The user's openid, or a system account for platform events. */
  FromUserName: string;
  /** When WeChat created the push, in seconds since the epoch. */
  CreateTime: number;
  /** `event`, or the type of a message a user sent (`text`, `image`, `miniprogrampage`). */
  MsgType: string;
  /** The event of an `event` push. */
  Event?: string;
  /** The id of a user's message; events have none. */
  MsgId?: string;
  [field: string]: unknown;
}

/**
 * What `@OnWeChatEvent()`, `@OnWeChatMessage()` and `@OnWeChatPush()` handlers get, inside the transaction that
 * records the push as handled.
 * @publicApi
 */
export interface WeChatPushEvent<M extends WeChatPushMessage = WeChatPushMessage> {
  message: M;
  /** The transaction's manager: write through it so your changes commit or roll back with the receipt of the push. */
  manager: EntityManager;
  /** The data format it came in. */
  format: 'json' | 'xml';
  /** Whether it came encrypted (compatible or safe mode). */
  encrypted: boolean;
  /**
   * Runs `work` once the transaction has committed (never if it rolls back): where to call WeChat or anything slow
   * about the push, such as answering a user's message, without holding the transaction or the answer to WeChat.
   * Failures are logged.
   */
  afterCommit(work: () => unknown): void;
}

/**
 * What a push did, and the answer for WeChat: `success` with 200 once handled (or handled before), so that WeChat
 * stops retrying; any other answer makes it deliver again.
 * @publicApi
 */
export interface WeChatPushOutcome {
  /**
   * `processed`: the handlers ran and committed; `duplicate`: handled before, nothing ran; `rejected`: refused (a
   * signature, an age, a body that does not read), nothing ran; `failed`: a handler or the database failed, rolled back.
   */
  status: 'processed' | 'duplicate' | 'rejected' | 'failed';
  reason?: string;
  httpStatus: 200 | 400 | 401 | 404 | 503;
  /** `success`, or a short reason. */
  body: string;
  message?: WeChatPushMessage;
}
