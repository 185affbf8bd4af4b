/** How {@link withRetries} repeats a failed call. @internal */
export interface RetryPolicy {
  /** Extra attempts after the first. */
  retries: number;
  /** First backoff delay in ms; doubles each retry, with jitter (half to full delay). */
  delayMs: number;
  /** Whether this error may be retried. */
  shouldRetry(error: unknown): boolean;
  /** Called before each retry (for logging). */
  onRetry?(error: unknown, attempt: number): void;
}

/**
 * Runs `call`, repeating it while it fails with a retryable error and attempts remain.
 * @internal
 */
export async function withRetries<T>(call: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.retries || !policy.shouldRetry(error)) throw error;
      policy.onRetry?.(error, attempt + 1);
      const base = policy.delayMs * 2 ** attempt;
      await new Promise((resolve) => setTimeout(resolve, base / 2 + Math.random() * (base / 2)));
    }
  }
}

/**
 * How long a lock held around a WeChat call (with `http.retries` retries, each up to `http.timeoutMs`, backing off from
 * `http.retryDelayMs`) must live so that it outlasts the call, plus a second.
 * @internal
 */
export function callLockTtlMs(http: { timeoutMs: number; retries: number; retryDelayMs: number }): number {
  return (http.timeoutMs + http.retryDelayMs * 2 ** http.retries) * (http.retries + 1) + 1000;
}

/**
 * The error code of a Node network error, looking through `cause` chains (fetch wraps them).
 * @internal
 */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether an error is a timeout or abort. Checked by name, not `instanceof`: fetch rejects with a
 * DOMException, which may come from another realm.
 * @internal
 */
export function isTimeoutError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}
