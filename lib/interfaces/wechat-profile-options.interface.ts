import type { AvatarStore } from '../profile/avatar.store';

/**
 * What becomes of content that WeChat's check sent to review (`suggest: 'review'`, a person should look): `hold` keeps it
 * pending for the host to decide, `accept` treats it as passed, `reject` as risky.
 * @publicApi
 */
export type ProfileReviewPolicy = 'hold' | 'accept' | 'reject';

/**
 * The profile users fill in today (`POST {routePrefix}/profile`): since 2022-10-25 `wx.getUserInfo` answers a grey
 * avatar and the nickname 微信用户, and mini programs collect both with the avatar and nickname fill-in components
 * (`open-type="chooseAvatar"`, `<input type="nickname">`). Every nickname and avatar goes through WeChat's content
 * security before anyone else sees it.
 * @publicApi
 */
export interface MiniProgramProfileOptions {
  /**
   * Where uploaded avatars are kept (`LocalDirectoryAvatarStore`, or your object storage). Without it the route refuses
   * avatars. Needs `push`: the verdicts of avatar checks arrive as message pushes.
   */
  avatarStore?: AvatarStore;
  /** The largest avatar accepted, in bytes, from 1024 to 10 MiB (WeChat checks media of at most 10 MB). Default: 2 MiB. */
  avatarMaxBytes?: number;
  /** A nickname WeChat sent to review: `hold` (kept as `pendingNickName`), `accept` (saved) or `reject` (422). Default: `hold`. */
  nicknameReview?: ProfileReviewPolicy;
  /** An avatar WeChat sent to review: `hold` (stays pending), `accept` (shown) or `reject` (withdrawn). Default: `hold`. */
  avatarReview?: ProfileReviewPolicy;
  /**
   * When an uploaded avatar is shown: `hold` once WeChat passed it (`pendingAvatarUrl` until then), `accept` at once,
   * withdrawn later if WeChat finds it risky. Default: `hold`.
   */
  avatarPolicy?: 'hold' | 'accept';
}

/** `profile` after defaults were applied and validation passed. @publicApi */
export interface ResolvedProfileOptions {
  avatarStore?: AvatarStore;
  avatarMaxBytes: number;
  nicknameReview: ProfileReviewPolicy;
  avatarReview: ProfileReviewPolicy;
  avatarPolicy: 'hold' | 'accept';
}
