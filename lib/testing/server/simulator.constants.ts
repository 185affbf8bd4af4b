import { SIMULATOR_DEV_V3 } from '../dev-keys/dev-v3-keys';
import type { SimulatorMerchant } from '../pay/pay.interfaces';
import type { SimulatorDevPush } from '../push/push.interfaces';
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
 * The documented development WeChat Pay merchant of the simulator, bound to {@link SIMULATOR_DEV_APP}. These are
 * development values: the API key protects nothing. Its client certificate is in `SIMULATOR_DEV_CERTIFICATES`; its API v3
 * credentials are those of `SIMULATOR_DEV_V3` (APIv3 key and merchant API certificate).
 * @publicApi
 */
export const SIMULATOR_DEV_MERCHANT: SimulatorMerchant = Object.freeze({
  appId: SIMULATOR_DEV_APP.appId,
  mchId: '1900000109',
  apiKey: 'devsimulatorapikey00000000000001',
  v3: Object.freeze({ apiV3Key: SIMULATOR_DEV_V3.apiV3Key, merchantCertificate: SIMULATOR_DEV_V3.merchantCertificate }),
});

/**
 * The documented development values of the simulator's message push (消息推送): a Token and an EncodingAESKey for
 * `sim.configurePush` (or the `push` option) and for the app's own `push` options. Development values: they protect
 * nothing.
 * @publicApi
 */
export const SIMULATOR_DEV_PUSH: SimulatorDevPush = Object.freeze({
  token: 'devsimulatorpushtoken01',
  encodingAesKey: 'devSimulatorEncodingAesKeyDevelopmentOnly01',
});

/**
 * Port of the simulator command when neither `--port` nor `SIMULATOR_PORT` is given.
 * @publicApi
 */
export const SIMULATOR_CLI_DEFAULT_PORT = 3001;

/**
 * HTTPS port of the simulated WeChat Pay API when the command gets neither `--pay-port` nor `SIMULATOR_PAY_PORT`.
 * @publicApi
 */
export const SIMULATOR_CLI_DEFAULT_PAY_PORT = 3002;

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

/** How long a `prepay_id` stays payable before the time scale: 2 hours, as in WeChat. @internal */
export const PREPAY_TTL_MS = 2 * 60 * 60 * 1000;

/** Default delay, before the time scale, between accepting a refund and settling it. @internal */
export const DEFAULT_REFUND_DELAY_MS = 1000;

/**
 * WeChat's waits between notification attempts (15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h:
 * 16 attempts over 24h4m), before the time scale.
 * @internal
 */
export const NOTIFY_RETRY_DELAYS_MS: readonly number[] = [
  15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600,
].map((seconds) => seconds * 1000);

/** How long one notification attempt may take, in real milliseconds (never scaled). @internal */
export const NOTIFY_TIMEOUT_MS = 5000;

/** How much of a notification answer is kept in the delivery report. @internal */
export const NOTIFY_BODY_KEEP_CHARS = 1000;

/** Most bytes of a notification answer read. @internal */
export const NOTIFY_MAX_ANSWER_BYTES = 64 * 1024;

/**
 * WeChat's waits between message push attempts, before the time scale: it retries a push three times when the app does
 * not answer `success` (within 5 s), so four attempts over about 15 s.
 * @internal
 */
export const PUSH_RETRY_DELAYS_MS: readonly number[] = [5000, 5000, 5000];

/** How long one message push attempt may take, in real milliseconds (never scaled): WeChat's 5 s. @internal */
export const PUSH_TIMEOUT_MS = 5000;

/** Refunds listed per `refundquery` page. @internal */
export const REFUND_QUERY_PAGE_SIZE = 10;

/** Fee rate of the simulated bills: 0.6 %, in thousandths. @internal */
export const FEE_RATE_PER_THOUSAND = 6;

/**
 * `return_msg` of a certificate API called without the merchant's client certificate (missing, not issued by the
 * development CA, or with a subject CN other than the request's `mch_id`).
 * @internal
 */
export const CERT_ERROR_MSG = '证书错误';
