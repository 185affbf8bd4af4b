import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two strings in constant time with respect to their content. Both sides are hashed
 * first, so neither a length difference nor the position of the first differing byte shows in
 * the timing.
 * @publicApi
 */
export function safeEqual(a: string, b: string): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}
