/**
 * A mini program known to the simulator.
 * @publicApi
 */
export interface SimulatorApp {
  appId: string;
  appSecret: string;
}

/**
 * A WeChat Pay (API v2) merchant known to the simulator.
 * @publicApi
 */
export interface SimulatorMerchant {
  /** The mini program the merchant is bound to; it must be one of the simulator's apps. */
  appId: string;
  /** The merchant id (`mch_id`). */
  mchId: string;
  /** The API v2 key that signs requests, answers and notifications. */
  apiKey: string;
  /** The merchant's WeChat Pay API v3 credentials; without them the merchant's v3 requests get 401 `SIGN_ERROR`. */
  v3?: SimulatorMerchantV3;
}

/**
 * The WeChat Pay API v3 credentials of a simulated merchant.
 * @publicApi
 */
export interface SimulatorMerchantV3 {
  /** The APIv3 key (32 ASCII characters): encrypts notification resources and downloaded platform certificates. */
  apiV3Key: string;
  /**
   * The merchant API certificate (PEM): its public key verifies the merchant's requests and its serial is the
   * `serial_no` the `Authorization` header must carry.
   */
  merchantCertificate: string;
}

/**
 * How the simulated WeChat Pay API v3 signs answers and notifications: with the "WeChat Pay public key"
 * (`Wechatpay-Serial: PUB_KEY_ID_…`, `GET /v3/certificates` answers 404 as for new merchants) or with a platform
 * certificate (`Wechatpay-Serial` is its serial, `GET /v3/certificates` lists it).
 * @publicApi
 */
export type SimPayV3Mode = 'public-key' | 'certificate';

/**
 * The v3 signing settings of a simulator (`GET`/`POST /__sim/v3`).
 * @publicApi
 */
export interface SimPayV3Settings {
  mode: SimPayV3Mode;
  /**
   * Whether the platform certificate was rotated: certificate mode then signs with `SIMULATOR_DEV_V3.nextPlatform…`
   * and `GET /v3/certificates` lists both certificates (the overlap WeChat keeps during a rotation).
   */
  rotated: boolean;
  /** The `Wechatpay-Serial` answers and notifications carry now. */
  serial: string;
}

/**
 * Input of {@link WeChatSimulator.setPayV3} (`POST /__sim/v3`); absent fields keep their value.
 * @publicApi
 */
export interface SimPayV3SettingsInput {
  mode?: SimPayV3Mode;
  rotate?: boolean;
}

/**
 * The development TLS material of the simulated WeChat Pay API (see `SIMULATOR_DEV_CERTIFICATES`). All PEM.
 * @publicApi
 */
export interface SimulatorDevCertificates {
  /** The development CA that signed the server and client certificates. */
  ca: string;
  serverCert: string;
  serverKey: string;
  /** The client certificate of the development merchant, subject CN `1900000109`. */
  clientCert: string;
  clientKey: string;
  /** PKCS#12 of the client certificate and key, passphrase `1900000109`, modern encryption (AES-256), base64. */
  clientPfxBase64: string;
  /** The same PKCS#12 in legacy encryption (RC2-40/3DES) like old `apiclient_cert.p12` files, base64. */
  legacyClientPfxBase64: string;
}

/**
 * The development key material of the simulated WeChat Pay API v3 (see `SIMULATOR_DEV_V3`). Keys and certificates are
 * PEM (private keys PKCS#8, the WeChat Pay public key SPKI); serials are uppercase hex like `openssl x509 -serial`.
 * @publicApi
 */
export interface SimulatorDevV3Keys {
  /** The APIv3 key of the development merchant: 32 ASCII characters, the AES-256-GCM key. */
  apiV3Key: string;
  /** The merchant API private key (`apiclient_key.pem`), which signs requests. */
  merchantPrivateKey: string;
  /** The merchant API certificate (`apiclient_cert.pem`), subject CN `1900000109`. */
  merchantCertificate: string;
  /** The serial of {@link merchantCertificate}: the `serial_no` of the `Authorization` header. */
  merchantSerialNo: string;
  /** The private key behind the "WeChat Pay public key" (the simulator signs with it). */
  wechatPayPrivateKey: string;
  /** The "WeChat Pay public key" merchants verify with (`pub_key.pem`, SPKI). */
  wechatPayPublicKey: string;
  /** The id of the WeChat Pay public key (`PUB_KEY_ID_` + digits), sent as `Wechatpay-Serial`. */
  publicKeyId: string;
  /** The private key of the current platform certificate (the simulator signs with it). */
  platformPrivateKey: string;
  /** The current platform certificate. */
  platformCertificate: string;
  /** The serial of {@link platformCertificate}, sent as `Wechatpay-Serial`. */
  platformSerialNo: string;
  /** The private key of the next platform certificate, for rotation tests. */
  nextPlatformPrivateKey: string;
  /** The next platform certificate, for rotation tests. */
  nextPlatformCertificate: string;
  /** The serial of {@link nextPlatformCertificate}. */
  nextPlatformSerialNo: string;
  /** The development CA that signed the three certificates; its private key was thrown away. */
  certificateAuthority: string;
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
  /** HTTPS port of the WeChat Pay API (same host); 0 (the default) picks a free one. The CLI defaults to 3002. */
  payPort?: number;
  /**
   * Known WeChat Pay merchants. Default: the development merchant `1900000109`, bound to the first app (which is
   * exactly `SIMULATOR_DEV_MERCHANT` with the default apps). Only `1900000109` has a client certificate. Only merchants
   * with `v3` credentials can call the API v3 (`/v3/...`) routes.
   */
  merchants?: SimulatorMerchant[];
  /**
   * Multiplies every simulated delay: notification retries, refund settlement and `prepay_id` expiry (not the 5 s
   * timeout of one notification attempt). 1 by default; e.g. 0.001 in tests.
   */
  timeScale?: number;
  /** Delay between accepting a refund (PROCESSING) and settling it (SUCCESS), before the time scale; 1000 by default. */
  refundDelayMs?: number;
  /**
   * How the WeChat Pay API v3 signs answers and notifications, `public-key` by default; switchable at run time with
   * `POST /__sim/v3`.
   */
  payV3Mode?: SimPayV3Mode;
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
  /**
   * WeChat Pay API paths only: answer a well-formed, correctly signed request with `result_code FAIL` and this
   * `err_code` (e.g. `SYSTEMERROR`), signed. `errcode`/`errmsg` never apply to the XML APIs and `payErrCode` never
   * applies to the JSON APIs; a fault with no effect on a path's kind of API is not used up by it. On the API v3 paths
   * (`/v3/...`) an authenticated request is answered with this v3 error code instead, signed (`SYSTEMERROR` → 500
   * `SYSTEM_ERROR`, `FREQUENCY_LIMITED` → 429, `NOAUTH` → 403, `ORDERNOTEXIST` → 404 `ORDER_NOT_EXIST`, others 400).
   */
  payErrCode?: string;
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
  /** WeChat Pay calls: the merchant, when it could be told. */
  mchId?: string;
  /** WeChat Pay calls: the `return_code` answered. */
  returnCode?: string;
  /** WeChat Pay calls: the `err_code` of a `result_code FAIL` answer. */
  errCode?: string;
}

/**
 * The two signature types of WeChat Pay API v2.
 * @publicApi
 */
export type SimPaySignType = 'MD5' | 'HMAC-SHA256';

/**
 * The `trade_state` of a simulated order. `USERPAYING` is never produced (it belongs to code payments).
 * @publicApi
 */
export type SimTradeState = 'SUCCESS' | 'REFUND' | 'NOTPAY' | 'CLOSED' | 'USERPAYING' | 'PAYERROR';

/**
 * The status of a simulated refund.
 * @publicApi
 */
export type SimRefundStatus = 'PROCESSING' | 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE';

/**
 * A simulated WeChat Pay order (a copy of the simulator's state).
 * @publicApi
 */
export interface SimOrder {
  appId: string;
  mchId: string;
  outTradeNo: string;
  body: string;
  /** In fen. */
  totalFee: number;
  tradeType: string;
  openId?: string;
  notifyUrl: string;
  attach?: string;
  deviceInfo?: string;
  spbillCreateIp: string;
  /** `time_start`/`time_expire` as sent (yyyyMMddHHmmss, Beijing time). */
  timeStart?: string;
  timeExpire?: string;
  /** The sign type of the `unifiedorder` request, which the payment notification uses too. */
  signType: SimPaySignType;
  prepayId: string;
  /** Epoch ms after which the `prepay_id` can no longer be paid (2 hours, times the time scale). */
  prepayExpiresAt: number;
  createdAt: number;
  tradeState: SimTradeState;
  transactionId?: string;
  bankType?: string;
  /** yyyyMMddHHmmss, Beijing time. */
  timeEnd?: string;
  paidAt?: number;
  /** The `out_refund_no` of each refund, oldest first. */
  refunds: string[];
  /** `v3` when created through `POST /v3/pay/transactions/jsapi` (its notifications are then v3); absent for API v2. */
  apiVersion?: 'v3';
}

/**
 * A simulated refund (a copy of the simulator's state).
 * @publicApi
 */
export interface SimRefund {
  appId: string;
  mchId: string;
  outTradeNo: string;
  transactionId: string;
  outRefundNo: string;
  refundId: string;
  /** In fen. */
  totalFee: number;
  refundFee: number;
  refundDesc?: string;
  notifyUrl?: string;
  status: SimRefundStatus;
  createdAt: number;
  settledAt?: number;
  /** `yyyy-MM-dd HH:mm:ss`, Beijing time, once SUCCESS. */
  successTime?: string;
  /** `v3` when requested through `POST /v3/refund/domestic/refunds` (its notification is then v3); absent for API v2. */
  apiVersion?: 'v3';
}

/**
 * Input of {@link WeChatSimulator.pay}, the user confirming `wx.requestPayment`.
 * @publicApi
 */
export interface SimPayInput {
  prepayId: string;
  /**
   * `FAIL` marks the order PAYERROR and notifies `result_code FAIL`; `SUCCESS` by default. API v3 orders: `FAIL` sends
   * nothing (WeChat's v3 only notifies successful payments); the answer's notification then has no attempts and is not
   * listed.
   */
  result?: 'SUCCESS' | 'FAIL';
  /** The `bank_type`, `OTHERS` by default. */
  bankType?: string;
}

/**
 * One attempt to deliver a notification. It is listed when it starts: `status` 0 without `error` means the answer is
 * still awaited.
 * @publicApi
 */
export interface SimNotificationAttempt {
  /** When the attempt started, epoch ms. */
  at: number;
  /** The HTTP status of the app's answer; 0 when there was none. */
  status: number;
  /** The first 1000 characters of the answer. */
  body: string;
  /** Why there was no usable answer: refused URL, connection error, timeout, cancelled. */
  error?: string;
}

/**
 * The variants of a payment notification `POST /__sim/notify` can send; `duplicate` is the genuine one again.
 * @publicApi
 */
export type SimNotifyVariant =
  'duplicate' | 'forged-sign' | 'wrong-key' | 'wrong-amount' | 'wrong-appid' | 'wrong-mchid' | 'fail-return-code' | 'unsigned';

/**
 * The variants of a refund notification `POST /__sim/refundNotify` can send; `duplicate` is the genuine one again.
 * @publicApi
 */
export type SimRefundNotifyVariant = 'duplicate' | 'garbage-req-info' | 'wrong-key' | 'wrong-appid';

/**
 * The variants of a WeChat Pay API v3 notification (payment or refund) that `POST /__sim/notify` and
 * `POST /__sim/refundNotify` send for orders created (refunds requested) through API v3:
 *
 * - `duplicate`: the genuine notification again: same `id`, same body bytes, freshly signed headers (a WeChat retry);
 * - `replay`: exactly the same body and headers as the genuine one (old timestamp, nonce and signature), resent now;
 * - `forged-signature`: the genuine body with a random `Wechatpay-Signature`;
 * - `missing-signature`: the genuine body without the `Wechatpay-Signature` header;
 * - `stale-timestamp`: the genuine body correctly signed with a `Wechatpay-Timestamp` 10 minutes old;
 * - `unknown-serial`: correctly signed, but `Wechatpay-Serial` names a key or certificate the merchant does not know;
 * - `wrong-key`: correctly signed, the resource encrypted with another APIv3 key;
 * - `wrong-amount`: correctly signed and encrypted, the amount one fen more (`amount.total`, or `amount.refund`);
 * - `wrong-mchid`: correctly signed and encrypted, another `mchid` in the resource.
 *
 * Every variant but `duplicate`/`replay` gets a new notification `id`.
 * @publicApi
 */
export type SimV3NotifyVariant =
  | 'duplicate'
  | 'replay'
  | 'forged-signature'
  | 'missing-signature'
  | 'stale-timestamp'
  | 'unknown-serial'
  | 'wrong-key'
  | 'wrong-amount'
  | 'wrong-mchid';

/**
 * A notification the simulator delivered (or is still delivering) to an app.
 * @publicApi
 */
export interface SimNotification {
  id: string;
  kind: 'pay' | 'refund';
  mchId: string;
  outTradeNo: string;
  outRefundNo?: string;
  url: string;
  /** `genuine` for the notification WeChat would send (retried on its schedule), else the variant asked for. */
  variant: 'genuine' | SimNotifyVariant | SimRefundNotifyVariant | SimV3NotifyVariant;
  /** `v3` for a WeChat Pay API v3 notification (JSON, signed headers, acknowledged by any 2xx); absent for API v2. */
  apiVersion?: 'v3';
  attempts: SimNotificationAttempt[];
  /** Whether the app answered HTTP 2xx with XML `return_code SUCCESS` (API v3: any HTTP 2xx). */
  acknowledged: boolean;
  /** Whether no further attempt will be made (acknowledged, gave up, refused, not retried, or cancelled). */
  done: boolean;
  /** Whether the URL was refused without connecting because it is not a loopback address. */
  refused: boolean;
}

/**
 * Input of {@link WeChatSimulator.notify}: variants of an order's payment notification, sent once each. For an order
 * that was never paid, every variant but `duplicate` is built from the notification it would get if paid now (a
 * fresh transaction id, not stored); the order does not change.
 * @publicApi
 */
export interface SimNotifyInput {
  outTradeNo?: string;
  transactionId?: string;
  /** The merchant; the first configured when absent. */
  mchId?: string;
  /** A {@link SimNotifyVariant} for API v2 orders, a {@link SimV3NotifyVariant} for orders created through API v3. */
  kind: SimNotifyVariant | SimV3NotifyVariant;
  /** How many copies to send concurrently, 1 by default (at most 100). */
  copies?: number;
}

/**
 * Input of {@link WeChatSimulator.refundNotify}: variants of a settled refund's notification, sent once each.
 * @publicApi
 */
export interface SimRefundNotifyInput {
  outRefundNo: string;
  mchId?: string;
  /** A {@link SimRefundNotifyVariant} for API v2 refunds, a {@link SimV3NotifyVariant} for refunds requested through API v3. */
  kind: SimRefundNotifyVariant | SimV3NotifyVariant;
  copies?: number;
}

/**
 * Input of {@link WeChatSimulator.settleRefund}: settle a PROCESSING refund now.
 * @publicApi
 */
export interface SimSettleRefundInput {
  outRefundNo: string;
  mchId?: string;
  /** `SUCCESS` by default; the API v3 names `CLOSED` (= `REFUNDCLOSE`) and `ABNORMAL` (= `CHANGE`) are accepted too. */
  status?: 'SUCCESS' | 'REFUNDCLOSE' | 'CHANGE' | 'CLOSED' | 'ABNORMAL';
}

/**
 * What {@link WeChatSimulator.pay} answers: the order paid and the report of the first notification attempt.
 * @publicApi
 */
export interface SimPayResult {
  outTradeNo: string;
  transactionId: string;
  notification: SimNotification;
}

/**
 * A `/payitil/report` call the simulator recorded.
 * @publicApi
 */
export interface SimPayReport {
  appId: string;
  mchId: string;
  at: number;
  /** Every field of the request except `sign`. */
  fields: Record<string, string>;
}
