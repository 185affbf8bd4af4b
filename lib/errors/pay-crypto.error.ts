/**
 * Why WeChat Pay cryptography failed.
 *
 * API v2 (the refund notification's `req_info`): `INVALID_BASE64`, `INVALID_LENGTH`, `BAD_PADDING`, `INVALID_UTF8`.
 *
 * API v3: `INVALID_BASE64` and `INVALID_UTF8` as in v2, and
 * - `V3_KEY`: the APIv3 key is not exactly 32 bytes;
 * - `V3_NONCE`: the AEAD nonce is empty or not a string;
 * - `V3_CIPHERTEXT_LENGTH`: the AEAD ciphertext is shorter than its 16-byte authentication tag;
 * - `V3_DECRYPT`: the AEAD ciphertext does not authenticate (another APIv3 key, or a tampered ciphertext, nonce or
 *   associated data);
 * - `V3_SENSITIVE`: an RSA-OAEP field (`encryptPayV3Sensitive`) does not decrypt with the private key;
 * - `V3_PRIVATE_KEY`: not an RSA private key of at least 2048 bits in PKCS#1 or PKCS#8 PEM;
 * - `V3_PUBLIC_KEY`: not an RSA public key of at least 2048 bits (SPKI or PKCS#1 PEM) nor an X.509 certificate of one;
 * - `V3_CERTIFICATE`: not an X.509 certificate in PEM.
 * @publicApi
 */
export type PayCryptoReason =
  | 'INVALID_BASE64'
  | 'INVALID_LENGTH'
  | 'BAD_PADDING'
  | 'INVALID_UTF8'
  | 'V3_KEY'
  | 'V3_NONCE'
  | 'V3_CIPHERTEXT_LENGTH'
  | 'V3_DECRYPT'
  | 'V3_SENSITIVE'
  | 'V3_PRIVATE_KEY'
  | 'V3_PUBLIC_KEY'
  | 'V3_CERTIFICATE';

const MESSAGES: Record<PayCryptoReason, string> = {
  INVALID_BASE64: 'the ciphertext is not standard base64',
  INVALID_LENGTH: 'the ciphertext must be a non-empty whole number of 16-byte AES blocks',
  BAD_PADDING: 'the ciphertext does not decrypt with the configured API key (bad padding)',
  INVALID_UTF8: 'the decrypted text is not UTF-8',
  V3_KEY: 'the APIv3 key must be exactly 32 bytes (32 ASCII characters)',
  V3_NONCE: 'the AEAD_AES_256_GCM nonce must be a non-empty string',
  V3_CIPHERTEXT_LENGTH: 'the AEAD_AES_256_GCM ciphertext is shorter than its 16-byte authentication tag',
  V3_DECRYPT: 'the AEAD_AES_256_GCM ciphertext does not authenticate with the configured APIv3 key, this nonce and this associated data',
  V3_SENSITIVE: 'the RSA-OAEP ciphertext does not decrypt with this private key',
  V3_PRIVATE_KEY: 'the private key must be an RSA private key of at least 2048 bits in PKCS#1 or PKCS#8 PEM',
  V3_PUBLIC_KEY: 'the public key must be an RSA public key of at least 2048 bits (SPKI PEM) or an X.509 certificate PEM of one',
  V3_CERTIFICATE: 'the text is not an X.509 certificate in PEM',
};

/** Reasons about key material rather than about a payload. */
const KEY_REASONS: ReadonlySet<PayCryptoReason> = new Set<PayCryptoReason>(['V3_KEY', 'V3_PRIVATE_KEY', 'V3_PUBLIC_KEY', 'V3_CERTIFICATE']);

/**
 * WeChat Pay cryptography failed: an encrypted payload could not be decrypted (v2 `req_info`, v3 notification resource or
 * sensitive field), or key material could not be used (v3 keys and certificates). `BAD_PADDING` and `V3_DECRYPT` almost
 * always mean the data was encrypted with another merchant's key (or the key was rotated). The message names the reason
 * only: never a key, a certificate nor the payload.
 * @publicApi
 */
export class PayCryptoError extends Error {
  override readonly name = 'PayCryptoError';

  constructor(readonly reason: PayCryptoReason) {
    super(`${KEY_REASONS.has(reason) ? 'Cannot use WeChat Pay key material' : 'Cannot decrypt WeChat Pay data'}: ${MESSAGES[reason]}`);
  }
}
