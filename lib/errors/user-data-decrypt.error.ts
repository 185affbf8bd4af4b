/** Why encrypted user data could not be read. */
export type UserDataDecryptReason =
  'INVALID_SESSION_KEY' | 'INVALID_IV' | 'INVALID_ENCRYPTED_DATA' | 'BAD_PADDING' | 'INVALID_JSON' | 'APPID_MISMATCH';

const MESSAGES: Record<UserDataDecryptReason, string> = {
  INVALID_SESSION_KEY: 'the stored session key is missing or malformed',
  INVALID_IV: 'iv must be base64 of 16 bytes',
  INVALID_ENCRYPTED_DATA: 'encryptedData must be non-empty base64 of a whole number of AES blocks',
  BAD_PADDING: 'the data does not decrypt with the current session key (bad padding)',
  INVALID_JSON: 'the decrypted data is not a JSON object',
  APPID_MISMATCH: 'the data was encrypted for another mini program (watermark.appid differs)',
};

/**
 * Encrypted user data could not be decrypted or did not belong to this mini program. Most of
 * the time the session key is stale: the user called `wx.login` again (which rotates the
 * session key) after the data was produced, so the client must log in again and retry.
 * @publicApi
 */
export class UserDataDecryptError extends Error {
  override readonly name = 'UserDataDecryptError';

  constructor(readonly reason: UserDataDecryptReason) {
    super(`Cannot decrypt user data: ${MESSAGES[reason]}`);
  }
}
