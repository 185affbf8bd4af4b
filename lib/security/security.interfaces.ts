import type { EntityManager } from 'typeorm';
import type { WeChatMediaCheck, WeChatMediaType } from '../entities/wechat-media-check.entity';
import type { MediaCheckVerdict, WxaMediaCheckEvent } from '../push/wechat-push.events';

// WeChat's content security (内容安全) for the host's own user content, as the module types it: msgSecCheck and
// mediaCheckAsync, both version 2 (version 1 stopped being maintained on 2021-09-01), from WeChat's pages
// sec-center/sec-check/msgSecCheck and mediaCheckAsync (文本内容安全识别, 多媒体内容安全识别).

/**
 * Where the content appears (`scene`): WeChat weighs a verdict by it. `signature` is only checked in `Profile`.
 * @publicApi
 */
export const ContentSecurityScene = {
  /** 1 资料: a user's profile (nickname, signature, avatar). */
  Profile: 1,
  /** 2 评论: comments. */
  Comment: 2,
  /** 3 论坛: forum posts, articles. */
  Forum: 3,
  /** 4 社交日志: social feeds, chat (WeChat's answer for in-game chat). */
  SocialLog: 4,
} as const;

/** @publicApi */
export type ContentSecurityScene = (typeof ContentSecurityScene)[keyof typeof ContentSecurityScene];

/** WeChat's advice: `pass`, `review` (a person should look), `risky` (do not publish). @publicApi */
export type ContentSecuritySuggest = MediaCheckVerdict['suggest'];

/**
 * One strategy's finding (`detail[]`): valid only when `errcode` is 0. `keyword` and `level` come with the `keyword`
 * strategy when one of the app's custom keywords matched; `prob` (0–100) with the content model.
 * @publicApi
 */
export interface ContentSecurityDetail {
  /** `content_model`, `keyword`, …. */
  strategy: string;
  errcode: number;
  suggest?: ContentSecuritySuggest;
  /** 100 normal, 10001 ads, 20001 politics, 20002 porn, 20003 abuse, 20006 crime, 20008 fraud, 20012 vulgar, 20013 copyright, 21000 other. */
  label?: number;
  /** Confidence 0–100 that the content has this label. */
  prob?: number;
  /** The custom keyword that matched. */
  keyword?: string;
  level?: number;
}

/**
 * Input of {@link WeChatSecurityService.checkText} (msgSecCheck).
 * @publicApi
 */
export interface TextCheckInput {
  /** The text, at most 2500 characters. */
  content: string;
  /** The author's openid; WeChat wants a user who opened the mini program in the last two hours (else 61010). */
  openId: string;
  scene: ContentSecurityScene;
  /** The text's title, checked with it. */
  title?: string;
  /** The author's nickname, checked with it. */
  nickname?: string;
  /** The author's signature (个性签名): only in the `Profile` scene, where WeChat checks it. */
  signature?: string;
}

/**
 * WeChat's verdict on a text: a risky text is a result, not an error (the caller decides what to do with it).
 * @publicApi
 */
export interface TextCheckResult {
  /** The overall advice (`result.suggest`). */
  suggest: ContentSecuritySuggest;
  /** The overall label (`result.label`): 100 when normal. */
  label: number;
  /** WeChat's id of the call (`trace_id`), for questions to WeChat. */
  traceId: string;
  detail: ContentSecurityDetail[];
}

/**
 * Input of {@link WeChatSecurityService.checkMediaAsync} (mediaCheckAsync).
 * @publicApi
 */
export interface MediaCheckInput {
  /**
   * An `http(s)` URL WeChat can download, at most 10 MB: an image (jpg, jpeg, png, bmp, gif: the first frame) or audio
   * (mp3, aac, ac3, wma, flac, vorbis, opus, wav).
   */
  mediaUrl: string;
  /** What the URL holds; WeChat needs it right. */
  mediaType: WeChatMediaType;
  /** The user the media belongs to; WeChat wants one who opened the mini program in the last two hours (else 61010). */
  openId: string;
  scene: ContentSecurityScene;
}

/**
 * A media check WeChat accepted: its verdict comes later, pushed (`wxa_media_check`) to the `@OnMediaCheckResult()`
 * handlers with this `traceId`.
 * @publicApi
 */
export interface MediaCheckStarted {
  traceId: string;
}

/**
 * What `@OnMediaCheckResult()` handlers get, once per check, inside the transaction of the push that brought it (write
 * through `manager`: your changes commit or roll back with the record's).
 * @publicApi
 */
export interface MediaCheckResultEvent {
  traceId: string;
  /** The record's new status: the verdict's `suggest`, or `failed` when WeChat could not check the media. */
  status: Exclude<WeChatMediaCheck['status'], 'pending'>;
  /** The overall verdict; `null` when `failed`. */
  verdict: MediaCheckVerdict | null;
  /** The push's errcode: 0 with a verdict, else why there is none (-1008: the URL could not be downloaded). */
  errcode: number;
  detail: ContentSecurityDetail[];
  /** Whether this module started the check (`checkMediaAsync`); `false` for a `trace_id` it had no record of. */
  known: boolean;
  /** The record, resolved: the media's URL and type, the user (`mediaUrl` is `null` when not `known`). */
  check: WeChatMediaCheck;
  /** The push itself. */
  message: WxaMediaCheckEvent;
  manager: EntityManager;
  /** Runs `work` once the push's transaction has committed, never if it rolls back (see `WeChatPushEvent.afterCommit`). */
  afterCommit(work: () => unknown): void;
}
