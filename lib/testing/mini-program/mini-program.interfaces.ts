/**
 * Input of {@link WeChatSimulator.login}, the simulated `wx.login()`.
 * @publicApi
 */
export interface SimLoginInput {
  /** The user's openid; a new user with a random openid when absent. */
  openId?: string;
  /** The user's unionid; once set it stays with the user. */
  unionId?: string;
  /** The mini program; the first configured app when absent. */
  appId?: string;
}

/**
 * What the simulated `wx.login()` gives, plus the values a test wants to assert on.
 * @publicApi
 */
export interface SimLoginResult {
  /** The single-use code for `jscode2session`. */
  code: string;
  openId: string;
  /** The user's new session key (base64 of 16 bytes); `jscode2session` returns it for this code. */
  sessionKey: string;
  appId: string;
  unionId?: string;
}

/**
 * The public profile fields of `wx.getUserInfo`.
 * @publicApi
 */
export interface SimUserInfo {
  nickName: string;
  avatarUrl: string;
  /** 0 unknown, 1 male, 2 female (checked at run time). */
  gender: number;
  city: string;
  province: string;
  country: string;
  language: string;
}

/**
 * Input of {@link WeChatSimulator.userInfo}, the simulated `wx.getUserInfo()`.
 * @publicApi
 */
export interface SimUserInfoInput {
  openId: string;
  appId?: string;
  /** Profile fields; missing ones take development defaults. */
  userInfo?: Partial<SimUserInfo>;
}

/**
 * What the simulated `wx.getUserInfo()` gives the mini program.
 * @publicApi
 */
export interface SimUserInfoResult {
  /** Base64 AES-128-CBC ciphertext of the full profile with `openId` and `watermark`, under the current session key. */
  encryptedData: string;
  /** Base64 of the random 16-byte IV. */
  iv: string;
  /** JSON of the public profile fields. */
  rawData: string;
  /** `sha1(rawData + sessionKey)`, lowercase hex. */
  signature: string;
  userInfo: SimUserInfo;
}

/**
 * Input of {@link WeChatSimulator.phoneCode}, the simulated phone number button.
 * @publicApi
 */
export interface SimPhoneCodeInput {
  /** Digits without country code, e.g. `13800138000`. */
  phoneNumber: string;
  /** Digits without `+`, `86` by default. */
  countryCode?: string;
  /** When given, `getuserphonenumber` rejects another `openid` with 40003. */
  openId?: string;
  appId?: string;
}
