/**
 * The result of `code2Session` (`sns/jscode2session`).
 * @publicApi
 */
export interface WeChatSession {
  openId: string;
  /** Base64 of 16 bytes. Keep it server-side; never send it to the client. */
  sessionKey: string;
  /** Present only when the mini program is bound to an Open Platform account. */
  unionId?: string;
}

/**
 * The phone number behind a `getPhoneNumber` button code.
 * @publicApi
 */
export interface WeChatPhoneInfo {
  /** With country code for numbers outside China, e.g. `13800138000` or `+14155550100`. */
  phoneNumber: string;
  /** Without country code. */
  purePhoneNumber: string;
  countryCode: string;
  watermark?: { timestamp: number; appid: string };
}
