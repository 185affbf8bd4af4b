import type { ClientRequest } from 'node:http';
import { copiesOf } from '../pay/pay-notify-variants';
import { NOTIFY_BODY_KEEP_CHARS, NOTIFY_MAX_ANSWER_BYTES, PUSH_RETRY_DELAYS_MS, PUSH_TIMEOUT_MS } from '../server/simulator.constants';
import { SimulatorDeliveries } from '../server/simulator-deliveries';
import { SimulatorInputError, isPlainObject } from '../server/simulator-http';
import { asInput, optionalId } from '../server/simulator-input';
import { sendOutbound } from '../server/simulator-outbound';
import type { SimulatorState } from '../server/simulator-state';
import type { SimulatorApp } from '../server/simulator.interfaces';
import { originalIdOf, resolvePushConfig } from './push-config';
import { checkPushFields } from './push-format';
import { pushRequest, urlCheckRequest } from './push-request';
import type { PushRequest } from './push-request';
import type { SimPush, SimPushConfig, SimPushInput, SimPushSettings, SimPushUrlCheck, SimPushVariant } from './push.interfaces';

/** Every variant a push can be sent as. @internal */
export const PUSH_VARIANTS: readonly SimPushVariant[] = [
  'genuine',
  'duplicate',
  'forged-signature',
  'stale-timestamp',
  'wrong-appid',
  'plaintext',
  'malformed',
  'bad-ciphertext',
];

/** The variants that only mean something when the configuration encrypts. */
const ENCRYPTED_ONLY: readonly SimPushVariant[] = ['wrong-appid', 'plaintext', 'bad-ciphertext'];

/**
 * The message push side of the simulator: WeChat pushing messages and events to an app's push URL (消息推送) in the
 * app's configured format and encryption mode, signed as WeChat signs them, retried as WeChat retries them (three
 * times, over about 15 s scaled by the time scale) until the app answers `success`, with a report of every delivery;
 * and the URL check WeChat makes when the URL is saved. Only ever to loopback addresses.
 * @internal
 */
export class PushState {
  private readonly configs = new Map<string, SimPushSettings>();
  private readonly deliveries: SimulatorDeliveries<SimPush>;
  private readonly checks = new Set<ClientRequest>();
  private seq = 0;

  constructor(
    private readonly sim: SimulatorState,
    timeScale: number,
    log: (line: string) => void,
    /** The push of the first app, from the options. */
    initial?: SimPushConfig,
    /** Real milliseconds one attempt may take; WeChat's 5 s unless a spec needs less. */
    private readonly timeoutMs: number = PUSH_TIMEOUT_MS,
  ) {
    const limits = { timeoutMs, maxAnswerBytes: NOTIFY_MAX_ANSWER_BYTES, keepChars: NOTIFY_BODY_KEEP_CHARS };
    this.deliveries = new SimulatorDeliveries({ ...limits, retryDelaysMs: PUSH_RETRY_DELAYS_MS, timeScale, urlName: 'push url' }, log);
    if (initial !== undefined) this.configure(initial);
    sim.resetHooks.push(() => this.reset());
  }

  /**
   * Sets (or replaces) where and how an app's messages are pushed: the given app, or the first configured. The app gets
   * an original id (`gh_…`) made from its AppID when it has none.
   */
  configure(config: SimPushConfig, appId?: string): SimPushSettings {
    const resolved = resolvePushConfig(config);
    const app = this.app(appId);
    app.originalId = originalIdOf(app);
    const settings: SimPushSettings = { appId: app.appId, originalId: app.originalId, ...resolved };
    this.configs.set(app.appId, settings);
    return { ...settings };
  }

  /** The push configuration of every app that has one (copies). */
  settings(): SimPushSettings[] {
    return [...this.configs.values()].map((settings) => ({ ...settings }));
  }

  /** Every push delivery (copies), oldest first. */
  list(): SimPush[] {
    return this.deliveries.list();
  }

  /**
   * Pushes a message to its app and resolves the reports after the first attempt of each delivery (`duplicate`: after
   * the genuine one's first attempt and the repeats'); retries of genuine pushes and duplicates continue in the background.
   * @throws SimulatorInputError 400 for bad input, 409 when the app has no push configured or the variant needs an
   * encrypted mode.
   */
  async push(input: SimPushInput): Promise<SimPush[]> {
    const raw = asInput(input);
    const settings = this.settingsOf(raw.appId);
    const kind = (raw.kind ?? 'genuine') as SimPushVariant;
    if (!PUSH_VARIANTS.includes(kind)) throw new SimulatorInputError(`kind must be one of ${PUSH_VARIANTS.join(', ')}`);
    if (ENCRYPTED_ONLY.includes(kind) && settings.mode === 'plain') {
      throw new SimulatorInputError(`kind ${kind} needs the compatible or safe mode; app ${settings.appId} pushes in plaintext`, 409);
    }
    const copies = copiesOf(raw.copies);
    const fields = this.fields(settings, raw);
    const now = this.sim.now();
    const times = <T>(make: () => Promise<T>): Promise<T[]> => Promise.all(Array.from({ length: copies }, make));
    if (kind !== 'genuine' && kind !== 'duplicate') {
      return times(() => this.deliver(settings, fields, kind, pushRequest(settings, fields, kind, now), false));
    }
    const genuine = pushRequest(settings, fields, 'genuine', now);
    if (kind === 'genuine') return times(() => this.deliver(settings, fields, 'genuine', genuine, true));
    const first = await this.deliver(settings, fields, 'genuine', genuine, true);
    return [first, ...(await times(() => this.deliver(settings, fields, 'duplicate', genuine, true)))];
  }

  /**
   * Makes WeChat's URL check: a GET with `signature`, `timestamp`, `nonce` and `echostr`; `ok` when the app answers HTTP
   * 200 with exactly the `echostr`.
   */
  async checkUrl(appId?: string): Promise<SimPushUrlCheck> {
    const settings = this.settingsOf(appId);
    const { target, request, echostr } = urlCheckRequest(settings, this.sim.now());
    let inFlight: ClientRequest | undefined;
    const answer = await sendOutbound(
      new URL(target),
      request,
      { timeoutMs: this.timeoutMs, maxAnswerBytes: NOTIFY_MAX_ANSWER_BYTES },
      (req) => {
        if (inFlight) this.checks.delete(inFlight);
        inFlight = req;
        if (req) this.checks.add(req);
      },
    );
    const body = answer.body.toString('utf8');
    return {
      ok: answer.error === undefined && answer.status === 200 && body === echostr,
      status: answer.status,
      body: body.slice(0, NOTIFY_BODY_KEEP_CHARS),
      echostr,
      ...(answer.error !== undefined ? { error: answer.error } : {}),
    };
  }

  /** Cancels every pending retry and in-flight attempt or URL check (the reports stay, marked done). */
  stop(): void {
    this.deliveries.cancelAll();
    for (const req of this.checks) req.destroy(new Error('cancelled: the simulator stopped or was reset'));
    this.checks.clear();
  }

  /** Cancels everything and forgets the reports; the push configurations stay, as the apps do. */
  reset(): void {
    this.stop();
    this.deliveries.clear();
  }

  /** Forgets the reports of every push (and cancels their retries). */
  clear(): void {
    this.deliveries.clear();
  }

  /** The app's record, where its original id is kept. */
  private app(appId: unknown): SimulatorApp {
    return this.sim.apps.get(this.sim.resolveApp(appId).appId) as SimulatorApp;
  }

  private settingsOf(appId: unknown): SimPushSettings {
    const app = this.sim.resolveApp(appId);
    const settings = this.configs.get(app.appId);
    if (!settings) throw new SimulatorInputError(`app ${app.appId} has no message push configured; configure it first`, 409);
    return settings;
  }

  /** The message's fields with WeChat's defaults: the app's original id, the user, the time. */
  private fields(settings: SimPushSettings, raw: Record<string, unknown>): Record<string, unknown> {
    if (!isPlainObject(raw.message)) throw new SimulatorInputError('message must be an object of the message fields');
    const message = raw.message;
    const openId = optionalId(raw.openId, 'openId');
    if (typeof message.MsgType !== 'string' || message.MsgType === '')
      throw new SimulatorInputError('message.MsgType must be a non-empty string');
    if (message.FromUserName === undefined && openId === undefined)
      throw new SimulatorInputError('message.FromUserName or openId is required');
    const fields = {
      ToUserName: settings.originalId,
      FromUserName: openId,
      CreateTime: Math.floor(this.sim.now() / 1000),
      ...message,
    };
    checkPushFields(fields);
    return structuredClone(fields);
  }

  private deliver(
    settings: SimPushSettings,
    message: Record<string, unknown>,
    kind: SimPushVariant,
    built: PushRequest,
    retry: boolean,
  ): Promise<SimPush> {
    const record: SimPush = {
      id: `p${++this.seq}`,
      appId: settings.appId,
      kind,
      message,
      format: settings.format,
      mode: settings.mode,
      url: settings.url,
      acknowledged: false,
      attempts: [],
      done: false,
      refused: false,
    };
    return this.deliveries.deliver({
      record,
      target: built.target,
      request: () => built.request,
      // WeChat takes HTTP 200 with `success`, or with nothing, as received.
      acknowledges: (status, body) => status === 200 && (body.length === 0 || body.toString('utf8') === 'success'),
      retry,
      label: `push ${record.id}`,
    });
  }
}
