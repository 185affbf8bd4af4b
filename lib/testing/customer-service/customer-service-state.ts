import type { PushState } from '../push/push-state';
import type { SimPush } from '../push/push.interfaces';
import { STORE_LIMIT } from '../server/simulator.constants';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput, requiredId } from '../server/simulator-input';
import type { SimulatorState, WeChatOutcome } from '../server/simulator-state';
import { setBounded } from '../server/simulator-store';
import { DEFAULT_USER_IMAGE, MAX_IMAGE_BYTES, SimMediaStore, imageKindOf } from './customer-service-media';
import type {
  SimCustomerMessageInput,
  SimCustomerMessageResult,
  SimCustomerServiceMessage,
  SimCustomerSession,
} from './customer-service.interfaces';

/** What a user's action allows: WeChat's 下发条件说明 (5 messages within 48 hours; 2 within a minute of entering). */
const AFTER_MESSAGE = { count: 5, ms: 48 * 60 * 60 * 1000 };
const AFTER_ENTERING = { count: 2, ms: 60 * 1000 };
/** The typing state needs a message either way in the last 30 seconds, and shows for 15. */
const INTERACTION_MS = 30 * 1000;
const TYPING_MS = 15 * 1000;

/** The errcodes of customer service the simulator answers. @internal */
export const CustomerServiceErrcode = {
  INVALID_MEDIA_TYPE: 40004,
  INVALID_FILE_TYPE: 40005,
  INVALID_MEDIA_ID: 40007,
  INVALID_MESSAGE_TYPE: 40008,
  INVALID_IMAGE_SIZE: 40009,
  MEDIA_DATA_MISSING: 41005,
  MEDIA_ID_MISSING: 41006,
  EMPTY_POST_DATA: 44002,
  EMPTY_CONTENT: 44004,
  WINDOW_CLOSED: 45015,
  QUOTA_USED: 45047,
  INVALID_COMMAND: 45072,
  NO_RECENT_INTERACTION: 45080,
  ALREADY_TYPING: 45081,
} as const;

interface Session {
  until: number;
  left: number;
  lastMessageAt: number;
  typingUntil: number;
}

/** A message the send API checked, to deliver: its type and its object under WeChat's field names. @internal */
export type CustomerServiceDelivery = Pick<SimCustomerServiceMessage, 'msgType' | 'text' | 'image' | 'link' | 'miniprogrampage'>;

/**
 * The customer-service side of the simulator (客服消息): each user's session with each app (the window a user's message
 * or entry opens, the messages left, the typing state), what the apps sent, the temporary images uploaded or sent by
 * users, and the user's messages pushed to the app through the push side when it has a push configured.
 * @internal
 */
export class CustomerServiceState {
  readonly media: SimMediaStore;
  private readonly sessions = new Map<string, Session>();
  private readonly sent: SimCustomerServiceMessage[] = [];
  private seq = 0;
  private msgSeq = 0;

  constructor(
    readonly sim: SimulatorState,
    private readonly push: PushState,
    /** The mini program server's base URL once started, for the image links of users' messages. */
    private readonly baseUrl: () => string | undefined,
  ) {
    this.media = new SimMediaStore(() => sim.now());
    sim.resetHooks.push(() => this.reset());
  }

  /**
   * Plays the user writing to customer service (or entering its session): opens or extends the window, and pushes the
   * message to the app (resolving after the push's first attempt) when the app has a push configured.
   * @throws SimulatorInputError 400 for bad input, 404 for an unknown user.
   */
  async userMessage(input: SimCustomerMessageInput): Promise<SimCustomerMessageResult> {
    const raw = asInput(input);
    const appId = this.sim.resolveApp(raw.appId).appId;
    const openId = requiredId(raw.openId, 'openId');
    if (!this.sim.user(appId, openId)) throw new SimulatorInputError(`unknown user ${openId} in app ${appId}; log in first`, 404);
    const message = raw.event !== undefined ? this.entered(raw) : this.written(appId, raw);
    const session = this.sessionOf(appId, openId);
    const grant = raw.event !== undefined ? AFTER_ENTERING : AFTER_MESSAGE;
    const now = this.sim.now();
    session.left = Math.max(now < session.until ? session.left : 0, grant.count);
    session.until = Math.max(session.until, now + grant.ms);
    if (raw.event === undefined) session.lastMessageAt = now;
    const pushes: SimPush[] = this.push.settings().some((config) => config.appId === appId)
      ? await this.push.push({ appId, openId, message })
      : [];
    return { message, session: this.session(openId, appId), pushes };
  }

  /** Delivers a checked message when the user's window is open and a message is left (one is used); else 45015, 45047. */
  deliver(appId: string, openId: string, delivery: CustomerServiceDelivery): WeChatOutcome<SimCustomerServiceMessage> {
    const session = this.sessionOf(appId, openId);
    const refused = this.refusal(session);
    if (refused !== undefined) return { ok: false, errcode: refused };
    session.left -= 1;
    session.lastMessageAt = this.sim.now();
    // A message ends the typing state.
    session.typingUntil = 0;
    return { ok: true, value: this.record(appId, openId, delivery) };
  }

  /** Shows or takes away the typing state, as `custom/typing` does: 45015, 45080 and 45081 say why not. */
  typing(appId: string, openId: string, command: 'Typing' | 'CancelTyping'): WeChatOutcome<SimCustomerServiceMessage> {
    const session = this.sessionOf(appId, openId);
    const now = this.sim.now();
    const refused = this.refusal(session, true);
    if (refused !== undefined) return { ok: false, errcode: refused };
    if (now - session.lastMessageAt > INTERACTION_MS) return { ok: false, errcode: CustomerServiceErrcode.NO_RECENT_INTERACTION };
    if (command === 'Typing' && now < session.typingUntil) return { ok: false, errcode: CustomerServiceErrcode.ALREADY_TYPING };
    session.typingUntil = command === 'Typing' ? now + TYPING_MS : 0;
    return { ok: true, value: this.record(appId, openId, { msgType: 'typing' }, command) };
  }

  /** The session of a user with an app (the first app by default). */
  session(openId: string, appId?: string): SimCustomerSession {
    const app = this.sim.resolveApp(appId).appId;
    const id = requiredId(openId, 'openId');
    const session = this.sessions.get(sessionKey(app, id)) ?? { until: 0, left: 0, lastMessageAt: 0, typingUntil: 0 };
    const now = this.sim.now();
    const open = now < session.until;
    return {
      appId: app,
      openId: id,
      open,
      windowEndsAt: session.until,
      messagesLeft: open ? session.left : 0,
      lastMessageAt: session.lastMessageAt,
      typing: now < session.typingUntil,
    };
  }

  /** What the apps sent (to one user when `openId` is given), oldest first (copies). */
  messages(openId?: string): SimCustomerServiceMessage[] {
    return this.sent.filter((message) => openId === undefined || message.openId === openId).map((message) => structuredClone(message));
  }

  /** Forgets what the apps sent. */
  clearMessages(): void {
    this.sent.length = 0;
  }

  /** Forgets sessions, messages and media. */
  reset(): void {
    this.sessions.clear();
    this.sent.length = 0;
    this.media.clear();
  }

  /** Why nothing may be sent now, if so: the window closed (45015), or no message left (45047; not for typing). */
  private refusal(session: Session, typing = false): number | undefined {
    if (this.sim.now() >= session.until) return CustomerServiceErrcode.WINDOW_CLOSED;
    return !typing && session.left <= 0 ? CustomerServiceErrcode.QUOTA_USED : undefined;
  }

  /** Records what the app sent (bounded), and gives a copy. */
  private record(
    appId: string,
    openId: string,
    delivery: CustomerServiceDelivery,
    command?: 'Typing' | 'CancelTyping',
  ): SimCustomerServiceMessage {
    const message: SimCustomerServiceMessage = {
      id: `c${++this.seq}`,
      appId,
      openId,
      ...structuredClone(delivery),
      ...(command !== undefined ? { command } : {}),
      at: this.sim.now(),
    };
    this.sent.push(message);
    if (this.sent.length > STORE_LIMIT) this.sent.splice(0, this.sent.length - STORE_LIMIT);
    return structuredClone(message);
  }

  private sessionOf(appId: string, openId: string): Session {
    const key = sessionKey(appId, openId);
    let session = this.sessions.get(key);
    if (!session) setBounded(this.sessions, key, (session = { until: 0, left: 0, lastMessageAt: 0, typingUntil: 0 }));
    return session;
  }

  /** `user_enter_tempsession`, with the button's `session-from`. */
  private entered(raw: Record<string, unknown>): Record<string, unknown> {
    if (raw.event !== 'enter') throw new SimulatorInputError("event must be 'enter'");
    if (raw.msgType !== undefined) throw new SimulatorInputError('give msgType or event, not both');
    if (raw.sessionFrom !== undefined && typeof raw.sessionFrom !== 'string') throw new SimulatorInputError('sessionFrom must be a string');
    return { MsgType: 'event', Event: 'user_enter_tempsession', SessionFrom: raw.sessionFrom ?? '' };
  }

  /** A message as WeChat pushes it, with a `MsgId` (within 2^53, so that it stays a bare number in JSON and XML). */
  private written(appId: string, raw: Record<string, unknown>): Record<string, unknown> {
    const MsgId = this.sim.now() * 1000 + (++this.msgSeq % 1000);
    switch (raw.msgType) {
      case 'text':
        if (typeof raw.content !== 'string' || raw.content === '') throw new SimulatorInputError('content must be a non-empty string');
        return { MsgType: 'text', Content: raw.content, MsgId };
      case 'image': {
        const image = this.userImage(appId, raw.image);
        return { MsgType: 'image', PicUrl: this.mediaUrl(image), MediaId: image, MsgId };
      }
      case 'miniprogrampage': {
        for (const field of ['title', 'pagePath'] as const) {
          if (raw[field] !== undefined && (typeof raw[field] !== 'string' || raw[field] === '')) {
            throw new SimulatorInputError(`${field} must be a non-empty string`);
          }
        }
        const thumb = this.userImage(appId, undefined);
        const card = { Title: raw.title ?? '小程序卡片', AppId: appId, PagePath: raw.pagePath ?? 'pages/index/index' };
        return { MsgType: 'miniprogrampage', MsgId, ...card, ThumbUrl: this.mediaUrl(thumb), ThumbMediaId: thumb };
      }
      default:
        throw new SimulatorInputError("msgType must be 'text', 'image' or 'miniprogrampage' (or give event: 'enter')");
    }
  }

  /** Keeps the image a user sends (base64 of a PNG, JPEG or GIF; a 1×1 PNG by default) and gives its media id. */
  private userImage(appId: string, base64: unknown): string {
    if (base64 !== undefined && (typeof base64 !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64))) {
      throw new SimulatorInputError('image must be the base64 of a PNG, JPEG or GIF');
    }
    const bytes = base64 === undefined ? DEFAULT_USER_IMAGE : Buffer.from(base64, 'base64');
    const kind = imageKindOf(bytes);
    if (!kind || bytes.length > MAX_IMAGE_BYTES) throw new SimulatorInputError('image must be a PNG, JPEG or GIF of at most 2 MB');
    return this.media.add(appId, kind, bytes, `image.${kind.extensions[0]}`, 'user').mediaId;
  }

  /** Where the simulator serves a media file without an access token, as WeChat's CDN serves `PicUrl`. */
  private mediaUrl(mediaId: string): string {
    return `${this.baseUrl() ?? ''}/__sim/media?mediaId=${encodeURIComponent(mediaId)}`;
  }
}

function sessionKey(appId: string, openId: string): string {
  return `${appId}\n${openId}`;
}
