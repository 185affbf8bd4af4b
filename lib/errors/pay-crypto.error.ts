/** Why an encrypted WeChat Pay v2 payload (the refund notification's `req_info`) could not be read. @publicApi */
export type PayCryptoReason = 'INVALID_BASE64' | 'INVALID_LENGTH' | 'BAD_PADDING' | 'INVALID_UTF8';

const MESSAGES: Record<PayCryptoReason, string> = {
  INVALID_BASE64: 'the ciphertext is not standard base64',
  INVALID_LENGTH: 'the ciphertext must be a non-empty whole number of 16-byte AES blocks',
  BAD_PADDING: 'the ciphertext does not decrypt with the configured API key (bad padding)',
  INVALID_UTF8: 'the decrypted text is not UTF-8',
};

/**
 * An encrypted WeChat Pay v2 payload could not be decrypted. `BAD_PADDING` almost always means
 * the notification was encrypted with another merchant's API key (or the key was rotated). The
 * message names the reason only: never the key nor the payload.
 * @publicApi
 */
export class PayCryptoError extends Error {
  override readonly name = 'PayCryptoError';

  constructor(readonly reason: PayCryptoReason) {
    super(`Cannot decrypt WeChat Pay data: ${MESSAGES[reason]}`);
  }
}
