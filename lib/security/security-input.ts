import { WeChatInputError } from '../errors/wechat-input.error';
import type { MediaCheckInput, TextCheckInput } from './security.interfaces';

// The limits are WeChat's, from the msgSecCheck and mediaCheckAsync pages: `content` 文本字数的上限为2500字 and UTF-8,
// `scene` 1 资料, 2 评论, 3 论坛, 4 社交日志 (40129 otherwise), `signature` 仅在资料类场景有效(scene=1), `media_type` 1 音频,
// 2 图片 (40004 otherwise), `version` 2. Checking them here names every problem at once; WeChat names one errcode per call.

/** An openid as WeChat issues them (28 characters today); the column that keeps it has 128. */
const OPENID = /^[A-Za-z0-9_-]{1,128}$/;
/** 文本字数的上限为2500字: characters, counted as code points. */
const MAX_TEXT = 2500;
/** WeChat documents no limit for a media URL; this is what `WeChatMediaCheck.mediaUrl` keeps. */
const MAX_URL = 2048;
/** A lone surrogate: text that has no UTF-8 form, which WeChat requires. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SCENES: readonly number[] = [1, 2, 3, 4];
/** `media_type` by the module's name of it. */
const MEDIA_TYPES = { audio: 1, image: 2 } as const;

/** The body of `wxa/msg_sec_check` (version 2), with WeChat's field names. @internal */
export interface TextCheckBody {
  version: 2;
  openid: string;
  scene: number;
  content: string;
  title?: string;
  nickname?: string;
  signature?: string;
}

/** The body of `wxa/media_check_async` (version 2), with WeChat's field names. @internal */
export interface MediaCheckBody {
  version: 2;
  openid: string;
  scene: number;
  media_url: string;
  media_type: 1 | 2;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The checks both calls share: the object itself, the openid, the scene. */
function common(api: string, input: unknown): { raw: Record<string, unknown>; problems: string[] } {
  if (!isObject(input)) throw new WeChatInputError(api, ['the input must be an object']);
  const problems: string[] = [];
  if (typeof input.openId !== 'string' || !OPENID.test(input.openId)) {
    problems.push("openId must be the user's openid: 1 to 128 letters, digits, _ or -");
  }
  if (!SCENES.includes(input.scene as number)) {
    problems.push('scene must be 1 (profile), 2 (comment), 3 (forum) or 4 (social log): ContentSecurityScene');
  }
  return { raw: input, problems };
}

/** A problem with a text field, if any: text of at most 2500 characters with a UTF-8 form; non-empty when `required`. */
function textProblem(name: string, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || (required && value.trim() === '')) return `${name} must be ${required ? 'non-blank ' : ''}text`;
  if ([...value].length > MAX_TEXT) return `${name} must have at most ${MAX_TEXT} characters (it has ${[...value].length})`;
  if (LONE_SURROGATE.test(value)) return `${name} must be valid Unicode text (it has a lone surrogate, which UTF-8 cannot carry)`;
  return undefined;
}

/**
 * Checks a text and builds the body of `msgSecCheck`.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function textCheckBody(input: TextCheckInput): TextCheckBody {
  const api = 'msgSecCheck';
  const { raw, problems } = common(api, input);
  for (const [name, required] of [
    ['content', true],
    ['title', false],
    ['nickname', false],
    ['signature', false],
  ] as const) {
    const problem = textProblem(name, raw[name], required);
    if (problem) problems.push(problem);
  }
  if (raw.signature !== undefined && raw.scene !== 1) {
    problems.push('signature is only checked in scene 1 (profile): WeChat ignores it in the others');
  }
  if (problems.length > 0) throw new WeChatInputError(api, problems);
  return {
    version: 2,
    openid: input.openId,
    scene: input.scene,
    content: input.content,
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.nickname !== undefined ? { nickname: input.nickname } : {}),
    ...(input.signature !== undefined ? { signature: input.signature } : {}),
  };
}

/** Whether a value is an absolute `http:` or `https:` URL without white space, of at most {@link MAX_URL} characters. */
function isMediaUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > MAX_URL || /\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * Checks a media check and builds the body of `mediaCheckAsync`.
 * @throws WeChatInputError naming every problem.
 * @internal
 */
export function mediaCheckBody(input: MediaCheckInput): MediaCheckBody {
  const api = 'mediaCheckAsync';
  const { raw, problems } = common(api, input);
  if (!isMediaUrl(raw.mediaUrl)) {
    problems.push(`mediaUrl must be an http(s) URL WeChat can download, at most ${MAX_URL} characters without spaces`);
  }
  if (raw.mediaType !== 'image' && raw.mediaType !== 'audio') problems.push("mediaType must be 'image' or 'audio'");
  if (problems.length > 0) throw new WeChatInputError(api, problems);
  return { version: 2, openid: input.openId, scene: input.scene, media_url: input.mediaUrl, media_type: MEDIA_TYPES[input.mediaType] };
}
