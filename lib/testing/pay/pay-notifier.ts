import { parsePayXml } from '../../crypto/pay-xml.codec';
import { NOTIFY_BODY_KEEP_CHARS, NOTIFY_MAX_ANSWER_BYTES, NOTIFY_RETRY_DELAYS_MS, NOTIFY_TIMEOUT_MS } from '../server/simulator.constants';
import { SimulatorDeliveries } from '../server/simulator-deliveries';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-input';
import type { SimLoseNotificationsInput, SimNotification } from './pay.interfaces';

/** What to deliver. @internal */
export interface DeliveryInput {
  kind: 'pay' | 'refund' | 'transfer' | 'profit-sharing';
  mchId: string;
  outTradeNo: string;
  outRefundNo?: string;
  outBillNo?: string;
  outOrderNo?: string;
  url: string;
  variant: SimNotification['variant'];
  /** The XML body (API v3: the JSON body). */
  body: string;
  /** API v3: the notification is JSON, sent with these headers (signature headers), and any HTTP 2xx acknowledges it. */
  v3?: { headers: Record<string, string> | (() => Record<string, string>) };
  /** Whether to retry on WeChat's schedule until acknowledged (genuine notifications only). */
  retry: boolean;
}

/**
 * Delivers payment and refund notifications to the app over HTTP(S), to loopback addresses only, retrying genuine
 * ones on WeChat's schedule (scaled by the time scale) until the app acknowledges. Keeps a report of every delivery
 * (the delivering and the reports are {@link SimulatorDeliveries}', shared with the message pushes).
 * @internal
 */
export class PayNotifier {
  private readonly deliveries: SimulatorDeliveries<SimNotification>;
  private seq = 0;
  /** Genuine notifications still to lose, in order of the rules. */
  private losses: Array<{ kind?: SimNotification['kind']; count: number }> = [];

  constructor(
    timeScale: number,
    log: (line: string) => void,
    /** Real milliseconds one attempt may take; WeChat's 5 s unless a spec needs less. */
    timeoutMs: number = NOTIFY_TIMEOUT_MS,
  ) {
    this.deliveries = new SimulatorDeliveries(
      {
        retryDelaysMs: NOTIFY_RETRY_DELAYS_MS,
        timeScale,
        timeoutMs,
        maxAnswerBytes: NOTIFY_MAX_ANSWER_BYTES,
        keepChars: NOTIFY_BODY_KEEP_CHARS,
        urlName: 'notify_url',
      },
      log,
    );
  }

  /** Every delivery report (copies), oldest first. */
  list(): SimNotification[] {
    return this.deliveries.list();
  }

  /** Starts a delivery and resolves its report after the first attempt; retries continue in the background. */
  deliver(input: DeliveryInput): Promise<SimNotification> {
    const record: SimNotification = {
      id: `n${++this.seq}`,
      kind: input.kind,
      mchId: input.mchId,
      outTradeNo: input.outTradeNo,
      ...(input.outRefundNo !== undefined ? { outRefundNo: input.outRefundNo } : {}),
      ...(input.outBillNo !== undefined ? { outBillNo: input.outBillNo } : {}),
      ...(input.outOrderNo !== undefined ? { outOrderNo: input.outOrderNo } : {}),
      url: input.url,
      variant: input.variant,
      ...(input.v3 ? { apiVersion: 'v3' as const } : {}),
      attempts: [],
      acknowledged: false,
      done: false,
      refused: false,
    };
    const loss = input.retry ? this.losses.find((l) => l.count > 0 && (l.kind === undefined || l.kind === input.kind)) : undefined;
    if (loss) {
      loss.count--;
      this.losses = this.losses.filter((l) => l.count > 0);
      return Promise.resolve({ ...record, done: true, lost: true });
    }
    const { v3, body } = input;
    return this.deliveries.deliver({
      record,
      retry: input.retry,
      label: `notify ${record.kind} ${record.id}`,
      // API v3: each attempt is signed afresh (a function) unless the headers are fixed (a replay).
      request: () => ({
        method: 'POST',
        headers: v3
          ? { 'content-type': 'application/json', ...(typeof v3.headers === 'function' ? v3.headers() : v3.headers) }
          : { 'content-type': 'text/xml' },
        body,
      }),
      acknowledges: v3 ? (status) => status >= 200 && status <= 299 : acknowledges,
    });
  }

  /** Loses the next genuine notifications (of a kind, or all) on purpose: never sent, not listed. */
  lose(input: SimLoseNotificationsInput = {}): { pending: number } {
    const raw = asInput(input);
    const kind = raw.kind;
    if (kind !== undefined && kind !== 'pay' && kind !== 'refund' && kind !== 'transfer')
      throw new SimulatorInputError("kind must be 'pay', 'refund' or 'transfer'");
    const count = raw.count ?? 1;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000)
      throw new SimulatorInputError('count must be an integer from 1 to 1000');
    this.losses.push({ ...(kind !== undefined ? { kind } : {}), count });
    return { pending: this.losses.reduce((sum, l) => sum + l.count, 0) };
  }

  /** Forgets the notifications still to lose. */
  keepNotifications(): void {
    this.losses = [];
  }

  /** Cancels every pending retry and in-flight attempt (the reports stay, marked done). */
  cancelAll(): void {
    this.deliveries.cancelAll();
  }

  /** Cancels everything and forgets the reports. */
  clear(): void {
    this.losses = [];
    this.deliveries.clear();
  }
}

/** Whether an API v2 answer acknowledges a notification: HTTP 2xx and XML with `return_code` SUCCESS. */
async function acknowledges(status: number, body: Buffer): Promise<boolean> {
  if (status < 200 || status > 299) return false;
  const fields = await parsePayXml(body);
  return fields.return_code === 'SUCCESS';
}
