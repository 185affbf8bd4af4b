import {
  constants,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  privateDecrypt,
  publicEncrypt,
  sign,
  verify,
  X509Certificate,
} from 'node:crypto';
import { PayCryptoError } from '../errors/pay-crypto.error';
import { decodeBase64Strict } from './base64.util';
import { createNonceStr } from './random.util';
import { UTF8_DECODER } from './pay-v3-aead.crypto';

export { decryptPayV3Resource, encryptPayV3Resource, isPayV3ApiKey, PAY_V3_AEAD_ALGORITHM } from './pay-v3-aead.crypto';
export type { PayV3EncryptedResource, PayV3EncryptResourceOptions, PayV3ResourceInput } from './pay-v3-aead.crypto';

/**
 * The authentication scheme of WeChat Pay API v3: SHA256withRSA (PKCS#1 v1.5) with a 2048-bit key. It starts the
 * `Authorization` header of every request.
 * @publicApi
 */
export const PAY_V3_AUTH_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';

const PUBLIC_KEY_ID_PREFIX = 'PUB_KEY_ID_';
const MIN_RSA_BITS = 2048;
/** A header field value we put between double quotes: printable ASCII without space, `"` and `\`. */
const HEADER_VALUE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const AUTH_FIELDS = ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no'] as const;

/** A private key: a `KeyObject`, or PEM (PKCS#1 or PKCS#8). @publicApi */
export type PayV3PrivateKey = KeyObject | string;

/** A public key: a `KeyObject`, or PEM of an SPKI public key or of an X.509 certificate. @publicApi */
export type PayV3PublicKey = KeyObject | string;

/**
 * What WeChat Pay signs in an answer or a notification: the `Wechatpay-Timestamp` and `Wechatpay-Nonce` headers, the
 * body exactly as received, and the `Wechatpay-Signature` header.
 * @publicApi
 */
export interface PayV3SignedMessage {
  /** `Wechatpay-Timestamp`, in seconds. */
  timestamp: string | number;
  /** `Wechatpay-Nonce`. */
  nonce: string;
  /** The raw body. Pass the bytes as received when you have them: re-serialized JSON does not verify. */
  body: string | Uint8Array;
  /** `Wechatpay-Signature`, base64. */
  signature: string;
}

/** The input of {@link buildPayV3Authorization}. @publicApi */
export interface BuildPayV3AuthorizationParams {
  /** The merchant id (`mchid`). */
  mchId: string;
  /** The serial number of the merchant API certificate (`serial_no`), uppercase hex. */
  serialNo: string;
  /** The merchant API private key (`apiclient_key.pem`). */
  privateKey: PayV3PrivateKey;
  /** The HTTP method; it is upper-cased. */
  method: string;
  /** The path with its query string as sent, e.g. `/v3/pay/transactions/id/420000?mchid=1900000109`. */
  url: string;
  /** The request body as sent; `''` (the default) for a GET. */
  body?: string | Uint8Array;
  /** Unix time in seconds; now by default. */
  timestamp?: string | number;
  /** `nonce_str`; 32 random alphanumeric characters by default. */
  nonce?: string;
}

/** The fields of a WeChat Pay v3 `Authorization` header (see {@link parsePayV3Authorization}). @publicApi */
export interface PayV3Authorization {
  mchid: string;
  nonce_str: string;
  signature: string;
  timestamp: string;
  serial_no: string;
}

/** The parameters `wx.requestPayment` signs with `signType: 'RSA'` (API v3), besides `paySign`. @publicApi */
export interface PayV3JsapiPayParams {
  appId: string;
  /** Integer seconds, as a string. */
  timeStamp: string;
  nonceStr: string;
  /** `prepay_id=<prepay_id>`. */
  package: string;
}

function isStringOrBytes(value: unknown): value is string | Uint8Array {
  return typeof value === 'string' || value instanceof Uint8Array;
}

function toBytes(value: string | Uint8Array): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function isStrongRsa(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_BITS;
}

function firstPemLabel(text: string): string | undefined {
  return /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
}

/**
 * The message WeChat Pay v3 signs: every part followed by a line feed (`\n`), the last one included.
 *
 * - request (`Authorization`): method, URL path with query, timestamp, nonce, body;
 * - answer and notification (`Wechatpay-Signature`): timestamp, nonce, body;
 * - `wx.requestPayment` with `signType: 'RSA'`: appId, timeStamp, nonceStr, package.
 * @publicApi
 */
export function payV3Message(...parts: string[]): string {
  return parts.map((part) => `${part}\n`).join('');
}

/**
 * Whether a `Wechatpay-Serial` names a WeChat Pay public key (`PUB_KEY_ID_...`) rather than a platform certificate
 * (whose serials are hex).
 * @publicApi
 */
export function isPayV3PublicKeyId(serial: unknown): serial is string {
  return typeof serial === 'string' && serial.length > PUBLIC_KEY_ID_PREFIX.length && serial.startsWith(PUBLIC_KEY_ID_PREFIX);
}

/**
 * The serial number of an X.509 certificate as WeChat Pay writes it (`serial_no`, `Wechatpay-Serial`): uppercase hex, two
 * digits per byte, without the sign byte of the DER encoding, as `openssl x509 -noout -serial` prints it.
 *
 * @throws PayCryptoError `V3_CERTIFICATE` when `certPem` is not a certificate.
 * @publicApi
 */
export function certificateSerialNo(certPem: string | Buffer): string {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new PayCryptoError('V3_CERTIFICATE');
  }
  const hex = cert.serialNumber.toUpperCase();
  // OpenSSL writes whole bytes except for a zero serial ("0"); `openssl x509 -serial` prints "00".
  return hex.length % 2 === 1 ? `0${hex}` : hex;
}

/**
 * Loads a merchant API private key (`apiclient_key.pem`) for WeChat Pay v3: PEM, PKCS#8 (`BEGIN PRIVATE KEY`) or PKCS#1
 * (`BEGIN RSA PRIVATE KEY`), RSA, at least 2048 bits. Encrypted PEM is refused.
 *
 * @throws PayCryptoError `V3_PRIVATE_KEY` otherwise; the message never holds the key.
 * @publicApi
 */
export function loadPayV3PrivateKey(pem: string | Buffer): KeyObject {
  if (typeof pem !== 'string' && !Buffer.isBuffer(pem)) throw new PayCryptoError('V3_PRIVATE_KEY');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new PayCryptoError('V3_PRIVATE_KEY');
  }
  if (!isStrongRsa(key)) throw new PayCryptoError('V3_PRIVATE_KEY');
  return key;
}

/**
 * Loads the key that verifies WeChat Pay v3 signatures: the "WeChat Pay public key" (`pub_key.pem`, SPKI PEM
 * `BEGIN PUBLIC KEY`; PKCS#1 `BEGIN RSA PUBLIC KEY` is accepted too) or the public key of a platform certificate (X.509
 * PEM). RSA, at least 2048 bits. A private key is refused, so that one is never configured where a public key belongs.
 *
 * @throws PayCryptoError `V3_PUBLIC_KEY` otherwise.
 * @publicApi
 */
export function loadPayV3PublicKey(pemOrCert: string | Buffer): KeyObject {
  if (typeof pemOrCert !== 'string' && !Buffer.isBuffer(pemOrCert)) throw new PayCryptoError('V3_PUBLIC_KEY');
  const text = typeof pemOrCert === 'string' ? pemOrCert : pemOrCert.toString('latin1');
  const label = firstPemLabel(text);
  let key: KeyObject;
  try {
    if (label === 'CERTIFICATE') key = new X509Certificate(text).publicKey;
    else if (label === 'PUBLIC KEY' || label === 'RSA PUBLIC KEY') key = createPublicKey({ key: text, format: 'pem' });
    else throw new PayCryptoError('V3_PUBLIC_KEY');
  } catch {
    throw new PayCryptoError('V3_PUBLIC_KEY');
  }
  if (key.type !== 'public' || !isStrongRsa(key)) throw new PayCryptoError('V3_PUBLIC_KEY');
  return key;
}

function resolvePrivateKey(privateKey: PayV3PrivateKey): KeyObject {
  if (privateKey instanceof KeyObject) {
    if (privateKey.type !== 'private' || !isStrongRsa(privateKey)) throw new PayCryptoError('V3_PRIVATE_KEY');
    return privateKey;
  }
  return loadPayV3PrivateKey(privateKey);
}

function resolvePublicKey(publicKey: PayV3PublicKey): KeyObject {
  if (publicKey instanceof KeyObject) {
    if (publicKey.type !== 'public' || !isStrongRsa(publicKey)) throw new PayCryptoError('V3_PUBLIC_KEY');
    return publicKey;
  }
  return loadPayV3PublicKey(publicKey);
}

/**
 * SHA256withRSA (RSASSA-PKCS1-v1_5) of `message` (UTF-8 when a string), base64: the signature of a request, of a
 * `wx.requestPayment` call and (in the simulator) of an answer or a notification.
 *
 * @throws PayCryptoError `V3_PRIVATE_KEY` when the key is not an RSA private key of at least 2048 bits.
 * @publicApi
 */
export function signPayV3(message: string | Uint8Array, privateKey: PayV3PrivateKey): string {
  if (!isStringOrBytes(message)) throw new TypeError('The message to sign must be a string or bytes');
  const key = resolvePrivateKey(privateKey);
  return sign('sha256', toBytes(message), { key, padding: constants.RSA_PKCS1_PADDING }).toString('base64');
}

/**
 * Whether `signature` (base64) is the SHA256withRSA (RSASSA-PKCS1-v1_5) signature of `message` (UTF-8 when a string)
 * with the key behind `publicKey`: the inverse of {@link signPayV3}, for any v3 message (the simulator checks requests
 * and `paySign` with it). For answers and notifications use {@link verifyPayV3Signature}.
 *
 * Never throws: a missing, empty, non-base64 or wrong signature, an unusable key (not an RSA public key of at least 2048
 * bits, a private key) or a malformed argument all give `false`.
 * @publicApi
 */
export function verifyPayV3(message: string | Uint8Array, signature: string, publicKey: PayV3PublicKey): boolean {
  try {
    if (!isStringOrBytes(message) || typeof signature !== 'string' || signature === '') return false;
    const signatureBytes = decodeBase64Strict(signature);
    if (!signatureBytes || signatureBytes.length === 0) return false;
    const key = resolvePublicKey(publicKey);
    return verify('sha256', toBytes(message), { key, padding: constants.RSA_PKCS1_PADDING }, signatureBytes);
  } catch {
    return false;
  }
}

/**
 * Whether `signature` (`Wechatpay-Signature`) is WeChat Pay's SHA256withRSA signature of `timestamp\nnonce\nbody\n` with
 * the key behind `publicKey` (the WeChat Pay public key, or the platform certificate named by `Wechatpay-Serial`).
 *
 * Never throws: a missing, empty, non-base64 or wrong signature, an unusable key (not an RSA public key of at least 2048
 * bits, a private key) or a malformed argument all give `false`. It does not check the timestamp's age: do that too
 * (WeChat suggests refusing answers more than 5 minutes off).
 * @publicApi
 */
export function verifyPayV3Signature(params: PayV3SignedMessage, publicKey: PayV3PublicKey): boolean {
  try {
    const { timestamp, nonce, body, signature } = params;
    if ((typeof timestamp !== 'string' && typeof timestamp !== 'number') || typeof nonce !== 'string' || !isStringOrBytes(body)) {
      return false;
    }
    const message = Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), toBytes(body), Buffer.from('\n', 'utf8')]);
    return verifyPayV3(message, signature, publicKey);
  } catch {
    return false;
  }
}

function assertHeaderValue(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || !HEADER_VALUE.test(value)) {
    throw new TypeError(`The WeChat Pay ${name} must be a non-empty string of printable ASCII without spaces, quotes or backslashes`);
  }
}

/**
 * The `Authorization` header of a WeChat Pay v3 request:
 * `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`, where `signature` is
 * {@link signPayV3} of `method\nurl\ntimestamp\nnonce\nbody\n`.
 *
 * @throws TypeError when `url` is not a path (it must start with `/`; pass the path and query as sent, not the full URL),
 *   when the method is not letters, the timestamp not whole seconds, or a field cannot be quoted in the header.
 * @throws PayCryptoError `V3_PRIVATE_KEY` for an unusable key.
 * @publicApi
 */
export function buildPayV3Authorization(params: BuildPayV3AuthorizationParams): string {
  const { mchId, serialNo, privateKey, method, url, body = '' } = params;
  const timestamp = params.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = params.nonce ?? createNonceStr(32);
  assertHeaderValue('merchant id', mchId);
  assertHeaderValue('certificate serial number', serialNo);
  assertHeaderValue('nonce', nonce);
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) throw new TypeError('The HTTP method must be letters, e.g. "GET"');
  if (typeof url !== 'string' || !/^\/[\x21-\x7E]*$/.test(url)) {
    throw new TypeError('The URL to sign must be the path with its query, starting with "/" (without scheme and host), without spaces');
  }
  const ts = String(timestamp);
  if (!/^\d{1,12}$/.test(ts)) throw new TypeError('The timestamp must be whole seconds since the epoch');
  if (!isStringOrBytes(body)) throw new TypeError('The body must be a string or bytes');
  const message = Buffer.concat([
    Buffer.from(payV3Message(method.toUpperCase(), url, ts, nonce), 'utf8'),
    toBytes(body),
    Buffer.from('\n'),
  ]);
  const signature = signPayV3(message, privateKey);
  return `${PAY_V3_AUTH_SCHEMA} mchid="${mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${ts}",serial_no="${serialNo}"`;
}

/**
 * Reads a WeChat Pay v3 `Authorization` header (the simulator checks merchants' requests with it). Strict: the scheme
 * must be exactly `WECHATPAY2-SHA256-RSA2048`, followed by `mchid`, `nonce_str`, `signature`, `timestamp` and
 * `serial_no` in any order, each exactly once as `name="value"` with a non-empty value, separated by commas (spaces around
 * them allowed). Anything else (an unknown or repeated field, an unquoted value, a trailing comma) gives `null`.
 * The signature itself is not checked here.
 * @publicApi
 */
export function parsePayV3Authorization(header: string): PayV3Authorization | null {
  if (typeof header !== 'string') return null;
  const prefix = /^WECHATPAY2-SHA256-RSA2048 +/.exec(header);
  if (!prefix) return null;
  const fields = new Map<string, string>();
  const pair = /([a-z_]+)="([^"]*)"[ \t]*(,[ \t]*|$)/y;
  pair.lastIndex = prefix[0].length;
  for (;;) {
    const start = pair.lastIndex;
    const match = pair.exec(header);
    if (!match || match.index !== start) return null;
    const [, name, value, separator] = match;
    if (!(AUTH_FIELDS as readonly string[]).includes(name) || fields.has(name) || value === '') return null;
    fields.set(name, value);
    if (separator === '') break;
  }
  if (pair.lastIndex !== header.length || fields.size !== AUTH_FIELDS.length) return null;
  return {
    mchid: fields.get('mchid')!,
    nonce_str: fields.get('nonce_str')!,
    signature: fields.get('signature')!,
    timestamp: fields.get('timestamp')!,
    serial_no: fields.get('serial_no')!,
  };
}

/**
 * The `paySign` of `wx.requestPayment` for a v3 (JSAPI / mini program) order, with `signType: 'RSA'`: {@link signPayV3}
 * of `appId\ntimeStamp\nnonceStr\npackage\n` with the merchant API private key. It is not the v2 `paySign`.
 *
 * @throws PayCryptoError `V3_PRIVATE_KEY` for an unusable key.
 * @publicApi
 */
export function payV3JsapiPaySign(params: PayV3JsapiPayParams, privateKey: PayV3PrivateKey): string {
  const { appId, timeStamp, nonceStr, package: pkg } = params;
  for (const value of [appId, timeStamp, nonceStr, pkg]) {
    if (typeof value !== 'string' || value === '') throw new TypeError('appId, timeStamp, nonceStr and package must be non-empty strings');
  }
  return signPayV3(payV3Message(appId, timeStamp, nonceStr, pkg), privateKey);
}

/**
 * Encrypts a sensitive field of a v3 request (a name, an ID number, a phone number…) for WeChat Pay: RSA-OAEP with
 * SHA-1 and MGF1-SHA-1 (what WeChat uses), base64, with the WeChat Pay public key or platform certificate. Send its
 * `PUB_KEY_ID_…` or serial as `Wechatpay-Serial`. Randomized: each call gives another ciphertext.
 *
 * @throws PayCryptoError `V3_PUBLIC_KEY` for an unusable key.
 * @throws RangeError when the UTF-8 plaintext is longer than the key allows (214 bytes for 2048 bits).
 * @publicApi
 */
export function encryptPayV3Sensitive(plaintext: string, publicKey: PayV3PublicKey): string {
  if (typeof plaintext !== 'string') throw new TypeError('The plaintext must be a string');
  const key = resolvePublicKey(publicKey);
  const data = Buffer.from(plaintext, 'utf8');
  const max = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8 - 42;
  if (data.length > max) throw new RangeError(`The plaintext is too long for RSA-OAEP with this key: at most ${max} bytes`);
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data).toString('base64');
}

/**
 * Decrypts a sensitive field WeChat Pay encrypted with the merchant's public key (the inverse of
 * {@link encryptPayV3Sensitive}): RSA-OAEP with SHA-1 and MGF1-SHA-1, base64, UTF-8.
 *
 * @throws PayCryptoError `V3_PRIVATE_KEY`, `INVALID_BASE64`, `V3_SENSITIVE` (another key, or tampered) or
 *   `INVALID_UTF8`; the message never holds the key nor the data.
 * @publicApi
 */
export function decryptPayV3Sensitive(ciphertext: string, privateKey: PayV3PrivateKey): string {
  const key = resolvePrivateKey(privateKey);
  const data = decodeBase64Strict(ciphertext);
  if (!data) throw new PayCryptoError('INVALID_BASE64');
  let plain: Buffer;
  try {
    plain = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data);
  } catch {
    throw new PayCryptoError('V3_SENSITIVE');
  }
  try {
    return UTF8_DECODER.decode(plain);
  } catch {
    throw new PayCryptoError('INVALID_UTF8');
  }
}
