import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hash, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { PayCryptoError } from '../errors/pay-crypto.error';
import { decodeBase64Strict } from './base64.util';

/**
 * The two signature types of WeChat Pay API v2 (`sign_type` / `signType`).
 * @publicApi
 */
export type PaySignType = 'MD5' | 'HMAC-SHA256';

/** The parameters `wx.requestPayment` takes besides `paySign`. @publicApi */
export interface JsapiPayParams {
  appId: string;
  /** Integer seconds, as a string. */
  timeStamp: string;
  nonceStr: string;
  /** `prepay_id=<prepay_id>`. */
  package: string;
  signType: PaySignType;
}

const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function isPaySignType(value: unknown): value is PaySignType {
  return value === 'MD5' || value === 'HMAC-SHA256';
}

function assertApiKey(apiKey: unknown): asserts apiKey is string {
  if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError('The WeChat Pay API key must be a non-empty string');
}

/**
 * The string WeChat Pay v2 signs (`stringA` in the documentation): every parameter except
 * `sign` whose value is not `undefined`, `null` or `''`, sorted by key in plain code-unit
 * (ASCII) order, joined as `k=v&k=v`. Values are taken as `String(value)` and are not trimmed;
 * `sign_type` takes part when present.
 *
 * @throws TypeError when a value that would be signed is an object, array, function or symbol
 *   (valid WeChat XML never yields one).
 * @publicApi
 */
export function payV2SignString(params: Record<string, unknown>): string {
  let out = '';
  // The default sort compares UTF-16 code units, which for ASCII keys is WeChat's order.
  for (const key of Object.keys(params).sort()) {
    if (key === 'sign') continue;
    const value = params[key];
    if (value === undefined || value === null) continue;
    if (typeof value === 'object' || typeof value === 'function' || typeof value === 'symbol') {
      throw new TypeError(`WeChat Pay parameter "${key}" is not signable: expected a string or number, got ${typeof value}`);
    }
    const text = String(value);
    if (text === '') continue;
    out += out === '' ? `${key}=${text}` : `&${key}=${text}`;
  }
  return out;
}

/**
 * Remembers what was derived from the last API key. A merchant has one key, and a derivation
 * (the `req_info` key, the HMAC key object) costs a good part of the operation that uses it.
 */
function forLastApiKey<T>(derive: (apiKey: string) => T): (apiKey: string) => T {
  let last: { apiKey: string; value: T } | undefined;
  return (apiKey) => {
    if (last?.apiKey !== apiKey) last = { apiKey, value: derive(apiKey) };
    return last.value;
  };
}

const hmacKey = forLastApiKey((apiKey): KeyObject => createSecretKey(Buffer.from(apiKey, 'utf8')));

function signString(stringA: string, apiKey: string, signType: PaySignType): string {
  const stringSignTemp = `${stringA}&key=${apiKey}`;
  const digest =
    signType === 'MD5'
      ? hash('md5', stringSignTemp, 'hex')
      : createHmac('sha256', hmacKey(apiKey)).update(stringSignTemp, 'utf8').digest('hex');
  return digest.toUpperCase();
}

/**
 * Compares a computed signature with a received one in constant time. Signatures have a public
 * length (32 or 64 hex digits), so only a length difference may show in the timing.
 */
function sameSignature(expected: string, received: string): boolean {
  if (expected.length !== received.length) return false;
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The WeChat Pay v2 `sign` of a parameter set: `MD5(stringA + "&key=" + apiKey)`, or
 * HMAC-SHA256 keyed with the API key over that same string (the `&key=...` suffix included),
 * in uppercase hex. See {@link payV2SignString} for `stringA`.
 *
 * @throws TypeError for an empty API key, an unknown sign type or an unsignable value.
 * @publicApi
 */
export function payV2Sign(params: Record<string, unknown>, apiKey: string, signType: PaySignType = 'MD5'): string {
  assertApiKey(apiKey);
  if (!isPaySignType(signType)) throw new TypeError('The WeChat Pay sign type must be "MD5" or "HMAC-SHA256"');
  return signString(payV2SignString(params), apiKey, signType);
}

/**
 * Whether `params.sign` is the right WeChat Pay v2 signature of the other parameters. Unknown
 * extra parameters take part (they are signed by WeChat too); hex case is ignored; the
 * comparison is constant-time.
 *
 * The sign type is `signType` when given. Pass it when you know it: WeChat signs an API answer
 * with the type of the request, and the answer carries no `sign_type`. Otherwise it is
 * `params.sign_type` ("MD5" when absent or empty); any other `sign_type` is not verifiable and
 * gives `false`, as does a missing or non-string `sign` or a parameter that is not signable.
 *
 * @throws TypeError for an empty API key or an unknown `signType` argument (configuration errors).
 * @publicApi
 */
export function verifyPayV2Sign(params: Record<string, unknown>, apiKey: string, signType?: PaySignType): boolean {
  assertApiKey(apiKey);
  let type: PaySignType;
  if (signType !== undefined) {
    if (!isPaySignType(signType)) throw new TypeError('The WeChat Pay sign type must be "MD5" or "HMAC-SHA256"');
    type = signType;
  } else {
    const declared = params.sign_type;
    if (declared === undefined || declared === null || declared === '') type = 'MD5';
    else if (isPaySignType(declared)) type = declared;
    else return false;
  }
  const sign = params.sign;
  if (typeof sign !== 'string' || sign === '') return false;
  let stringA: string;
  try {
    stringA = payV2SignString(params);
  } catch {
    return false;
  }
  return sameSignature(signString(stringA, apiKey, type), sign.toUpperCase());
}

/**
 * The `paySign` for `wx.requestPayment`: the v2 signature over exactly `appId`, `nonceStr`,
 * `package`, `signType` and `timeStamp` (camelCase, `signType` included), with the type named
 * by `signType`. It is not the `sign` of the unified order answer.
 *
 * @throws TypeError for an empty API key or an unknown sign type.
 * @publicApi
 */
export function jsapiPaySign(params: JsapiPayParams, apiKey: string): string {
  const { appId, timeStamp, nonceStr, package: pkg, signType } = params;
  return payV2Sign({ appId, timeStamp, nonceStr, package: pkg, signType }, apiKey, signType);
}

/**
 * The AES-256 key of the refund notification's `req_info`: the lowercase hex MD5 of the API
 * key, whose 32 ASCII characters are the 32 key bytes.
 * @publicApi
 */
export function refundReqInfoKey(apiKey: string): string {
  assertApiKey(apiKey);
  return hash('md5', apiKey, 'hex');
}

const reqInfoKeyBytes = forLastApiKey((apiKey) => Buffer.from(refundReqInfoKey(apiKey), 'ascii'));

/**
 * Decrypts the `req_info` of a refund notification: strict base64, AES-256-ECB with
 * {@link refundReqInfoKey}, PKCS#7 padding checked, UTF-8 checked. The result is the
 * `<root>...</root>` XML; parse it with `parsePayXml(text, { root: 'root' })`. The refund
 * notification has no `sign`, so a successful decryption is what authenticates it.
 *
 * @throws PayCryptoError with a `reason`; the message never holds the key or the data.
 * @throws TypeError for an empty API key.
 * @publicApi
 */
export function decryptRefundReqInfo(reqInfoBase64: string, apiKey: string): string {
  const key = reqInfoKeyBytes(apiKey);
  const data = decodeBase64Strict(reqInfoBase64);
  if (!data) throw new PayCryptoError('INVALID_BASE64');
  if (data.length === 0 || data.length % 16 !== 0) throw new PayCryptoError('INVALID_LENGTH');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-ecb', key, null);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    // OpenSSL checks every padding byte; another API key almost always ends here.
    throw new PayCryptoError('BAD_PADDING');
  }
  try {
    return UTF8_DECODER.decode(plain);
  } catch {
    throw new PayCryptoError('INVALID_UTF8');
  }
}

/**
 * Encrypts a refund notification's `req_info` the way WeChat does (the inverse of
 * {@link decryptRefundReqInfo}, standard PKCS#7 padding). Used by the simulator and by tests.
 * @publicApi
 */
export function encryptRefundReqInfo(plainXml: string, apiKey: string): string {
  const key = Buffer.from(refundReqInfoKey(apiKey), 'ascii');
  const cipher = createCipheriv('aes-256-ecb', key, null);
  return Buffer.concat([cipher.update(plainXml, 'utf8'), cipher.final()]).toString('base64');
}
