import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { UserDataDecryptError } from '../errors/user-data-decrypt.error';
import { decodeBase64Strict } from './base64.util';

/** The watermark WeChat adds to every piece of encrypted user data. */
export interface WeChatWatermark {
  appid: string;
  timestamp: number;
}

/**
 * Decrypts `encryptedData` from `wx.getUserInfo`, `wx.getPhoneNumber` (legacy) and similar
 * APIs: AES-128-CBC with the base64-decoded session key and IV, PKCS#7 padding checked, the
 * result parsed as JSON and, when `appId` is given, `watermark.appid` compared to it.
 *
 * @throws UserDataDecryptError with a `reason` telling what was wrong.
 * @publicApi
 */
export function decryptUserData<T = Record<string, unknown>>(
  encryptedData: string,
  iv: string,
  sessionKey: string,
  appId?: string,
): T & { watermark?: WeChatWatermark } {
  const key = decodeBase64Strict(sessionKey);
  if (!key || key.length !== 16) throw new UserDataDecryptError('INVALID_SESSION_KEY');
  const ivBytes = decodeBase64Strict(iv);
  if (!ivBytes || ivBytes.length !== 16) throw new UserDataDecryptError('INVALID_IV');
  const data = decodeBase64Strict(encryptedData);
  if (!data || data.length === 0 || data.length % 16 !== 0) throw new UserDataDecryptError('INVALID_ENCRYPTED_DATA');

  // Whole blocks in, so with padding off every block comes out of update(); the PKCS#7 padding
  // is then checked here, every byte of it, as OpenSSL would. A wrong key or IV almost always
  // ends at that check.
  const plain = createDecipheriv('aes-128-cbc', key, ivBytes).setAutoPadding(false).update(data);
  const padding = plain[plain.length - 1];
  if (padding < 1 || padding > 16) throw new UserDataDecryptError('BAD_PADDING');
  for (let i = plain.length - padding; i < plain.length; i++) {
    if (plain[i] !== padding) throw new UserDataDecryptError('BAD_PADDING');
  }
  const plaintext = plain.toString('utf8', 0, plain.length - padding);

  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    throw new UserDataDecryptError('INVALID_JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UserDataDecryptError('INVALID_JSON');
  }
  if (appId !== undefined) {
    const watermark = (parsed as { watermark?: { appid?: unknown } }).watermark;
    // The AppID is public: a plain comparison leaks nothing.
    if (!watermark || watermark.appid !== appId) {
      throw new UserDataDecryptError('APPID_MISMATCH');
    }
  }
  return parsed as T & { watermark?: WeChatWatermark };
}

/**
 * Encrypts user data the way WeChat does (the inverse of {@link decryptUserData}). Used by the
 * simulator and by tests; a server has no reason to call it.
 * @publicApi
 */
export function encryptUserData(
  payload: string | object,
  sessionKey: string,
  iv: string = randomBytes(16).toString('base64'),
): { encryptedData: string; iv: string } {
  const key = decodeBase64Strict(sessionKey);
  const ivBytes = decodeBase64Strict(iv);
  if (!key || key.length !== 16) throw new UserDataDecryptError('INVALID_SESSION_KEY');
  if (!ivBytes || ivBytes.length !== 16) throw new UserDataDecryptError('INVALID_IV');
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const cipher = createCipheriv('aes-128-cbc', key, ivBytes);
  const encrypted = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return { encryptedData: encrypted.toString('base64'), iv };
}

/**
 * The `signature` returned by `wx.getUserInfo`: `sha1(rawData + sessionKey)`, lowercase hex.
 * @publicApi
 */
export function rawDataSignature(rawData: string, sessionKey: string): string {
  return createHash('sha1')
    .update(rawData + sessionKey, 'utf8')
    .digest('hex');
}

/**
 * The user login-state signature used by `wxa/checksession` and the mini program
 * "HTTP signature": HMAC-SHA256 keyed with the session key *string* (not its decoded bytes)
 * over the request body (empty for `checksession`), lowercase hex.
 * @publicApi
 */
export function loginStateSignature(sessionKey: string, body = ''): string {
  return createHmac('sha256', Buffer.from(sessionKey, 'utf8')).update(body, 'utf8').digest('hex');
}
