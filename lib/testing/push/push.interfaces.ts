import type { SimNotificationAttempt } from '../pay/pay.interfaces';

/**
 * The data format (数据格式) of a simulated message push: a JSON object, or WeChat's `<xml>` document.
 * @publicApi
 */
export type SimPushFormat = 'json' | 'xml';

/**
 * The message encryption mode (消息加密方式) of a simulated message push: `plain` (明文模式, the message as is),
 * `compatible` (兼容模式, the plaintext fields and `Encrypt` in one body) or `safe` (安全模式, only `ToUserName` and
 * `Encrypt`).
 * @publicApi
 */
export type SimPushMode = 'plain' | 'compatible' | 'safe';

/**
 * Where and how the simulator pushes an app's messages (its "消息推送配置"), as set with `push` in the options,
 * {@link WeChatSimulator.configurePush} or `POST /__sim/pushConfig`.
 * @publicApi
 */
export interface SimPushConfig {
  /** The app's push URL: `http:` (or `https:`, not verified) on a loopback address only; anything else is refused. */
  url: string;
  /** The Token (令牌): 3-32 letters or digits, as WeChat's console requires. */
  token: string;
  /** The EncodingAESKey (消息加密密钥), 43 letters or digits; required by the `compatible` and `safe` modes. */
  encodingAesKey?: string;
  /** `json` by default. */
  format?: SimPushFormat;
  /** `safe` when `encodingAesKey` is given, else `plain`. */
  mode?: SimPushMode;
}

/**
 * The push configuration of one app, as the simulator uses it (development values: the token and key are shown).
 * @publicApi
 */
export interface SimPushSettings {
  appId: string;
  /** The app's original id (原始ID, `gh_…`), the `ToUserName` of its pushes: the app's own, or one made from its AppID. */
  originalId: string;
  url: string;
  token: string;
  encodingAesKey?: string;
  format: SimPushFormat;
  mode: SimPushMode;
}

/**
 * How a push is sent: `genuine` as WeChat sends it (retried until acknowledged); `duplicate` the genuine request and
 * then the very same signed request again (each retried); the others once, without retries: `forged-signature` (random
 * `signature` and `msg_signature`), `stale-timestamp` (a `timestamp` 10 minutes old, correctly signed), `wrong-appid`
 * (encrypted for another AppID), `plaintext` (a plaintext body signed as in plaintext mode although the configuration
 * encrypts), `malformed` (neither JSON nor XML, correctly signed: in the encrypted modes, what decrypts) and
 * `bad-ciphertext` (an `Encrypt` that does not decrypt, correctly signed). `wrong-appid`, `plaintext` and
 * `bad-ciphertext` need an encrypted mode.
 * @publicApi
 */
export type SimPushVariant =
  'genuine' | 'duplicate' | 'forged-signature' | 'stale-timestamp' | 'wrong-appid' | 'plaintext' | 'malformed' | 'bad-ciphertext';

/**
 * Input of {@link WeChatSimulator.push}: WeChat pushing a message (or an event) to the app.
 * @publicApi
 */
export interface SimPushInput {
  /** The app; the first configured when absent. Its push must be configured. */
  appId?: string;
  /** The user, the `FromUserName` (and the `openid` query parameter) unless the message has its own. */
  openId?: string;
  /**
   * The fields of the message: text, numbers, booleans, nested objects and arrays (in XML: CDATA text, bare numbers,
   * nested elements, repeated elements). `MsgType` is required; `ToUserName` defaults to the app's original id,
   * `FromUserName` to `openId` (one of the two is required), `CreateTime` to now in seconds.
   */
  message: Record<string, unknown>;
  /** `genuine` by default. */
  kind?: SimPushVariant;
  /** How many deliveries of the variant to make at once, 1 by default (at most 100); `duplicate`: how many repeats. */
  copies?: number;
}

/**
 * One attempt to deliver a push: when it started, the app's HTTP status (0 for none) and the first 1000 characters of
 * its answer, and why there was no usable answer.
 * @publicApi
 */
export type SimPushAttempt = SimNotificationAttempt;

/**
 * A message push the simulator delivered (or is still delivering) to an app.
 * @publicApi
 */
export interface SimPush {
  id: string;
  appId: string;
  kind: SimPushVariant;
  /** The message's fields as pushed (with their defaults filled in). */
  message: Record<string, unknown>;
  format: SimPushFormat;
  mode: SimPushMode;
  /** The configured push URL (the signed query is added to it). */
  url: string;
  /** Whether the app answered HTTP 200 with `success` or an empty body. */
  acknowledged: boolean;
  attempts: SimPushAttempt[];
  /** Whether no further attempt will be made (acknowledged, gave up, not retried, or cancelled). */
  done: boolean;
  /** Whether the URL was refused without connecting (never for a configured URL, which is checked when set). */
  refused: boolean;
}

/**
 * What the URL check of {@link WeChatSimulator.checkPushUrl} found: `ok` when the app answered HTTP 200 with exactly the
 * `echostr` it was sent.
 * @publicApi
 */
export interface SimPushUrlCheck {
  ok: boolean;
  /** The app's HTTP status; 0 when there was none. */
  status: number;
  /** The first 1000 characters of the answer. */
  body: string;
  /** The `echostr` sent. */
  echostr: string;
  /** Why there was no answer: connection error, timeout. */
  error?: string;
}

/**
 * The development values of the simulator's message push (see `SIMULATOR_DEV_PUSH`).
 * @publicApi
 */
export interface SimulatorDevPush {
  token: string;
  encodingAesKey: string;
}
