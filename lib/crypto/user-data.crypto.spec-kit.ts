/** What the user-data crypto specs share: the published vectors, session keys and the typed-error checks. */
import { createHash, randomBytes } from 'node:crypto';
import { vector } from '../../test/fixtures/vectors';
import { UserDataDecryptError, UserDataDecryptReason } from '../errors/user-data-decrypt.error';
import { thrown } from './crypto.spec-kit';

export const demo = vector<
  { appId: string; sessionKey: string; encryptedData: string; iv: string },
  { plaintext: string; parsed: Record<string, unknown>; watermark_appid: string; ciphertext_bytes: number }
>('wxbizdatacrypt_official_demo_userinfo');
export const emptyPlaintext = vector<{ key_b64: string; iv_b64: string; plaintext: string }, { ciphertext_b64: string }>(
  'aes128cbc_empty_plaintext',
);

export const { appId, sessionKey, encryptedData, iv } = demo.inputs;

/** A 16-byte session key derived from a label, so "another key" is the same on every run. */
export function keyFrom(label: string): string {
  return createHash('sha256').update(label).digest().subarray(0, 16).toString('base64');
}

export function bytesOf(b64: string): Buffer {
  return Buffer.from(b64, 'base64');
}

export function withByteXored(b64: string, index: number, mask: number): string {
  const bytes = bytesOf(b64);
  bytes[index] ^= mask;
  return bytes.toString('base64');
}

/** The UserDataDecryptError `run` throws. */
export function catchDecryptError(run: () => unknown): UserDataDecryptError {
  return thrown(UserDataDecryptError, run);
}

/** Asserts the error leaks the session key in no form: not in the message, the stack or its JSON. */
export function expectNoKeyLeak(err: Error, key: string): void {
  const decoded = bytesOf(key);
  const forms = [key, key.replace(/=+$/, ''), decoded.toString('hex'), decoded.toString('hex').toUpperCase()].filter(
    (form) => form.length >= 8,
  );
  const surfaces = [err.message, String(err), err.stack ?? '', JSON.stringify(err)];
  for (const surface of surfaces) {
    for (const form of forms) expect(surface).not.toContain(form);
  }
}

export function expectReason(run: () => unknown, reason: UserDataDecryptReason, keyInUse: string = sessionKey): UserDataDecryptError {
  const err = catchDecryptError(run);
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe('UserDataDecryptError');
  expect(err.reason).toBe(reason);
  expect(err.message).toMatch(/^Cannot decrypt user data: /);
  expectNoKeyLeak(err, keyInUse);
  return err;
}

export function randomKey(): string {
  return randomBytes(16).toString('base64');
}
