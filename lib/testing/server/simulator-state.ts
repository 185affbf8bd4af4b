import { randomBytes } from 'node:crypto';
import { createNonceStr, randomBase64Url } from '../../crypto/random.util';
import { safeEqual } from '../../crypto/safe-equal.util';
import { encryptUserData, rawDataSignature } from '../../crypto/user-data.crypto';
import { MAX_FAULT_DELAY_MS, STORE_LIMIT, WeChatErrcode } from './simulator.constants';
import { SimulatorInputError, isPlainObject } from './simulator-http';
import type {
  SimLoginInput,
  SimLoginResult,
  SimPhoneCodeInput,
  SimUserInfo,
  SimUserInfoInput,
  SimUserInfoResult,
} from '../mini-program/mini-program.interfaces';
import type { SimActiveFault, SimCall, SimFault, SimulatorApp } from './simulator.interfaces';

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

/** `basic` tokens come from `/cgi-bin/token`, `stable` ones from `/cgi-bin/stable_token`. @internal */
export type AccessTokenKind = 'basic' | 'stable';

interface AccessTokenRecord {
  appId: string;
  kind: AccessTokenKind;
  expiresAt: number;
  revoked: boolean;
}

/** Either a value or the WeChat errcode explaining why not. @internal */
export type WeChatOutcome<T> = { ok: true; value: T } | { ok: false; errcode: number };

const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const DIGITS = /^[0-9]+$/;

const DEFAULT_USER_INFO: SimUserInfo = {
  nickName: 'WeChat User',
  avatarUrl: '',
  gender: 0,
  city: '',
  province: '',
  country: '',
  language: 'zh_CN',
};

/**
 * Everything the simulator remembers: apps, users, codes, tokens, faults and the calls log, with the operations of
 * the simulated mini program user. Shared by all route groups so later ones (WeChat Pay) can join without
 * restructuring.
 * @internal
 */
export class SimulatorState {
  readonly apps = new Map<string, SimulatorApp>();
  readonly users = new Map<string, SimUser>();
  readonly faults: SimActiveFault[] = [];
  readonly calls: SimCall[] = [];
  private readonly loginCodes = new Map<string, LoginCode>();
  private readonly phoneCodes = new Map<string, PhoneCode>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  /** The current token per `${kind}:${appId}`. */
  private readonly currentTokens = new Map<string, string>();
  private faultSeq = 0;

  constructor(readonly config: SimulatorConfig) {
    for (const app of config.apps) this.apps.set(app.appId, { ...app });
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
    const userInfo = profile(raw.userInfo);
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

  /**
   * The current token of a kind, or a new one when there is none, it expired or `renew` is set. A new token revokes
   * the previous one of the same kind at once.
   */
  accessToken(appId: string, kind: AccessTokenKind, renew: boolean): { token: string; expiresIn: number } {
    const slot = `${kind}:${appId}`;
    const now = this.now();
    const current = this.currentTokens.get(slot);
    const record = current === undefined ? undefined : this.accessTokens.get(current);
    if (!renew && current !== undefined && record && !record.revoked && now < record.expiresAt) {
      return { token: current, expiresIn: Math.max(1, Math.floor((record.expiresAt - now) / 1000)) };
    }
    if (record) record.revoked = true;
    const token = randomBase64Url(96);
    setBounded(this.accessTokens, token, { appId, kind, expiresAt: now + this.config.accessTokenTtlMs, revoked: false });
    this.currentTokens.set(slot, token);
    return { token, expiresIn: Math.max(1, Math.floor(this.config.accessTokenTtlMs / 1000)) };
  }

  /** Which app an access token belongs to, or why it is refused. */
  checkAccessToken(token: string | undefined): WeChatOutcome<{ appId: string }> {
    if (token === undefined) return { ok: false, errcode: WeChatErrcode.ACCESS_TOKEN_MISSING };
    const record = this.accessTokens.get(token);
    if (!record || record.revoked) return { ok: false, errcode: WeChatErrcode.INVALID_CREDENTIAL };
    if (this.now() >= record.expiresAt) return { ok: false, errcode: WeChatErrcode.ACCESS_TOKEN_EXPIRED };
    return { ok: true, value: { appId: record.appId } };
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
    this.currentTokens.clear();
    this.faults.length = 0;
    this.calls.length = 0;
  }

  private requireUser(appId: string, openId: unknown): SimUser {
    if (typeof openId !== 'string' || !ID_PATTERN.test(openId)) {
      throw new SimulatorInputError('openId must be 1-64 characters of [A-Za-z0-9_-]');
    }
    const user = this.user(appId, openId);
    if (!user) throw new SimulatorInputError(`unknown user ${openId} in app ${appId}; log in first`, 404);
    return user;
  }
}

function userKey(appId: string, openId: string): string {
  return `${appId}\n${openId}`;
}

/** Input typed for callers but checked at run time: it may come straight from a JSON body. @internal */
export function asInput(input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (!isPlainObject(input)) throw new SimulatorInputError('the input must be a JSON object');
  return input;
}

function optionalId(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new SimulatorInputError(`${name} must be 1-64 characters of [A-Za-z0-9_-]`);
  }
  return value;
}

function digits(value: unknown, name: string, min: number, max: number): string {
  if (typeof value !== 'string' || !DIGITS.test(value) || value.length < min || value.length > max) {
    throw new SimulatorInputError(`${name} must be a string of ${min}-${max} digits`);
  }
  return value;
}

function profile(input: unknown): SimUserInfo {
  if (input === undefined) return { ...DEFAULT_USER_INFO };
  if (!isPlainObject(input)) throw new SimulatorInputError('userInfo must be an object');
  const out: SimUserInfo = { ...DEFAULT_USER_INFO };
  for (const field of ['nickName', 'avatarUrl', 'city', 'province', 'country', 'language'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > 1024) {
      throw new SimulatorInputError(`userInfo.${field} must be a string of at most 1024 characters`);
    }
    out[field] = value;
  }
  if (input.gender !== undefined) {
    if (input.gender !== 0 && input.gender !== 1 && input.gender !== 2) {
      throw new SimulatorInputError('userInfo.gender must be 0, 1 or 2');
    }
    out.gender = input.gender;
  }
  // WeChat's rawData lists the fields in this order.
  return {
    nickName: out.nickName,
    gender: out.gender,
    language: out.language,
    city: out.city,
    province: out.province,
    country: out.country,
    avatarUrl: out.avatarUrl,
  };
}

function validateFault(input: unknown, id: string): SimActiveFault {
  const raw = asInput(input);
  const known = new Set(['path', 'count', 'delayMs', 'status', 'errcode', 'errmsg', 'close', 'payErrCode']);
  const unknown = Object.keys(raw).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new SimulatorInputError(`unknown fault fields: ${unknown.join(', ')}`);

  const path = raw.path ?? '*';
  if (typeof path !== 'string' || (path !== '*' && !path.startsWith('/'))) {
    throw new SimulatorInputError("path must be '*' or an API path starting with '/'");
  }
  if (path === '/__sim' || path.startsWith('/__sim/')) throw new SimulatorInputError('faults never apply to /__sim/');
  const count = raw.count ?? 1;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 1) {
    throw new SimulatorInputError('count must be a positive integer');
  }
  const fault: SimActiveFault = { id, path, count };
  if (raw.delayMs !== undefined) {
    if (typeof raw.delayMs !== 'number' || !Number.isFinite(raw.delayMs) || raw.delayMs < 0 || raw.delayMs > MAX_FAULT_DELAY_MS) {
      throw new SimulatorInputError(`delayMs must be a number from 0 to ${MAX_FAULT_DELAY_MS}`);
    }
    fault.delayMs = raw.delayMs;
  }
  if (raw.status !== undefined) {
    if (typeof raw.status !== 'number' || !Number.isInteger(raw.status) || raw.status < 200 || raw.status > 599) {
      throw new SimulatorInputError('status must be an integer HTTP status from 200 to 599');
    }
    fault.status = raw.status;
  }
  if (raw.errcode !== undefined) {
    if (typeof raw.errcode !== 'number' || !Number.isSafeInteger(raw.errcode)) {
      throw new SimulatorInputError('errcode must be an integer');
    }
    fault.errcode = raw.errcode;
  }
  if (raw.errmsg !== undefined) {
    if (typeof raw.errmsg !== 'string') throw new SimulatorInputError('errmsg must be a string');
    if (fault.errcode === undefined) throw new SimulatorInputError('errmsg needs errcode');
    fault.errmsg = raw.errmsg;
  }
  if (raw.close !== undefined) {
    if (typeof raw.close !== 'boolean') throw new SimulatorInputError('close must be a boolean');
    fault.close = raw.close;
  }
  if (raw.payErrCode !== undefined) {
    if (typeof raw.payErrCode !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(raw.payErrCode)) {
      throw new SimulatorInputError('payErrCode must be an upper-case WeChat Pay err_code such as SYSTEMERROR');
    }
    fault.payErrCode = raw.payErrCode;
  }
  if (
    fault.delayMs === undefined &&
    fault.status === undefined &&
    fault.errcode === undefined &&
    fault.payErrCode === undefined &&
    !fault.close
  ) {
    throw new SimulatorInputError('a fault needs at least one of delayMs, status, errcode, payErrCode or close');
  }
  return fault;
}

function faultApplies(fault: SimActiveFault, api: 'json' | 'pay'): boolean {
  if (fault.delayMs !== undefined || fault.status !== undefined || fault.close) return true;
  return api === 'json' ? fault.errcode !== undefined : fault.payErrCode !== undefined;
}

function setBounded<V>(map: Map<string, V>, key: string, value: V): void {
  if (map.size >= STORE_LIMIT) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
