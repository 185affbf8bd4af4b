import type { MiniProgramOptionsProblem } from '../errors/mini-program-options.error';
import type { MiniProgramProfileOptions, MiniProgramPushOptions, ResolvedProfileOptions } from '../interfaces';

/** The defaults of `profile`. @internal */
export const PROFILE_DEFAULTS: ResolvedProfileOptions = {
  avatarMaxBytes: 2 * 1024 * 1024,
  nicknameReview: 'hold',
  avatarReview: 'hold',
  avatarPolicy: 'hold',
};

/** WeChat's media check downloads at most 10 MB: a larger avatar could never get a verdict. */
const AVATAR_MAX_BYTES_LIMIT = 10 * 1024 * 1024;
const KNOWN = new Set(['avatarStore', 'avatarMaxBytes', 'nicknameReview', 'avatarReview', 'avatarPolicy']);
const REVIEW_POLICIES: readonly unknown[] = ['hold', 'accept', 'reject'];

/**
 * Validates `profile` (its store is a live object, so it is checked here rather than by the class-validator schema)
 * and fills in its defaults. An avatar store without `push` is a problem: every avatar would wait for a verdict that
 * can only arrive as a message push, and stay pending for ever.
 * @internal
 */
export function resolveProfileOptions(
  profile: MiniProgramProfileOptions | undefined,
  push: MiniProgramPushOptions | undefined,
  problems: MiniProgramOptionsProblem[],
): ResolvedProfileOptions | undefined {
  if (profile === undefined) return undefined;
  const add = (key: string, message: string) => problems.push({ key: `profile${key}`, messages: [message] });
  if (profile === null || typeof profile !== 'object') {
    add('', 'profile must be an object');
    return undefined;
  }
  for (const key of Object.keys(profile)) if (!KNOWN.has(key)) add(`.${key}`, `property ${key} should not exist`);
  const store = profile.avatarStore as unknown as Record<string, unknown> | null | undefined;
  if (store !== undefined) {
    if (store === null || typeof store !== 'object' || typeof store.save !== 'function' || typeof store.remove !== 'function') {
      add('.avatarStore', 'profile.avatarStore must implement AvatarStore (save and remove methods), e.g. LocalDirectoryAvatarStore');
    } else if (push === null || typeof push !== 'object') {
      add('.avatarStore', "profile.avatarStore needs push: WeChat's verdicts on avatars arrive as message pushes");
    }
  }
  const max = profile.avatarMaxBytes;
  if (max !== undefined && (!Number.isInteger(max) || max < 1024 || max > AVATAR_MAX_BYTES_LIMIT)) {
    add('.avatarMaxBytes', `profile.avatarMaxBytes must be an integer from 1024 to ${AVATAR_MAX_BYTES_LIMIT} (10 MiB, what WeChat checks)`);
  }
  for (const key of ['nicknameReview', 'avatarReview'] as const) {
    if (profile[key] !== undefined && !REVIEW_POLICIES.includes(profile[key]))
      add(`.${key}`, `profile.${key} must be 'hold', 'accept' or 'reject'`);
  }
  if (profile.avatarPolicy !== undefined && profile.avatarPolicy !== 'hold' && profile.avatarPolicy !== 'accept') {
    add('.avatarPolicy', "profile.avatarPolicy must be 'hold' or 'accept'");
  }
  return {
    avatarStore: profile.avatarStore,
    avatarMaxBytes: max ?? PROFILE_DEFAULTS.avatarMaxBytes,
    nicknameReview: profile.nicknameReview ?? PROFILE_DEFAULTS.nicknameReview,
    avatarReview: profile.avatarReview ?? PROFILE_DEFAULTS.avatarReview,
    avatarPolicy: profile.avatarPolicy ?? PROFILE_DEFAULTS.avatarPolicy,
  };
}
