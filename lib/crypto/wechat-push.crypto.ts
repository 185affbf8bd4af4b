import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';
import { WeChatPushCryptoError } from '../errors/wechat-push-crypto.error';
import { decodeBase64Strict } from './base64.util';
import { safeEqual } from './safe-equal.util';

/** WeChat pads to 32-byte blocks (PKCS#7 with a block of 32), not to the 16 bytes of an AES block. */
const PAD_BLOCK = 32;
/** 16 random bytes, then the message length as a 4-byte big-endian unsigned integer. */
const HEADER_BYTES = 20;
const RANDOM_BYTES = 16;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
const SIGNATURE = /^[0-9a-fA-F]{40}$/;

const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function assertAppId(appId: unknown): asserts appId is string {
  if (typeof appId !== 'string' || appId === '') throw new TypeError('The AppID must be a non-empty string');
}

/**
 * The signature of a message push request (消息推送): the lowercase hex SHA-1 of `token`, `timestamp` and `nonce`, and
 * `encrypt` when given, sorted as strings (code-unit order, which for WeChat's ASCII values is byte order) and joined
 * with nothing between them.
 *
 * Without `encrypt` it is the `signature` query parameter WeChat sends with every push, and with the URL verification
 * GET (the one that expects `echostr` back). With the `Encrypt` field of a safe-mode (安全模式) body it is the
 * `msg_signature` query parameter.
 *
 * @throws TypeError for an empty token or a value that is not a string.
 * @publicApi
 */
export function pushSignature(token: string, timestamp: string, nonce: string, encrypt?: string): string {
  if (typeof token !== 'string' || token === '') throw new TypeError('The message push token must be a non-empty string');
  const parts = encrypt === undefined ? [token, timestamp, nonce] : [token, timestamp, nonce, encrypt];
  if (parts.some((part) => typeof part !== 'string')) throw new TypeError('The signed values must be strings');
  // The default sort compares UTF-16 code units: WeChat's order for its ASCII values.
  return hash('sha1', parts.sort().join(''), 'hex');
}

/**
 * Whether `signature` (as received: a query value of any type) is {@link pushSignature} of the other arguments. Hex case
 * is ignored and the comparison is constant-time. Anything malformed gives `false`: a signature that is not 40 hex
 * digits, a timestamp or nonce that is missing, empty or not a string, an `encrypt` that is neither `undefined` nor a
 * string, an empty token. It never throws.
 *
 * This checks the signature only: refusing an old `timestamp` or a repeated `nonce` is the caller's choice.
 * @publicApi
 */
export function verifyPushSignature(signature: unknown, token: string, timestamp: unknown, nonce: unknown, encrypt?: unknown): boolean {
  if (typeof signature !== 'string' || !SIGNATURE.test(signature)) return false;
  if (typeof token !== 'string' || token === '') return false;
  if (typeof timestamp !== 'string' || timestamp === '' || typeof nonce !== 'string' || nonce === '') return false;
  if (encrypt !== undefined && typeof encrypt !== 'string') return false;
  return safeEqual(pushSignature(token, timestamp, nonce, encrypt), signature.toLowerCase());
}

/**
 * Whether `value` has the shape of an EncodingAESKey: exactly 43 characters of `[A-Za-z0-9]`. Every such value is a
 * usable key (see {@link pushAesKey}); for option validation.
 * @publicApi
 */
export function isEncodingAesKey(value: unknown): value is string {
  return typeof value === 'string' && ENCODING_AES_KEY.test(value);
}

/**
 * The 32-byte AES key of an EncodingAESKey: the 43 characters with `=` appended, base64-decoded. The IV of the
 * message push cipher is its first 16 bytes. Unused low bits of the last character are ignored, as WeChat's own
 * samples do (their demo key `abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG` has some set).
 *
 * @throws WeChatPushCryptoError `INVALID_AES_KEY` when the value is not 43 characters of `[A-Za-z0-9]`.
 * @publicApi
 */
export function pushAesKey(encodingAesKey: string): Buffer {
  const key = isEncodingAesKey(encodingAesKey) ? decodeBase64Strict(`${encodingAesKey}=`) : null;
  if (!key || key.length !== 32) throw new WeChatPushCryptoError('INVALID_AES_KEY');
  return key;
}

/**
 * Decrypts the `Encrypt` field of a safe-mode message push (XML or JSON alike): strict base64, AES-256-CBC keyed with
 * {@link pushAesKey} and the key's first 16 bytes as IV, WeChat's PKCS#7 padding to 32-byte blocks checked (1 to 32
 * bytes, every one of them), then the plaintext read as 16 random bytes, the message length (4 bytes, big-endian), the
 * message and the AppID it was encrypted for, which must be `expectedAppId` (compared in constant time). The message
 * must not be empty; it is returned as UTF-8 text (the XML or JSON of the push).
 *
 * Check `msg_signature` with {@link verifyPushSignature} *before* decrypting, and answer the sender the same whatever
 * the reason of a failure: the signature is what authenticates the ciphertext, and a reply that told a bad padding
 * from a bad length would be a padding oracle.
 *
 * @throws WeChatPushCryptoError with a `reason`; the message never holds the key or the data.
 * @throws TypeError for an empty or non-string `expectedAppId` (a configuration error).
 * @publicApi
 */
export function decryptPushMessage(encodingAesKey: string, encryptBase64: string, expectedAppId: string): string {
  const key = pushAesKey(encodingAesKey);
  assertAppId(expectedAppId);
  const data = decodeBase64Strict(encryptBase64);
  if (!data) throw new WeChatPushCryptoError('INVALID_BASE64');
  if (data.length === 0 || data.length % PAD_BLOCK !== 0) throw new WeChatPushCryptoError('INVALID_LENGTH');

  // Whole blocks in and padding off: every block comes out of update(), and the padding is checked here.
  const plain = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false).update(data);
  const padding = plain[plain.length - 1];
  if (padding < 1 || padding > PAD_BLOCK) throw new WeChatPushCryptoError('BAD_PADDING');
  for (let i = plain.length - padding; i < plain.length; i++) {
    if (plain[i] !== padding) throw new WeChatPushCryptoError('BAD_PADDING');
  }
  const end = plain.length - padding;
  if (end < HEADER_BYTES) throw new WeChatPushCryptoError('BAD_MESSAGE_LENGTH');
  const messageLength = plain.readUInt32BE(RANDOM_BYTES);
  if (messageLength === 0 || messageLength > end - HEADER_BYTES) throw new WeChatPushCryptoError('BAD_MESSAGE_LENGTH');

  const messageEnd = HEADER_BYTES + messageLength;
  // Compared as bytes (hex of each side), so no decoding can make two different AppIDs equal.
  const appId = plain.subarray(messageEnd, end).toString('hex');
  if (!safeEqual(appId, Buffer.from(expectedAppId, 'utf8').toString('hex'))) throw new WeChatPushCryptoError('APPID_MISMATCH');
  try {
    return UTF8_DECODER.decode(plain.subarray(HEADER_BYTES, messageEnd));
  } catch {
    throw new WeChatPushCryptoError('INVALID_UTF8');
  }
}

/**
 * Encrypts a message the way WeChat does for a safe-mode push (the inverse of {@link decryptPushMessage}): the
 * `Encrypt` value, in base64. `random16` (16 bytes) makes it deterministic; by default 16 fresh random bytes are used.
 * Used by the simulator and by tests; sign the result with {@link pushSignature} for `msg_signature`.
 *
 * @throws WeChatPushCryptoError `INVALID_AES_KEY` for a malformed EncodingAESKey.
 * @throws TypeError for an empty message, an empty AppID or a `random16` that is not 16 bytes.
 * @publicApi
 */
export function encryptPushMessage(encodingAesKey: string, message: string, appId: string, random16?: Uint8Array): string {
  const key = pushAesKey(encodingAesKey);
  assertAppId(appId);
  if (typeof message !== 'string' || message === '') throw new TypeError('The message must be a non-empty string');
  if (random16 !== undefined && (!(random16 instanceof Uint8Array) || random16.length !== RANDOM_BYTES)) {
    throw new TypeError('random16 must be 16 bytes');
  }
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const unpadded = Buffer.concat([random16 ?? randomBytes(RANDOM_BYTES), length, body, Buffer.from(appId, 'utf8')]);
  const padding = PAD_BLOCK - (unpadded.length % PAD_BLOCK);
  const plain = Buffer.concat([unpadded, Buffer.alloc(padding, padding)]);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}
