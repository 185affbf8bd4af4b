import { createCipheriv, createDecipheriv } from 'node:crypto';
import { PayCryptoError } from '../errors/pay-crypto.error';
import { decodeBase64Strict } from './base64.util';
import { createNonceStr } from './random.util';

// WeChat Pay API v3's symmetric encryption: AEAD_AES_256_GCM under the APIv3 key, for the `resource` of notifications
// and the downloaded platform certificates. `pay-v3.crypto.ts` (the signatures, keys and RSA-OAEP) re-exports it.

/**
 * The only `algorithm` of encrypted WeChat Pay v3 resources (notifications, downloaded platform certificates).
 * @publicApi
 */
export const PAY_V3_AEAD_ALGORITHM = 'AEAD_AES_256_GCM';

const GCM_TAG_BYTES = 16;
/** Strict UTF-8 (a malformed byte is an error, not U+FFFD). @internal */
export const UTF8_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The encrypted `resource` of a v3 notification (or `encrypt_certificate` of a downloaded certificate). @publicApi */
export interface PayV3ResourceInput {
  /** Base64 of the AES-256-GCM ciphertext followed by the 16-byte tag. */
  ciphertext: string;
  /** The GCM nonce as text (WeChat sends 12 characters). */
  nonce: string;
  /** The GCM additional authenticated data as text; absent or `null` means `''`. */
  associated_data?: string | null;
}

/** An encrypted v3 `resource`, as WeChat sends it (see {@link encryptPayV3Resource}). @publicApi */
export interface PayV3EncryptedResource {
  original_type: string;
  algorithm: typeof PAY_V3_AEAD_ALGORITHM;
  ciphertext: string;
  associated_data: string;
  nonce: string;
}

/** Options of {@link encryptPayV3Resource}. @publicApi */
export interface PayV3EncryptResourceOptions {
  /** The GCM nonce; 12 random alphanumeric characters by default, like WeChat's. */
  nonce?: string;
  /** The associated data; `'transaction'` by default (a payment notification; refunds use `'refund'`). */
  associatedData?: string;
  /** `original_type`; `'transaction'` by default. */
  originalType?: string;
}

/**
 * Whether `key` can be an APIv3 key: a string of exactly 32 bytes in UTF-8 (WeChat's keys are 32 ASCII letters and
 * digits). The APIv3 key is not the v2 API key, though merchants often set both to the same text.
 * @publicApi
 */
export function isPayV3ApiKey(key: unknown): key is string {
  return typeof key === 'string' && Buffer.byteLength(key, 'utf8') === 32;
}

function apiV3KeyBytes(apiV3Key: string): Buffer {
  if (!isPayV3ApiKey(apiV3Key)) throw new PayCryptoError('V3_KEY');
  return Buffer.from(apiV3Key, 'utf8');
}

function nonceBytes(nonce: unknown): Buffer {
  if (typeof nonce !== 'string' || nonce === '') throw new PayCryptoError('V3_NONCE');
  return Buffer.from(nonce, 'utf8');
}

/**
 * Decrypts the `resource` of a WeChat Pay v3 notification (or a downloaded platform certificate): AEAD_AES_256_GCM with
 * the 32 bytes of the APIv3 key, the nonce and associated data as UTF-8 text, and the 16-byte tag at the end of the
 * base64 ciphertext. Any nonce length is accepted (WeChat uses 12 characters). The result is checked UTF-8; for a
 * notification it is the JSON of the transaction, refund, etc. A successful decryption authenticates the resource; the
 * notification's signature (see {@link verifyPayV3Signature}) should be checked too.
 *
 * @throws PayCryptoError `V3_KEY`, `V3_NONCE`, `INVALID_BASE64`, `V3_CIPHERTEXT_LENGTH`, `V3_DECRYPT` (another key, or
 *   tampered data) or `INVALID_UTF8`; the message never holds the key nor the data.
 * @publicApi
 */
export function decryptPayV3Resource(resource: PayV3ResourceInput, apiV3Key: string): string {
  const key = apiV3KeyBytes(apiV3Key);
  const { ciphertext, nonce } = resource ?? ({} as Partial<PayV3ResourceInput>);
  const associatedData = resource?.associated_data ?? '';
  const iv = nonceBytes(nonce);
  const data = decodeBase64Strict(ciphertext);
  if (!data) throw new PayCryptoError('INVALID_BASE64');
  if (data.length < GCM_TAG_BYTES) throw new PayCryptoError('V3_CIPHERTEXT_LENGTH');
  if (typeof associatedData !== 'string') throw new PayCryptoError('V3_DECRYPT');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    plain = Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PayCryptoError('V3_DECRYPT');
  }
  try {
    return UTF8_DECODER.decode(plain);
  } catch {
    throw new PayCryptoError('INVALID_UTF8');
  }
}

/**
 * Encrypts a v3 `resource` the way WeChat does (the inverse of {@link decryptPayV3Resource}); used by the simulator and
 * by tests. The fields are in WeChat's order.
 *
 * @throws PayCryptoError `V3_KEY` or `V3_NONCE`.
 * @publicApi
 */
export function encryptPayV3Resource(
  plaintext: string,
  apiV3Key: string,
  options: PayV3EncryptResourceOptions = {},
): PayV3EncryptedResource {
  const key = apiV3KeyBytes(apiV3Key);
  const { nonce = createNonceStr(12), associatedData = 'transaction', originalType = 'transaction' } = options;
  const iv = nonceBytes(nonce);
  if (typeof plaintext !== 'string') throw new TypeError('The plaintext must be a string');
  if (typeof associatedData !== 'string' || typeof originalType !== 'string') {
    throw new TypeError('The associated data and original type must be strings');
  }
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return {
    original_type: originalType,
    algorithm: PAY_V3_AEAD_ALGORITHM,
    ciphertext: sealed.toString('base64'),
    associated_data: associatedData,
    nonce,
  };
}
