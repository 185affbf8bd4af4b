/**
 * Why a message push (消息推送) in safe mode could not be read:
 * - `INVALID_AES_KEY`: the configured EncodingAESKey is not 43 characters of `[A-Za-z0-9]` (32 bytes once decoded);
 * - `INVALID_BASE64`: the `Encrypt` field is not standard base64;
 * - `INVALID_LENGTH`: the ciphertext is not a non-empty whole number of WeChat's 32-byte padding blocks;
 * - `BAD_PADDING`: the last byte is not a PKCS#7 padding of 1 to 32 bytes, or the padding bytes differ from it;
 * - `BAD_MESSAGE_LENGTH`: the 4-byte message length is 0, or the message it announces runs past the end of the data;
 * - `APPID_MISMATCH`: the AppID that ends the plaintext is not this mini program's;
 * - `INVALID_UTF8`: the message is not UTF-8.
 * @publicApi
 */
export type WeChatPushCryptoReason =
  'INVALID_AES_KEY' | 'INVALID_BASE64' | 'INVALID_LENGTH' | 'BAD_PADDING' | 'BAD_MESSAGE_LENGTH' | 'APPID_MISMATCH' | 'INVALID_UTF8';

const MESSAGES: Record<WeChatPushCryptoReason, string> = {
  INVALID_AES_KEY: 'the EncodingAESKey must be 43 characters of [A-Za-z0-9] (32 bytes once base64-decoded)',
  INVALID_BASE64: 'the Encrypt field is not standard base64',
  INVALID_LENGTH: 'the ciphertext must be a non-empty whole number of 32-byte blocks',
  BAD_PADDING: 'the ciphertext does not decrypt with the configured EncodingAESKey (bad padding)',
  BAD_MESSAGE_LENGTH: 'the message length field is 0 or points past the end of the decrypted data',
  APPID_MISMATCH: 'the message was encrypted for another AppID',
  INVALID_UTF8: 'the decrypted message is not UTF-8',
};

/**
 * A message push in safe mode (安全模式) could not be decrypted, or the EncodingAESKey cannot be used. `BAD_PADDING` and
 * `BAD_MESSAGE_LENGTH` almost always mean another EncodingAESKey (the key was changed in the console); `APPID_MISMATCH`
 * a message for another mini program. The message names the reason only: never the key nor the data. Tell the sender
 * nothing more than a failure: the reason must not reach it (see `decryptPushMessage`).
 * @publicApi
 */
export class WeChatPushCryptoError extends Error {
  override readonly name = 'WeChatPushCryptoError';

  constructor(readonly reason: WeChatPushCryptoReason) {
    super(
      `${reason === 'INVALID_AES_KEY' ? 'Cannot use the message push EncodingAESKey' : 'Cannot decrypt the WeChat push message'}: ${MESSAGES[reason]}`,
    );
  }
}
