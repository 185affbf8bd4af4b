import { hash } from 'node:crypto';
import { randomBase64Url } from './random.util';

/** Bytes of CSPRNG output in an API token: 240 bits, 40 base64url characters. */
export const API_TOKEN_BYTES = 30;

const API_TOKEN_SHAPE = /^[A-Za-z0-9_-]{40}$/;

/**
 * Creates a new API token for `Authorization: Token <token>`.
 * @publicApi
 */
export function generateApiToken(): string {
  return randomBase64Url(API_TOKEN_BYTES);
}

/**
 * Whether a string has the shape of a token made by {@link generateApiToken}. Lets the guard
 * reject garbage without touching the database.
 * @publicApi
 */
export function isApiTokenShape(value: unknown): boolean {
  return typeof value === 'string' && API_TOKEN_SHAPE.test(value);
}

/**
 * The SHA-256 hex digest stored in place of a token. The database is searched by this hash, so
 * an attacker can neither read tokens from the table nor steer a timing attack on the index:
 * the value compared is a hash of their input, not their input.
 * @publicApi
 */
export function hashApiToken(token: string): string {
  return hash('sha256', token, 'hex');
}
