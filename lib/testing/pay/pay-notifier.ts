import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { parsePayXml } from '../../crypto/pay-xml.codec';
import {
  NOTIFY_BODY_KEEP_CHARS,
  NOTIFY_MAX_ANSWER_BYTES,
  NOTIFY_RETRY_DELAYS_MS,
  NOTIFY_TIMEOUT_MS,
  STORE_LIMIT,
} from '../server/simulator.constants';
import { isLoopbackUrl, urlForLog } from './pay-format';
import type { SimNotification, SimNotificationAttempt } from './pay.interfaces';

/** What to deliver. @internal */
export interface DeliveryInput {
  kind: 'pay' | 'refund';
  mchId: string;
  outTradeNo: string;
  outRefundNo?: string;
  url: string;
  variant: SimNotification['variant'];
  /** The XML body (API v3: the JSON body). */
  body: string;
  /** API v3: the notification is JSON, sent with these headers (signature headers), and any HTTP 2xx acknowledges it. */
  v3?: { headers: Record<string, string> | (() => Record<string, string>) };
  /** Whether to retry on WeChat's schedule until acknowledged (genuine notifications only). */
  retry: boolean;
}

interface Delivery {
  record: SimNotification;
  body: string;
  v3?: DeliveryInput['v3'];
  retry: boolean;
  cancelled: boolean;
  timer?: NodeJS.Timeout;
  inFlight?: ClientRequest;
}

interface AttemptOutcome {
  status: number;
  body: string;
  error?: string;
  acknowledged: boolean;
}

const REFUSED = 'refused: the notify_url is not a loopback address (the simulator only delivers to 127.0.0.0/8, ::1 and localhost)';

/**
 * `localhost` resolved without DNS, to loopback addresses only, so that no resolver setting can send a
 * notification off this machine.
 */
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname !== 'localhost') {
    callback(Object.assign(new Error(`refusing to resolve ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    return;
  }
  const addresses = [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ].filter((a) => !options.family || options.family === a.family);
  if (options.all) callback(null, addresses);
  else callback(null, addresses[0]?.address ?? '127.0.0.1', addresses[0]?.family ?? 4);
};

/**
 * Delivers payment and refund notifications to the app over HTTP(S), to loopback addresses only, retrying genuine
 * ones on WeChat's schedule (scaled by the time scale) until the app acknowledges. Keeps a report of every delivery.
 * @internal
 */
export class PayNotifier {
  private readonly deliveries: Delivery[] = [];
  private seq = 0;

  constructor(
    private readonly timeScale: number,
    private readonly log: (line: string) => void,
    /** Real milliseconds one attempt may take; WeChat's 5 s unless a spec needs less. */
    private readonly timeoutMs: number = NOTIFY_TIMEOUT_MS,
  ) {}

  /** Every delivery report (copies), oldest first. */
  list(): SimNotification[] {
    return this.deliveries.map((d) => copy(d.record));
  }

  /** Starts a delivery and resolves its report after the first attempt; retries continue in the background. */
  async deliver(input: DeliveryInput): Promise<SimNotification> {
    const record: SimNotification = {
      id: `n${++this.seq}`,
      kind: input.kind,
      mchId: input.mchId,
      outTradeNo: input.outTradeNo,
      ...(input.outRefundNo !== undefined ? { outRefundNo: input.outRefundNo } : {}),
      url: input.url,
      variant: input.variant,
      ...(input.v3 ? { apiVersion: 'v3' as const } : {}),
      attempts: [],
      acknowledged: false,
      done: false,
      refused: false,
    };
    const delivery: Delivery = { record, body: input.body, ...(input.v3 ? { v3: input.v3 } : {}), retry: input.retry, cancelled: false };
    this.deliveries.push(delivery);
    if (this.deliveries.length > STORE_LIMIT) {
      for (const old of this.deliveries.splice(0, this.deliveries.length - STORE_LIMIT)) this.cancel(old);
    }
    let url: URL | undefined;
    try {
      url = new URL(input.url);
    } catch {
      url = undefined;
    }
    if (!url || !isLoopbackUrl(url)) {
      record.attempts.push({ at: Date.now(), status: 0, body: '', error: url ? REFUSED : 'refused: the notify_url is not a URL' });
      record.refused = true;
      record.done = true;
      this.log(`notify ${record.kind} ${record.id} refused ${urlForLog(input.url)}`);
      return copy(record);
    }
    await this.attempt(delivery, url);
    return copy(record);
  }

  /** Cancels every pending retry and in-flight attempt (the reports stay, marked done). */
  cancelAll(): void {
    for (const delivery of this.deliveries) this.cancel(delivery);
  }

  /** Cancels everything and forgets the reports. */
  clear(): void {
    this.cancelAll();
    this.deliveries.length = 0;
  }

  private cancel(delivery: Delivery): void {
    delivery.cancelled = true;
    if (delivery.timer) clearTimeout(delivery.timer);
    delivery.timer = undefined;
    delivery.inFlight?.destroy(new Error('cancelled: the simulator stopped or was reset'));
    delivery.record.done = true;
  }

  private async attempt(delivery: Delivery, url: URL): Promise<void> {
    const { record } = delivery;
    // Listed as soon as it starts (status 0, no error), like the calls log lists calls on arrival.
    const attempt: SimNotificationAttempt = { at: Date.now(), status: 0, body: '' };
    record.attempts.push(attempt);
    const outcome = await this.send(delivery, url);
    attempt.status = outcome.status;
    attempt.body = outcome.body;
    if (outcome.error !== undefined) attempt.error = outcome.error;
    if (delivery.cancelled) return;
    const n = record.attempts.length;
    this.log(
      `notify ${record.kind} ${record.id} attempt ${n} ${urlForLog(record.url)} ${outcome.status || outcome.error || 'no answer'}${outcome.acknowledged ? ' acknowledged' : ''}`,
    );
    if (outcome.acknowledged) {
      record.acknowledged = true;
      record.done = true;
      return;
    }
    if (!delivery.retry || n > NOTIFY_RETRY_DELAYS_MS.length) {
      record.done = true;
      return;
    }
    delivery.timer = setTimeout(
      () => {
        delivery.timer = undefined;
        this.attempt(delivery, url).catch((error: unknown) => this.log(`notify ${record.id} failed: ${String(error)}`));
      },
      NOTIFY_RETRY_DELAYS_MS[n - 1] * this.timeScale,
    );
  }

  /** One POST; never rejects. */
  private send(delivery: Delivery, url: URL): Promise<AttemptOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      const timer: { handle?: NodeJS.Timeout } = {};
      const finish = (outcome: AttemptOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer.handle);
        delivery.inFlight = undefined;
        resolve(outcome);
      };
      const body = Buffer.from(delivery.body, 'utf8');
      const v3 = delivery.v3;
      // API v3: each attempt is signed afresh (a function) unless the headers are fixed (a replay).
      const v3Headers = v3 ? (typeof v3.headers === 'function' ? v3.headers() : v3.headers) : undefined;
      const options = {
        method: 'POST',
        agent: false as const,
        lookup: loopbackLookup,
        headers: v3Headers
          ? { 'content-type': 'application/json', 'content-length': String(body.length), 'user-agent': 'Mozilla/4.0', ...v3Headers }
          : { 'content-type': 'text/xml', 'content-length': String(body.length), 'user-agent': 'Mozilla/4.0' },
      };
      const onResponse = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size >= NOTIFY_MAX_ANSWER_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          const raw = Buffer.concat(chunks).subarray(0, NOTIFY_MAX_ANSWER_BYTES);
          const text = raw.toString('utf8');
          const status = res.statusCode ?? 0;
          (v3 ? Promise.resolve(status >= 200 && status <= 299) : acknowledges(status, raw)).then(
            (acknowledged) => finish({ status, body: text.slice(0, NOTIFY_BODY_KEEP_CHARS), acknowledged }),
            () => finish({ status, body: text.slice(0, NOTIFY_BODY_KEEP_CHARS), acknowledged: false }),
          );
        });
        res.on('error', (error) => finish({ status: res.statusCode ?? 0, body: '', error: error.message, acknowledged: false }));
      };
      // Loopback only, and the app's development certificate is usually self-signed: not verified.
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, { ...options, rejectUnauthorized: false }, onResponse)
          : httpRequest(url, options, onResponse);
      delivery.inFlight = req;
      timer.handle = setTimeout(() => req.destroy(new Error(`timeout: no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (error: NodeJS.ErrnoException) => {
        finish({ status: 0, body: '', error: error.code ? `${error.code}: ${error.message}` : error.message, acknowledged: false });
      });
      req.end(body);
    });
  }
}

/** Whether an answer acknowledges a notification: HTTP 2xx and XML with `return_code` SUCCESS. */
async function acknowledges(status: number, body: Buffer): Promise<boolean> {
  if (status < 200 || status > 299) return false;
  const fields = await parsePayXml(body);
  return fields.return_code === 'SUCCESS';
}

function copy(record: SimNotification): SimNotification {
  return { ...record, attempts: record.attempts.map((a) => ({ ...a })) };
}
