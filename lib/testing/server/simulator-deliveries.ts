import type { ClientRequest } from 'node:http';
import type { SimNotificationAttempt } from '../pay/pay.interfaces';
import { STORE_LIMIT } from './simulator.constants';
import { loopbackUrl, sendOutbound, urlForLog } from './simulator-outbound';
import type { OutboundLimits, OutboundRequest } from './simulator-outbound';

/** What every delivery report holds, whatever is delivered (a WeChat Pay notification, a message push). @internal */
export interface DeliveryReport {
  id: string;
  /** Where it is delivered, as configured (without the signed query a push adds). */
  url: string;
  attempts: SimNotificationAttempt[];
  acknowledged: boolean;
  done: boolean;
  refused: boolean;
}

/** When and how long deliveries are tried, and what their URL is called in a refusal. @internal */
export interface DeliverySchedule extends OutboundLimits {
  /** The waits between attempts before the time scale; one more attempt than there are waits. */
  retryDelaysMs: readonly number[];
  /** Multiplies the waits (never the timeout of one attempt). */
  timeScale: number;
  /** How much of an answer is kept in an attempt's `body`, in characters. */
  keepChars: number;
  /** The URL's name in a refusal, e.g. `notify_url`. */
  urlName: string;
}

/** One delivery to make. @internal */
export interface DeliveryJob<R extends DeliveryReport> {
  /** The report, fresh (no attempts, not acknowledged, not done, not refused); kept and updated. */
  record: R;
  /** The URL requested, when it differs from `record.url` (a push adds its signed query). */
  target?: string;
  /** The request of each attempt; called again for every retry. */
  request: () => OutboundRequest;
  /** Whether an answer acknowledges the delivery; an error means it does not. */
  acknowledges: (status: number, body: Buffer) => boolean | Promise<boolean>;
  /** Whether to retry on the schedule until acknowledged. */
  retry: boolean;
  /** How log lines name the delivery, e.g. `notify pay n1`. */
  label: string;
}

interface Delivery<R extends DeliveryReport> {
  job: DeliveryJob<R>;
  cancelled: boolean;
  timer?: NodeJS.Timeout;
  inFlight?: ClientRequest;
}

/**
 * Deliveries from the simulator to the app, to loopback addresses only, retried on a schedule (scaled by the time
 * scale) until the app acknowledges them, as WeChat does; keeps a report of every delivery with each attempt and
 * the app's answers. Shared by the WeChat Pay notifications and the message pushes.
 * @internal
 */
export class SimulatorDeliveries<R extends DeliveryReport> {
  private readonly deliveries: Delivery<R>[] = [];

  constructor(
    private readonly schedule: DeliverySchedule,
    private readonly log: (line: string) => void,
  ) {}

  /** Every delivery report (deep copies), oldest first. */
  list(): R[] {
    return this.deliveries.map((d) => structuredClone(d.job.record));
  }

  /** Starts a delivery and resolves its report after the first attempt; retries continue in the background. */
  async deliver(job: DeliveryJob<R>): Promise<R> {
    const delivery: Delivery<R> = { job, cancelled: false };
    const { record } = job;
    this.deliveries.push(delivery);
    if (this.deliveries.length > STORE_LIMIT) {
      for (const old of this.deliveries.splice(0, this.deliveries.length - STORE_LIMIT)) this.cancel(old);
    }
    const checked = loopbackUrl(job.target ?? record.url);
    if ('refusal' in checked) {
      const { urlName } = this.schedule;
      const error =
        checked.refusal === 'not-a-url'
          ? `refused: the ${urlName} is not a URL`
          : `refused: the ${urlName} is not a loopback address (the simulator only delivers to 127.0.0.0/8, ::1 and localhost)`;
      record.attempts.push({ at: Date.now(), status: 0, body: '', error });
      record.refused = true;
      record.done = true;
      this.log(`${job.label} refused ${urlForLog(record.url)}`);
      return structuredClone(record);
    }
    await this.attempt(delivery, checked.url);
    return structuredClone(record);
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

  private cancel(delivery: Delivery<R>): void {
    delivery.cancelled = true;
    if (delivery.timer) clearTimeout(delivery.timer);
    delivery.timer = undefined;
    delivery.inFlight?.destroy(new Error('cancelled: the simulator stopped or was reset'));
    delivery.job.record.done = true;
  }

  private async attempt(delivery: Delivery<R>, url: URL): Promise<void> {
    const { job } = delivery;
    const { record } = job;
    // Listed as soon as it starts (status 0, no error), like the calls log lists calls on arrival.
    const attempt: SimNotificationAttempt = { at: Date.now(), status: 0, body: '' };
    record.attempts.push(attempt);
    const answer = await sendOutbound(url, job.request(), this.schedule, (inFlight) => (delivery.inFlight = inFlight));
    let acknowledged = false;
    if (answer.error === undefined) {
      acknowledged = await Promise.resolve()
        .then(() => job.acknowledges(answer.status, answer.body))
        .catch(() => false);
    }
    attempt.status = answer.status;
    attempt.body = answer.body.toString('utf8').slice(0, this.schedule.keepChars);
    if (answer.error !== undefined) attempt.error = answer.error;
    if (delivery.cancelled) return;
    const n = record.attempts.length;
    this.log(
      `${job.label} attempt ${n} ${urlForLog(record.url)} ${answer.status || answer.error || 'no answer'}${acknowledged ? ' acknowledged' : ''}`,
    );
    if (acknowledged) {
      record.acknowledged = true;
      record.done = true;
      return;
    }
    const { retryDelaysMs, timeScale } = this.schedule;
    if (!job.retry || n > retryDelaysMs.length) {
      record.done = true;
      return;
    }
    delivery.timer = setTimeout(
      () => {
        delivery.timer = undefined;
        this.attempt(delivery, url).catch((error: unknown) => this.log(`${job.label} failed: ${String(error)}`));
      },
      retryDelaysMs[n - 1] * timeScale,
    );
  }
}
