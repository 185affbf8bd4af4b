/**
 * Ids of processed v3 notifications, each remembered for `ttlMs` (at least the timestamp window, so that a replay
 * inside it is answered before the database), at most `maxEntries` of them (the oldest go first). Insertion order is
 * expiry order, so expired ids are dropped from the front.
 * @internal
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Whether `id` was processed within the last `ttlMs`. */
  has(id: string): boolean {
    const now = Date.now();
    for (const [key, expires] of this.seen) {
      if (expires > now) break;
      this.seen.delete(key);
    }
    const expires = this.seen.get(id);
    return expires !== undefined && expires > now;
  }

  /** Remembers `id` as processed now. */
  add(id: string): void {
    this.seen.delete(id);
    this.seen.set(id, Date.now() + this.ttlMs);
    while (this.seen.size > this.maxEntries) this.seen.delete(this.seen.keys().next().value as string);
  }
}
