// One autocannon run (in this process) with per-request bodies from a pool, answer checks, and a clean stop when a
// pool of single-use items (codes, orders) runs dry: no item is ever sent twice.
import autocannon from 'autocannon';

/**
 * @param {object} o
 * @param {string} o.url the app's base URL
 * @param {number} o.connections
 * @param {number} o.seconds
 * @param {() => ({request: object, item?: unknown} | null)} o.next the next request (method, path, headers, body)
 *   and what it stands for; null when the pool is exhausted
 * @param {(status: number, body: string) => boolean} [o.check] whether a 2xx answer is a success (others count as
 *   error answers)
 * @param {(item: unknown, body: string) => void} [o.onSuccess] called for every successful answer
 * @returns {Promise<object>} autocannon's result plus `badAnswers`, `exhausted` and `elapsedS`
 */
export function runLoad({ url, connections, seconds, next, check, onSuccess }) {
  const clients = [];
  let exhaustedAt = null;
  let badAnswers = 0;
  let instance;
  const started = performance.now();

  const stopAll = () => {
    instance?.stop();
    for (const client of clients) client.destroy();
  };

  return new Promise((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        timeout: 10,
        setupClient: (client) => {
          clients.push(client);
          if (exhaustedAt !== null) setImmediate(() => client.destroy());
        },
        requests: [
          {
            setupRequest: (request, context) => {
              const n = exhaustedAt === null ? next() : null;
              if (!n) {
                // Out of single-use items: every connection is closed right after this callback (destroying the
                // client in here would let autocannon re-arm its timeout timer and reconnect later). What autocannon
                // writes meanwhile is a harmless GET /health whose answer is never counted.
                if (exhaustedAt === null) {
                  exhaustedAt = performance.now();
                  setImmediate(stopAll);
                }
                context.item = undefined;
                return { ...request, method: 'GET', path: '/health', headers: {}, body: undefined };
              }
              context.item = n.item;
              return { ...request, ...n.request };
            },
            onResponse: (status, body, context) => {
              if (status < 200 || status >= 300) return;
              if (check && !check(status, body)) {
                badAnswers++;
                return;
              }
              if (context.item !== undefined) onSuccess?.(context.item, body);
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const elapsedS = ((exhaustedAt ?? performance.now()) - started) / 1000;
        resolve({ ...result, badAnswers, exhausted: exhaustedAt !== null, elapsedS });
      },
    );
  });
}

/** What a row reports of a run. */
export function summarize(result) {
  const completed = result.latency.totalCount ?? result.requests.total;
  // A run cut short by an empty pool: autocannon's per-second samples include the idle tail, so divide instead.
  const rps = result.exhausted ? completed / result.elapsedS : result.requests.mean;
  return {
    rps,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.badAnswers,
    requests: completed,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    timeouts: result.timeouts,
    connectionErrors: result.errors - result.timeouts,
    non2xx: result.non2xx,
    badAnswers: result.badAnswers,
    exhausted: result.exhausted,
    elapsedS: Number(result.elapsedS.toFixed(2)),
  };
}
