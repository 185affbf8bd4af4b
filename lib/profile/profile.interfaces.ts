import { toAccountView } from '../auth/wechat-account.view';
import type { WeChatAccountView } from '../auth/wechat-account.view';
import type { WeChatAccount } from '../entities/wechat-account.entity';

/**
 * A profile update as the mini program's fill-in components give it: the nickname of `<input type="nickname">` and the
 * file of `open-type="chooseAvatar"`, at least one of them.
 * @publicApi
 */
export interface ProfileUpdateInput {
  /** Trimmed, then 1 to 64 characters without control characters. */
  nickName?: string;
  /** The uploaded file: a PNG, JPEG, GIF or WebP of at most `profile.avatarMaxBytes`, by its bytes. */
  avatar?: Buffer;
  /** The file name the client sent. Never used; a path in it (`../…`) is refused, as no mini program sends one. */
  avatarFilename?: string;
}

/**
 * The answer of `POST profile`: the account as `GET me` shows it (with `pendingNickName` and `pendingAvatarUrl`), and
 * what of the profile waits: a nickname held for review, an avatar waiting for WeChat's verdict.
 * @publicApi
 */
export interface WeChatProfileUpdateView extends WeChatAccountView {
  pending: { nickName: boolean; avatar: boolean };
}

/** A host's decision on a held nickname or avatar. @publicApi */
export type ProfileReviewDecision = 'accept' | 'reject';

/** @internal */
export function toProfileUpdateView(account: WeChatAccount): WeChatProfileUpdateView {
  const view = toAccountView(account);
  return { ...view, pending: { nickName: view.pendingNickName !== null, avatar: view.pendingAvatarUrl !== null } };
}
