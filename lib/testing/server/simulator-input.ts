import { SimulatorInputError, isPlainObject } from './simulator-http';
import type { SimUserInfo } from '../mini-program/mini-program.interfaces';

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

/** Input typed for callers but checked at run time: it may come straight from a JSON body. @internal */
export function asInput(input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (!isPlainObject(input)) throw new SimulatorInputError('the input must be a JSON object');
  return input;
}

/** An openid or unionid of the control API: 1-64 characters of `[A-Za-z0-9_-]`. @internal */
export function requiredId(value: unknown, name: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new SimulatorInputError(`${name} must be 1-64 characters of [A-Za-z0-9_-]`);
  }
  return value;
}

/** As {@link requiredId}, or `undefined` when not given. @internal */
export function optionalId(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  return requiredId(value, name);
}

/** A string of `min` to `max` digits, such as a phone number or a country code. @internal */
export function digits(value: unknown, name: string, min: number, max: number): string {
  if (typeof value !== 'string' || !DIGITS.test(value) || value.length < min || value.length > max) {
    throw new SimulatorInputError(`${name} must be a string of ${min}-${max} digits`);
  }
  return value;
}

/** The profile `wx.getUserInfo()` gives: the fields given over WeChat's defaults, in WeChat's order. @internal */
export function userProfile(input: unknown): SimUserInfo {
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
