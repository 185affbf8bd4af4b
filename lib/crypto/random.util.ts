import { randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A random string of `[A-Za-z0-9]` from the CSPRNG, for `nonce_str`/`nonceStr` (WeChat allows
 * up to 32 characters).
 * @publicApi
 */
export function createNonceStr(length = 32): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

/**
 * Random bytes as base64url, without padding.
 * @internal
 */
export function randomBase64Url(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
