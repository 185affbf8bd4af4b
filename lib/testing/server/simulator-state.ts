import { randomBytes } from 'node:crypto';
import { createNonceStr, randomBase64Url } from '../../crypto/random.util';
import { safeEqual } from '../../crypto/safe-equal.util';
import { encryptUserData, rawDataSignature } from '../../crypto/user-data.crypto';
import { STORE_LIMIT, WeChatErrcode } from './simulator.constants';
import { SimulatorAccessTokens } from './simulator-access-tokens';
import type { AccessTokenKind } from './simulator-access-tokens';
import { faultApplies, validateFault } from './simulator-faults';
import { SimulatorInputError } from './simulator-http';
import { asInput, digits, optionalId, requiredId, userProfile } from './simulator-input';
import { setBounded } from './simulator-store';
import type {
  SimLoginInput,
  SimLoginResult,
  SimPhoneCodeInput,
  SimUserInfoInput,
  SimUserInfoResult,
} from '../mini-program/mini-program.interfaces';
import type { SimActiveFault, SimCall, SimFault, SimulatorApp } from './simulator.interfaces';

// Both moved out of this file (to simulator-input and simulator-access-tokens) but stay importable from the state, where
// the pay states take asInput from.
export { asInput };
export type { AccessTokenKind };

/** Settings the state needs, already validated. @internal */
export interface SimulatorConfig {
  apps: SimulatorApp[];
  codeTtlMs: number;
  accessTokenTtlMs: number;
  successErrcode: boolean;
}

/** A simulated WeChat user of one mini program (openids are per app, as in WeChat). @internal */
export interface SimUser {
  appId: string;
  openId: string;
  unionId?: string;
  /** The current session key; each login replaces it. */
  sessionKey: string;
}

interface LoginCode {
  appId: string;
  openId: string;
  /** The session key current when the code was issued. */
  sessionKey: string;
  expiresAt: number;
  used: boolean;
}

interface PhoneCode {
  appId: string;
  openId?: string;
  countryCode: string;
  purePhoneNumber: string;
  expiresAt: number;
  used: boolean;
}

/** Either a value or the WeChat errcode explaining why not. @internal */
export type WeChatOutcome<T> = { ok: true; value: T } | { ok: false; errcode: number };

/**
 * Everything the simulator remembers: apps, users, codes, tokens (kept by {@link SimulatorAccessTokens}), faults and
 * the calls log, with the operations of the simulated mini program user. Shared by all route groups so later ones
 * (WeChat Pay) can join without restructuring.
 * @internal
 */
export class SimulatorState {
  readonly apps = new Map<string, SimulatorApp>();
  readonly users = new Map<string, SimUser>();
  readonly faults: SimActiveFault[] = [];
  readonly calls: SimCall[] = [];
  private readonly loginCodes = new Map<string, LoginCode>();
  private readonly phoneCodes = new Map<string, PhoneCode>();
  private readonly accessTokens: SimulatorAccessTokens;
  private faultSeq = 0;

  constructor(readonly config: SimulatorConfig) {
    for (const app of config.apps) this.apps.set(app.appId, { ...app });
    this.accessTokens = new SimulatorAccessTokens(config.accessTokenTtlMs, () => this.now());
  }

  /** The clock of every expiry; `Date.now()` so that tests can fake it. */
  now(): number {
    return Date.now();
  }

  /** The app the control API means: the given one, or the first configured. */
  resolveApp(appId: unknown): SimulatorApp {
    if (appId === undefined) return this.config.apps[0];
    if (typeof appId !== 'string') throw new SimulatorInputError('appId must be a string');
    const app = this.apps.get(appId);
    if (!app) throw new SimulatorInputError(`unknown appId ${JSON.stringify(appId)}`);
    return app;
  }

  /** The user of `openId` in `appId`, if any. */
  user(appId: string, openId: string): SimUser | undefined {
    return this.users.get(userKey(appId, openId));
  }

  /** Plays `wx.login()`: creates the user on first use, rotates its session key and issues a code. */
  login(input: SimLoginInput = {}): SimLoginResult {
    const raw = asInput(input);
    const app = this.resolveApp(raw.appId);
    const openId = optionalId(raw.openId, 'openId') ?? `o${randomBase64Url(20)}`;
    const unionId = optionalId(raw.unionId, 'unionId');
    const key = userKey(app.appId, openId);
    let user = this.users.get(key);
    if (user?.unionId !== undefined && unionId !== undefined && user.unionId !== unionId) {
      throw new SimulatorInputError(`user ${openId} already has another unionId`);
    }
    if (!user) {
      user = { appId: app.appId, openId, sessionKey: '' };
      this.users.set(key, user);
    }
    if (unionId !== undefined) user.unionId = unionId;
    user.sessionKey = randomBytes(16).toString('base64');
    const code = createNonceStr(32);
    setBounded(this.loginCodes, code, {
      appId: app.appId,
      openId,
      sessionKey: user.sessionKey,
      expiresAt: this.now() + this.config.codeTtlMs,
      used: false,
    });
    return { code, openId, sessionKey: user.sessionKey, appId: app.appId, ...(user.unionId ? { unionId: user.unionId } : {}) };
  }

  /** Plays `wx.getUserInfo()`: the profile encrypted and signed with the user's current session key. */
  userInfo(input: SimUserInfoInput): SimUserInfoResult {
    const raw = asInput(input);
    const app = this.resolveApp(raw.appId);
    const user = this.requireUser(app.appId, raw.openId);
    const userInfo = userProfile(raw.userInfo);
    const rawData = JSON.stringify(userInfo);
    const plaintext = {
      openId: user.openId,
      nickName: userInfo.nickName,
      gender: userInfo.gender,
      language: userInfo.language,
      city: userInfo.city,
      province: userInfo.province,
      country: userInfo.country,
      avatarUrl: userInfo.avatarUrl,
      ...(user.unionId ? { unionId: user.unionId } : {}),
      watermark: { timestamp: Math.floor(this.now() / 1000), appid: app.appId },
    };
    const { encryptedData, iv } = encryptUserData(plaintext, user.sessionKey);
    return { encryptedData, iv, rawData, signature: rawDataSignature(rawData, user.sessionKey), userInfo };
  }

  /** Plays the phone number button: a single-use code for `getuserphonenumber`. */
  phoneCode(input: SimPhoneCodeInput): { code: string } {
    const raw = asInput(input);
    const app = this.resolveApp(raw.appId);
    const purePhoneNumber = digits(raw.phoneNumber, 'phoneNumber', 4, 20);
    const countryCode = raw.countryCode === undefined ? '86' : digits(raw.countryCode, 'countryCode', 1, 4);
    let openId: string | undefined;
    if (raw.openId !== undefined) openId = this.requireUser(app.appId, raw.openId).openId;
    const code = createNonceStr(32);
    setBounded(this.phoneCodes, code, {
      appId: app.appId,
      openId,
      countryCode,
      purePhoneNumber,
      expiresAt: this.now() + this.config.codeTtlMs,
      used: false,
    });
    return { code };
  }

  /** Exchanges a login code once, as `jscode2session` does. */
  exchangeLoginCode(appId: string, code: string): WeChatOutcome<SimUser> {
    const entry = this.loginCodes.get(code);
    if (!entry || entry.appId !== appId) return { ok: false, errcode: WeChatErrcode.INVALID_CODE };
    if (entry.used) return { ok: false, errcode: WeChatErrcode.CODE_BEEN_USED };
    if (this.now() >= entry.expiresAt) return { ok: false, errcode: WeChatErrcode.INVALID_CODE };
    entry.used = true;
    const unionId = this.user(appId, entry.openId)?.unionId;
    return { ok: true, value: { appId, openId: entry.openId, sessionKey: entry.sessionKey, ...(unionId ? { unionId } : {}) } };
  }

  /** Consumes a phone code once, as `getuserphonenumber` does. */
  consumePhoneCode(appId: string, code: string, openId: string | undefined): WeChatOutcome<PhoneCode> {
    const entry = this.phoneCodes.get(code);
    if (!entry || entry.appId !== appId || entry.used || this.now() >= entry.expiresAt) {
      return { ok: false, errcode: WeChatErrcode.INVALID_CODE };
    }
    if (openId !== undefined && entry.openId !== undefined && openId !== entry.openId) {
      return { ok: false, errcode: WeChatErrcode.INVALID_OPENID };
    }
    entry.used = true;
    return { ok: true, value: entry };
  }

  /** The token `/cgi-bin/token` (`basic`) or `/cgi-bin/stable_token` (`stable`) answers; see {@link SimulatorAccessTokens.issue}. */
  accessToken(appId: string, kind: AccessTokenKind, renew: boolean): { token: string; expiresIn: number } {
    return this.accessTokens.issue(appId, kind, renew);
  }

  /** The app of the access token a call carries, or the errcode refusing it. */
  checkAccessToken(token: string | undefined): WeChatOutcome<{ appId: string }> {
    return this.accessTokens.check(token);
  }

  /** Whether `secret` is the app's secret, compared in constant time. */
  secretMatches(app: SimulatorApp, secret: string): boolean {
    return safeEqual(secret, app.appSecret);
  }

  /** Registers a fault after checking it. */
  addFault(fault: SimFault): SimActiveFault {
    const active = validateFault(fault, `f${++this.faultSeq}`);
    this.faults.push(active);
    return { ...active };
  }

  /**
   * Takes one use of the first fault matching `path` that has an effect on that kind of API (`errcode` only on the
   * JSON APIs, `payErrCode` only on the pay APIs), removing it when used up.
   */
  takeFault(path: string, api: 'json' | 'pay' = 'json'): SimActiveFault | undefined {
    const index = this.faults.findIndex((f) => (f.path === '*' || f.path === path) && faultApplies(f, api));
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.count -= 1;
    if (fault.count <= 0) this.faults.splice(index, 1);
    return fault;
  }

  /** Appends to the calls log, dropping the oldest entries beyond the store limit. */
  recordCall(call: SimCall): void {
    this.calls.push(call);
    if (this.calls.length > STORE_LIMIT) this.calls.splice(0, this.calls.length - STORE_LIMIT);
  }

  /** Called by {@link reset}, so that later route groups (WeChat Pay) forget their state too. */
  readonly resetHooks: Array<() => void> = [];

  /** Forgets users, codes, tokens, faults and calls (and what the reset hooks forget); the apps stay. */
  reset(): void {
    for (const hook of this.resetHooks) hook();
    this.users.clear();
    this.loginCodes.clear();
    this.phoneCodes.clear();
    this.accessTokens.clear();
    this.faults.length = 0;
    this.calls.length = 0;
  }

  private requireUser(appId: string, openId: unknown): SimUser {
    const user = this.user(appId, requiredId(openId, 'openId'));
    if (!user) throw new SimulatorInputError(`unknown user ${openId} in app ${appId}; log in first`, 404);
    return user;
  }
}

function userKey(appId: string, openId: string): string {
  return `${appId}\n${openId}`;
}
