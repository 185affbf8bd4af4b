/**
 * Work a service has under way that shutdown should let finish (a notification whose transaction is committing and
 * whose answer is not sent yet), bounded by a grace period so that shutdown never hangs on it.
 * @internal
 */
export class InflightWork {
  private readonly inflight = new Set<Promise<unknown>>();

  /** Keeps `work` among what {@link drain} waits for until it settles. */
  track<T>(work: Promise<T>): Promise<T> {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work)).catch(() => undefined);
    return work;
  }

  get size(): number {
    return this.inflight.size;
  }

  /** Resolves once every tracked work has settled, or after `graceMs`. */
  async drain(graceMs: number): Promise<void> {
    if (this.inflight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
  }
}
