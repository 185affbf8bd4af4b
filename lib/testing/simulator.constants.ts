import type { SimulatorApp } from './simulator.interfaces';

/**
 * The documented development mini program of the simulator; its secret protects nothing.
 * @publicApi
 */
export const SIMULATOR_DEV_APP: SimulatorApp = Object.freeze({
  appId: 'wxdevsimulator0001',
  appSecret: 'devsimulatorsecret00000000000001',
});

/**
 * Port of the simulator command when neither `--port` nor `SIMULATOR_PORT` is given.
 * @publicApi
 */
export const SIMULATOR_CLI_DEFAULT_PORT = 3001;

/**
 * Interface the simulator listens on by default: loopback only.
 * @publicApi
 */
export const SIMULATOR_DEFAULT_HOST = '127.0.0.1';

/** Default lifetime of login and phone codes, in seconds. @internal */
export const DEFAULT_CODE_TTL_SECONDS = 300;

/** Default lifetime of access tokens, in seconds. @internal */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 7200;

/** Largest request body accepted; larger ones get HTTP 413. @internal */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Path prefix of the control API. @internal */
export const CONTROL_PREFIX = '/__sim/';

/** Bounds on stored codes, tokens and calls, so a long-running development simulator cannot grow without end. @internal */
export const STORE_LIMIT = 10_000;

/** Longest delay a fault may ask for, in milliseconds. @internal */
export const MAX_FAULT_DELAY_MS = 600_000;

/** WeChat error codes the simulator answers. @internal */
export const WeChatErrcode = {
  SYSTEM_ERROR: -1,
  INVALID_CREDENTIAL: 40001,
  INVALID_GRANT_TYPE: 40002,
  INVALID_OPENID: 40003,
  INVALID_APPID: 40013,
  INVALID_CODE: 40029,
  INVALID_URL: 40066,
  INVALID_APPSECRET: 40125,
  CODE_BEEN_USED: 40163,
  ACCESS_TOKEN_MISSING: 41001,
  APPID_MISSING: 41002,
  APPSECRET_MISSING: 41004,
  CODE_MISSING: 41008,
  ACCESS_TOKEN_EXPIRED: 42001,
  REQUIRE_GET: 43001,
  REQUIRE_POST: 43002,
  DATA_FORMAT_ERROR: 47001,
  INVALID_SIGNATURE: 87009,
} as const;

/** The wording of WeChat's `errmsg` for each code (the simulator appends `, rid: …`). @internal */
export const WECHAT_ERRMSG: Readonly<Record<number, string>> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40029: 'invalid code',
  40066: 'invalid url',
  40125: 'invalid appsecret',
  40163: 'code been used',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  42001: 'access_token expired',
  43001: 'require GET method',
  43002: 'require POST method',
  45011: 'api minute-quota reach limit mustslower retry next minute',
  47001: 'data format error',
  87009: 'invalid signature',
};
