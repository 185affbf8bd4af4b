/**
 * WeChat's advice on content: `pass`, `review` (a person should look) or `risky`.
 * @publicApi
 */
export type SimSecuritySuggest = 'pass' | 'review' | 'risky';

/**
 * A scripted verdict on texts (msgSecCheck): a text whose content, title, nickname or signature contains `contains` gets
 * it. `label` defaults to 100 for `pass` and 21000 (其他) otherwise.
 * @publicApi
 */
export interface SimTextVerdictRule {
  contains: string;
  suggest: SimSecuritySuggest;
  label?: number;
}

/**
 * A scripted verdict on media (mediaCheckAsync): a media URL that contains `urlContains` gets it, pushed later. With
 * `errcode` (e.g. -1008, WeChat's "the media could not be downloaded") the push carries that errcode and no verdict, and
 * `suggest` and `label` are left out; else `suggest` is required and `label` defaults as for texts.
 * @publicApi
 */
export interface SimMediaVerdictRule {
  urlContains: string;
  suggest?: SimSecuritySuggest;
  label?: number;
  errcode?: number;
}

/**
 * Input of {@link WeChatSimulator.setSecurityVerdicts} (`POST /__sim/securityVerdicts`): what is given replaces what was
 * set; what is left out stays.
 * @publicApi
 */
export interface SimSecurityVerdictsInput {
  /** Verdicts on texts, the first match wins; anything else passes (label 100). */
  text?: SimTextVerdictRule[];
  /** Verdicts on media URLs, the first match wins; anything else passes (label 100), a URL that is not http(s) fails (-1008). */
  media?: SimMediaVerdictRule[];
  /** How long after the call a media verdict is pushed, in milliseconds before the time scale; 1000 by default. */
  delayMs?: number;
}

/**
 * The verdicts the simulator gives, as set (rules with their defaults filled in).
 * @publicApi
 */
export interface SimSecurityVerdicts {
  text: Array<Required<SimTextVerdictRule>>;
  media: SimMediaVerdictRule[];
  delayMs: number;
}

/**
 * A content check the simulator answered, text or media, with its verdict; for media, whether the verdict was pushed.
 * @publicApi
 */
export interface SimSecurityCheck {
  kind: 'text' | 'media';
  /** The `trace_id` of the answer (and of the media verdict's push). */
  traceId: string;
  appId: string;
  openId: string;
  /** 1 profile, 2 comment, 3 forum, 4 social log. */
  scene: number;
  /** Text: what was checked. */
  content?: string;
  title?: string;
  nickname?: string;
  signature?: string;
  /** Media: what was checked (1 audio, 2 image). */
  mediaUrl?: string;
  mediaType?: 1 | 2;
  /** The verdict; `null` for a media check that failed (`errcode`). */
  suggest: SimSecuritySuggest | null;
  label: number | null;
  /** 0, or why a media check gave no verdict (-1008: download error). */
  errcode: number;
  /** When the call came, epoch milliseconds. */
  at: number;
  /** Media: when the verdict push is due. */
  pushAt?: number;
  /** Media: the push's id (see `sim.pushes`) once it went out; never set when the app has no push configured. */
  pushId?: string;
}
