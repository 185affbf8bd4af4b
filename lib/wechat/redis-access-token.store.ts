import { randomBytes } from 'node:crypto';
import type { AccessTokenStore, StoredAccessToken } from './access-token.store';

/**
 * The part of a Redis client the store uses; an `ioredis` client fits as it is (so does any
 * client with these three methods). `ioredis` itself is an optional peer dependency.
 * @publicApi
 */
export interface RedisLikeClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, px: 'PX', milliseconds: number): Promise<unknown>;
  set(key: string, value: string, px: 'PX', milliseconds: number, nx: 'NX'): Promise<unknown>;
  eval(script: string, numKeys: number, key: string, arg: string): Promise<unknown>;
}

/** Deletes KEYS[1] only if it still holds ARGV[1]. */
const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Deletes KEYS[1] only if its JSON value's token is ARGV[1]. */
const COMPARE_TOKEN_AND_DELETE = `local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v).token == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * An {@link AccessTokenStore} on Redis, shared by every process of the app: one access token for
 * all of them, refreshed by one process at a time (a `SET NX PX` lock with a random owner, released
 * only by its owner), and compare-and-delete so that a process that saw a token fail never
 * removes a newer one.
 *
 * @example
 * ```ts
 * import Redis from 'ioredis';
 * MiniProgramModule.forRoot({ appId, appSecret, accessTokenStore: new RedisAccessTokenStore(new Redis(process.env.REDIS_URL)) });
 * ```
 * @publicApi
 */
export class RedisAccessTokenStore implements AccessTokenStore {
  constructor(
    private readonly redis: RedisLikeClient,
    private readonly options: { prefix?: string } = {},
  ) {}

  async get(key: string): Promise<StoredAccessToken | null> {
    const raw = await this.redis.get(this.name(key));
    if (!raw) return null;
    try {
      const value = JSON.parse(raw) as Partial<StoredAccessToken>;
      return typeof value.token === 'string' && typeof value.expiresAt === 'number'
        ? { token: value.token, expiresAt: value.expiresAt }
        : null;
    } catch {
      return null;
    }
  }

  async set(key: string, value: StoredAccessToken): Promise<void> {
    const ttl = Math.max(1, Math.ceil(value.expiresAt - Date.now()));
    await this.redis.set(this.name(key), JSON.stringify({ token: value.token, expiresAt: value.expiresAt }), 'PX', ttl);
  }

  async delete(key: string, token: string): Promise<void> {
    await this.redis.eval(COMPARE_TOKEN_AND_DELETE, 1, this.name(key), token);
  }

  async lock(key: string, ttlMs: number): Promise<(() => Promise<void>) | null> {
    const lockName = `${this.name(key)}:lock`;
    const owner = randomBytes(16).toString('hex');
    const taken = await this.redis.set(lockName, owner, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
    if (taken !== 'OK') return null;
    return async () => {
      await this.redis.eval(COMPARE_AND_DELETE, 1, lockName, owner);
    };
  }

  private name(key: string): string {
    return (this.options.prefix ?? '') + key;
  }
}
