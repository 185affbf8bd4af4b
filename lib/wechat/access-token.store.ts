/**
 * An access token as kept in an {@link AccessTokenStore}.
 * @publicApi
 */
export interface StoredAccessToken {
  /** The `access_token` value. */
  token: string;
  /** When it stops being usable, in milliseconds since the epoch (already shortened by a safety margin). */
  expiresAt: number;
}

/**
 * Where access tokens are kept between calls. The in-memory default serves one process; a
 * shared implementation (e.g. on Redis) lets several processes use one token.
 * @publicApi
 */
export interface AccessTokenStore {
  /** The stored token under `key`, or `null`. May return an expired entry; the caller checks `expiresAt`. */
  get(key: string): Promise<StoredAccessToken | null>;
  /** Stores a token under `key`. */
  set(key: string, value: StoredAccessToken): Promise<void>;
  /**
   * Removes the entry under `key` only if it still holds `token` (compare-and-delete), so a
   * process that saw a token fail never throws away a newer one fetched by another process.
   */
  delete(key: string, token: string): Promise<void>;
  /**
   * Optional cross-process lock, so that only one process refreshes a token at a time. Resolves
   * a release function when the lock was taken, or `null` when another process holds it (the
   * caller then waits for that process's token to appear in the store). The lock must expire by
   * itself after `ttlMs`, so a crashed holder cannot block the others.
   */
  lock?(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>;
}

/**
 * The default {@link AccessTokenStore}: a map in this process's memory.
 * @publicApi
 */
export class MemoryAccessTokenStore implements AccessTokenStore {
  private readonly entries = new Map<string, StoredAccessToken>();

  async get(key: string): Promise<StoredAccessToken | null> {
    return this.entries.get(key) ?? null;
  }

  async set(key: string, value: StoredAccessToken): Promise<void> {
    this.entries.set(key, { ...value });
  }

  async delete(key: string, token: string): Promise<void> {
    if (this.entries.get(key)?.token === token) this.entries.delete(key);
  }
}
