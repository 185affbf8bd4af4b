/**
 * A mini program known to the simulator.
 * @publicApi
 */
export interface SimulatorApp {
  appId: string;
  appSecret: string;
}

/**
 * How a {@link WeChatSimulator} listens and behaves.
 * @publicApi
 */
export interface WeChatSimulatorOptions {
  /** Port to listen on; 0 (the default) picks a free one. The CLI defaults to 3001. */
  port?: number;
  /** Interface to listen on, `127.0.0.1` by default. */
  host?: string;
  /** Known mini programs; the first is the default app of the control API. Default: the development app. */
  apps?: SimulatorApp[];
  /** Lifetime of login codes and phone codes in seconds, 300 by default. */
  codeTtlSeconds?: number;
  /** Lifetime of access tokens in seconds, 7200 by default. */
  accessTokenTtlSeconds?: number;
  /**
   * Whether successful `jscode2session`, `stable_token` and `token` answers carry `errcode: 0, errmsg: 'ok'`
   * (real WeChat does both); `absent` by default. `checksession` and `getuserphonenumber` always carry them.
   */
  successErrcode?: 'absent' | 'zero';
  /** Receives one line per request and per internal error; never given secrets or session keys. */
  logger?: (line: string) => void;
}

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

/**
 * A misbehaviour injected into the WeChat API paths (never into `/__sim/`).
 * @publicApi
 */
export interface SimFault {
  /** Exact API path such as `/sns/jscode2session`, or `*` (the default) for every API path. */
  path?: string;
  /** How many matching calls it affects, 1 by default. */
  count?: number;
  /** Wait this long before answering (or before applying the other effects). */
  delayMs?: number;
  /** Answer with this HTTP status and a short text body (a JSON error body when `errcode` is also given). */
  status?: number;
  /** Answer `{errcode, errmsg}` (HTTP 200 unless `status` is given). */
  errcode?: number;
  /** The `errmsg` for `errcode`, sent as given; WeChat's wording plus a rid when absent. */
  errmsg?: string;
  /** Destroy the connection without answering. */
  close?: boolean;
}

/**
 * A registered fault: its id, path and how many calls it will still affect.
 * @publicApi
 */
export type SimActiveFault = SimFault & { id: string; path: string; count: number };

/**
 * One WeChat API call the simulator received.
 * @publicApi
 */
export interface SimCall {
  method: string;
  /** The path without query string (queries carry secrets). */
  path: string;
  /** The app the call was for, when it could be told. */
  appId?: string;
  /** When it arrived, in epoch milliseconds. */
  at: number;
  /** The HTTP status answered; 0 while unanswered (e.g. held by a delay) or when a fault closed the connection. */
  status: number;
  /** The `errcode` answered, when the answer had one. */
  errcode?: number;
  /** The id of the fault that shaped the answer. */
  faultId?: string;
}
