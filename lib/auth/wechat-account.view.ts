import type { WeChatAccount } from '../entities/wechat-account.entity';

/**
 * What the API tells a client about its account: never the session key.
 * @publicApi
 */
export interface WeChatAccountView {
  id: number;
  openId: string;
  unionId: string | null;
  nickName: string | null;
  avatarUrl: string | null;
  /** A nickname waiting for the host's review (`POST profile` with `profile.nicknameReview: 'hold'`). */
  pendingNickName: string | null;
  /** An uploaded avatar waiting for WeChat's verdict (or the host's review): the user may preview it, others see `avatarUrl`. */
  pendingAvatarUrl: string | null;
  gender: number | null;
  city: string | null;
  province: string | null;
  country: string | null;
  language: string | null;
  phoneNumber: string | null;
  purePhoneNumber: string | null;
  countryCode: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The profile part of an account, as `updateUserInfo` answers it (`user` is the account id, as in the original). @publicApi */
export interface WeChatProfileView {
  id: number;
  nickName: string | null;
  avatarUrl: string | null;
  gender: number | null;
  city: string | null;
  province: string | null;
  country: string | null;
  language: string | null;
  user: number;
}

/** @internal */
export function toAccountView(a: WeChatAccount): WeChatAccountView {
  return {
    id: a.id,
    openId: a.openId,
    unionId: a.unionId ?? null,
    nickName: a.nickName ?? null,
    avatarUrl: a.avatarUrl ?? null,
    pendingNickName: a.pendingNickName ?? null,
    pendingAvatarUrl: a.pendingAvatarUrl ?? null,
    gender: a.gender ?? null,
    city: a.city ?? null,
    province: a.province ?? null,
    country: a.country ?? null,
    language: a.language ?? null,
    phoneNumber: a.phoneNumber ?? null,
    purePhoneNumber: a.purePhoneNumber ?? null,
    countryCode: a.countryCode ?? null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/** @internal */
export function toProfileView(a: WeChatAccount): WeChatProfileView {
  const { id, nickName, avatarUrl, gender, city, province, country, language } = toAccountView(a);
  return { id, nickName, avatarUrl, gender, city, province, country, language, user: id };
}
