// The subscribe-message APIs (订阅消息) as the module types them: WeChat's fields under TypeScript names, numbers as
// numbers, the template kinds named. Written from WeChat's pages subscribeMessage.send (api_sendmessage), getTemplateList
// (gettemplate), addTemplate, deleteTemplate, getCategory, getPubTemplateTitleList and getPubTemplateKeyWordsById, and
// the guide's rules for the values of each parameter type (subscribe-message.html, 订阅消息参数值内容限制说明).

/**
 * The value of one template parameter: text, a number (sent as its decimal text), or WeChat's own `{ value }` object.
 * @publicApi
 */
export type SubscribeDataValue = string | number | { value: string | number };

/**
 * One subscribe message to one user.
 * @publicApi
 */
export interface SubscribeMessage {
  /** The user's openid under this mini program. */
  toUser: string;
  /** The template's id (`priTmplId`, as `getTemplateList` lists it and the mini program passed to `wx.requestSubscribeMessage`). */
  templateId: string;
  /**
   * The template's parameters by key, as its content names them (`{{thing1.DATA}}` → `thing1`). The type in the key
   * (`thing`, `number`, `time`, …) sets the rule the value is checked against before anything is sent.
   */
  data: Record<string, SubscribeDataValue>;
  /** The mini program page the card opens, with its query (`pages/order/detail?id=42`); without it the card opens nothing. */
  page?: string;
  /** Which version of the mini program the card opens. Default (WeChat's): `formal`. */
  miniprogramState?: 'developer' | 'trial' | 'formal';
  /** The language of "进入小程序查看". Default (WeChat's): `zh_CN`. */
  lang?: 'zh_CN' | 'en_US' | 'zh_HK' | 'zh_TW';
}

/**
 * Per-call choices of {@link WeChatSubscribeMessageService.send}.
 * @publicApi
 */
export interface SubscribeSendOptions {
  /**
   * Do not call WeChat when the consent record (`subscribe.recordConsent`) has no acceptance of the user for the
   * template: no row, or a `reject` with no one-time acceptance left. The answer is then `{ sent: false, reason:
   * 'not-accepted' }`. Needs `subscribe.recordConsent`.
   */
  skipUnlessAccepted?: boolean;
}

/**
 * Why a message did not reach the user although the call was right: `refused` is WeChat's 43101 (the user has no
 * acceptance of the template left, never accepted it, or turned it off), `busy-user` its 43108 (another message to the
 * same user is being sent: try again later), `not-accepted` the consent record's answer (nothing was sent to WeChat).
 * @publicApi
 */
export type SubscribeNotSentReason = 'refused' | 'busy-user' | 'not-accepted';

/**
 * What became of a subscribe message. Refusals that concern the user (not the call) are results, not errors: sending
 * to users who declined is normal, and a loop over many users goes on.
 * @publicApi
 */
export type SubscribeSendResult =
  | { sent: true }
  | { sent: false; reason: 'refused' | 'busy-user'; errcode: number; errmsg: string }
  | { sent: false; reason: 'not-accepted' };

/** A template's kind: one message per acceptance (一次性订阅, type 2) or any number once accepted (长期订阅, type 3). @publicApi */
export type SubscribeTemplateKind = 'one-time' | 'long-term' | 'unknown';

/**
 * A template added to the mini program (`getTemplateList`).
 * @publicApi
 */
export interface SubscribeTemplate {
  /** `priTmplId`: what `send` and `wx.requestSubscribeMessage` take. */
  templateId: string;
  title: string;
  /** The content with its parameters, e.g. `会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n`. */
  content: string;
  /** The content with example values. */
  example: string;
  /** WeChat's `type`: 2 one-time, 3 long-term. */
  type: number;
  kind: SubscribeTemplateKind;
  /** The parameter keys of the content, in order (`['date2', 'thing1']`): the keys of `send`'s `data`. */
  keys: string[];
  /** The allowed values of enumerated parameters (`keywordEnumValueList`), by key. */
  enumValues?: Record<string, string[]>;
}

/** What `addTemplate` adds: a public title and the keywords chosen from it. @publicApi */
export interface AddSubscribeTemplateInput {
  /** The public title's id (`getPubTemplateTitles`' `tid`). */
  tid: string | number;
  /**
   * The keywords' `kid`s in the order they are to appear, 2 to 5 of them; empty for the newer one-time titles
   * (10000001 ≤ tid < 20000000), whose keywords are fixed.
   */
  kidList?: number[];
  /** The service scene (服务场景描述), at most 15 characters. */
  sceneDesc?: string;
}

/** A category of the mini program (`getCategory`), whose public titles `getPubTemplateTitles` lists. @publicApi */
export interface SubscribeCategory {
  id: number;
  name: string;
}

/** Which public titles `getPubTemplateTitles` lists. @publicApi */
export interface PubTemplateTitlesQuery {
  /** Category ids (`getCategory`), at least one. */
  ids: number[];
  /** Where the page starts, from 0. Default 0. */
  start?: number;
  /** How many, 1 to 30. Default 30. */
  limit?: number;
}

/** A public template title. @publicApi */
export interface PubTemplateTitle {
  tid: number;
  title: string;
  /** 2 one-time, 3 long-term. */
  type: number;
  kind: SubscribeTemplateKind;
  categoryId: number;
}

/** One page of public template titles, with how many there are in all. @publicApi */
export interface PubTemplateTitles {
  count: number;
  titles: PubTemplateTitle[];
}

/** A keyword of a public title, to choose for `addTemplate`. @publicApi */
export interface PubTemplateKeyword {
  kid: number;
  name: string;
  example: string;
  /** The parameter type (`thing`, `time`, `amount`, …): the key of the keyword in a template is this and its `kid`. */
  rule: string;
}
