/**
 * Subscribe messages (订阅消息): what the module keeps of the users' answers to `wx.requestSubscribeMessage`.
 * @publicApi
 */
export interface MiniProgramSubscribeOptions {
  /**
   * Keep a `WeChatSubscription` row per user and template, kept in step by the subscribe events WeChat pushes (the
   * pop-up answered, a template turned off, a message delivered), so that `send(…, { skipUnlessAccepted: true })` can
   * skip users who never accepted without asking WeChat. Needs `push`: the answers only arrive as message pushes.
   * Default: false.
   */
  recordConsent?: boolean;
}

/** `subscribe` after validation. @publicApi */
export interface ResolvedSubscribeOptions {
  recordConsent: boolean;
}
