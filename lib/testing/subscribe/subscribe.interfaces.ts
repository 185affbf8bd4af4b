import type { SimPush } from '../push/push.interfaces';

/**
 * A user's answer to a template in the subscribe pop-up of `wx.requestSubscribeMessage`.
 * @publicApi
 */
export type SimSubscribeAnswer = 'accept' | 'reject';

/**
 * A template's kind: one message per acceptance (一次性订阅, WeChat's type 2), or any number once accepted (长期订阅,
 * type 3).
 * @publicApi
 */
export type SimSubscribeTemplateKind = 'one-time' | 'long-term';

/**
 * Input of {@link WeChatSimulator.subscribe}: the user answering the subscribe pop-up of `wx.requestSubscribeMessage`.
 * @publicApi
 */
export interface SimSubscribeInput {
  /** The mini program; the first configured app when absent. */
  appId?: string;
  /** The user; must have logged in (`wx.login()`). */
  openId: string;
  /** The templates asked for, 1 to 5 of the app's added templates, all one-time or all long-term (as WeChat requires). */
  templateIds: string[];
  /** `true` (the default) accepts every template, `false` rejects every one; an object answers per template id (unlisted ones accept). */
  accept?: boolean | Record<string, boolean>;
}

/**
 * What the simulator knows of one user's consent to one template.
 * @publicApi
 */
export interface SimSubscription {
  appId: string;
  openId: string;
  templateId: string;
  kind: SimSubscribeTemplateKind;
  /** The last answer: the pop-up's, or `reject` once turned off in the settings. */
  status: SimSubscribeAnswer;
  /** One-time acceptances not yet used by a message (always 0 for a long-term template, which needs `accept` only). */
  acceptancesLeft: number;
}

/**
 * What the subscribe pop-up did: the answer per template (as `wx.requestSubscribeMessage`'s success callback gives
 * it), the consent afterwards, and the `subscribe_msg_popup_event` push to the app (none when it has no push configured).
 * @publicApi
 */
export interface SimSubscribeResult {
  answers: Record<string, SimSubscribeAnswer>;
  subscriptions: SimSubscription[];
  pushes: SimPush[];
}

/**
 * Input of {@link WeChatSimulator.subscribeChange}: the user turning a template off in the mini program's settings.
 * @publicApi
 */
export interface SimSubscribeChangeInput {
  appId?: string;
  openId: string;
  templateId: string;
}

/**
 * The consent after a change, and the `subscribe_msg_change_event` push to the app (none without a push configuration).
 * @publicApi
 */
export interface SimSubscribeChangeResult {
  subscription: SimSubscription;
  pushes: SimPush[];
}

/**
 * A template added to an app (what `wxaapi/newtmpl/gettemplate` lists): the app's defaults, or one added with
 * `addtemplate`.
 * @publicApi
 */
export interface SimSubscribeTemplate {
  appId: string;
  /** `priTmplId`. */
  templateId: string;
  /** The public title it was made from. */
  tid: number;
  title: string;
  /** `name:{{rule kid.DATA}}` a line, as WeChat writes it. */
  content: string;
  example: string;
  /** 2 one-time, 3 long-term. */
  type: 2 | 3;
  kind: SimSubscribeTemplateKind;
  /** The keywords chosen, in order. */
  kidList: number[];
  sceneDesc?: string;
}

/**
 * A subscribe message the simulator delivered to a user.
 * @publicApi
 */
export interface SimSubscribeMessage {
  /** WeChat's `msgid` (19 digits, as text: it does not fit a JavaScript number), also the `MsgID` of the sent event. */
  msgId: string;
  appId: string;
  openId: string;
  templateId: string;
  title: string;
  /** The parameters as sent, by key. */
  data: Record<string, string>;
  /** The card's text: the template's content with the values in place. */
  text: string;
  page?: string;
  miniprogramState: 'developer' | 'trial' | 'formal';
  lang: string;
  /** When it was delivered, in milliseconds since the epoch. */
  at: number;
}
