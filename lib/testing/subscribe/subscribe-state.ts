import { randomBytes } from 'node:crypto';
import type { PushState } from '../push/push-state';
import type { SimPush } from '../push/push.interfaces';
import { STORE_LIMIT } from '../server/simulator.constants';
import { SimulatorInputError, isPlainObject } from '../server/simulator-http';
import { asInput, requiredId } from '../server/simulator-input';
import type { SimulatorState, WeChatOutcome } from '../server/simulator-state';
import { setBounded } from '../server/simulator-store';
import { composeTemplate, defaultTemplates, hasFixedKeywords, libraryTitle } from './subscribe-library';
import type {
  SimSubscribeAnswer,
  SimSubscribeChangeInput,
  SimSubscribeChangeResult,
  SimSubscribeInput,
  SimSubscribeMessage,
  SimSubscribeResult,
  SimSubscribeTemplate,
  SimSubscription,
} from './subscribe.interfaces';

/** Most templates `wx.requestSubscribeMessage` takes at once (the current page says 5; it said 3 before). */
const MAX_TEMPLATES_ASKED = 5;
/** Most templates an app may add (个人模版数已达上限, 200012). */
const MAX_APP_TEMPLATES = 25;

/** The errcodes of the subscribe-message APIs the simulator answers. @internal */
export const SubscribeErrcode = {
  INVALID_TEMPLATE: 40037,
  INVALID_PAGE: 41030,
  USER_REFUSED: 43101,
  ARGUMENT_INVALID: 47003,
  DELETE_INVALID: 20002,
  TOO_MANY_TEMPLATES: 200012,
  INVALID_TID: 200014,
  INVALID_START: 200016,
  INVALID_LIMIT: 200017,
  IDS_MISSING: 200018,
  INVALID_IDS: 200019,
  INVALID_KIDLIST: 200020,
  INVALID_SCENE_DESC: 200021,
} as const;

interface Consent {
  status: SimSubscribeAnswer;
  left: number;
}

/** A message that passed the API's checks, to deliver. @internal */
export interface SubscribeDelivery {
  openId: string;
  template: SimSubscribeTemplate;
  data: Record<string, string>;
  page?: string;
  miniprogramState: SimSubscribeMessage['miniprogramState'];
  lang: string;
}

/**
 * The subscribe-message side of the simulator (订阅消息): each app's templates (two to start with, then what
 * `addtemplate` adds), each user's consent per template as WeChat counts it (a one-time acceptance allows one message
 * and they add up; a long-term acceptance allows any number until turned off), the messages delivered, and the subscribe
 * events pushed to the app through the push side when it has a push configured.
 * @internal
 */
export class SubscribeState {
  private readonly templates = new Map<string, SimSubscribeTemplate[]>();
  private readonly consents = new Map<string, Consent>();
  private readonly delivered: SimSubscribeMessage[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;

  constructor(
    readonly sim: SimulatorState,
    private readonly push: PushState,
    private readonly log: (line: string) => void,
  ) {
    this.restoreTemplates();
    sim.resetHooks.push(() => this.reset());
  }

  /** An app's added templates (copies). */
  templatesOf(appId: string): SimSubscribeTemplate[] {
    return (this.templates.get(appId) ?? []).map((template) => ({ ...template, kidList: [...template.kidList] }));
  }

  /** One of an app's templates, if it has it. */
  template(appId: string, templateId: string): SimSubscribeTemplate | undefined {
    return this.templates.get(appId)?.find((template) => template.templateId === templateId);
  }

  /** Adds a template of a public title with the chosen keywords, as `addtemplate` does: the errcode says why not. */
  addTemplate(appId: string, tid: number, kidList: number[], sceneDesc: string | undefined): WeChatOutcome<SimSubscribeTemplate> {
    const title = libraryTitle(tid);
    if (!title) return { ok: false, errcode: SubscribeErrcode.INVALID_TID };
    const known = new Set(title.keywords.map((keyword) => keyword.kid));
    const kidsFit = hasFixedKeywords(tid)
      ? kidList.length === 0
      : kidList.length >= 2 && kidList.length <= 5 && new Set(kidList).size === kidList.length && kidList.every((kid) => known.has(kid));
    if (!kidsFit) return { ok: false, errcode: SubscribeErrcode.INVALID_KIDLIST };
    const list = this.templates.get(appId) ?? [];
    if (list.length >= MAX_APP_TEMPLATES) return { ok: false, errcode: SubscribeErrcode.TOO_MANY_TEMPLATES };
    const template = composeTemplate(appId, randomBytes(32).toString('base64url').slice(0, 43), title, kidList, sceneDesc);
    list.push(template);
    this.templates.set(appId, list);
    return { ok: true, value: { ...template } };
  }

  /** Removes one of an app's templates; `false` when it has none of that id. */
  deleteTemplate(appId: string, templateId: string): boolean {
    const list = this.templates.get(appId) ?? [];
    const index = list.findIndex((template) => template.templateId === templateId);
    if (index >= 0) list.splice(index, 1);
    return index >= 0;
  }

  /**
   * Plays the subscribe pop-up: checks the request as `wx.requestSubscribeMessage` does, records each answer, and pushes
   * `subscribe_msg_popup_event` to the app (resolving after its first attempt) when the app has a push configured.
   * @throws SimulatorInputError 400 for bad input, 404 for an unknown user or template.
   */
  async subscribe(input: SimSubscribeInput): Promise<SimSubscribeResult> {
    const raw = asInput(input);
    const appId = this.sim.resolveApp(raw.appId).appId;
    const openId = this.knownUser(appId, raw.openId);
    if (!Array.isArray(raw.templateIds) || raw.templateIds.length === 0)
      throw new SimulatorInputError('templateIds must be a non-empty array');
    const ids = [...new Set(raw.templateIds.map((id) => requiredId(id, 'templateIds[]')))];
    if (ids.length > MAX_TEMPLATES_ASKED)
      throw new SimulatorInputError(`at most ${MAX_TEMPLATES_ASKED} templates can be asked for at once`);
    const asked = ids.map((id) => this.knownTemplate(appId, id));
    if (new Set(asked.map((template) => template.kind)).size > 1) {
      throw new SimulatorInputError('one-time and long-term templates cannot be asked for together');
    }
    const answers = answersOf(raw.accept, ids);
    const list = asked.map((template) => {
      const consent = this.consentOf(appId, openId, template.templateId);
      consent.status = answers[template.templateId];
      if (consent.status === 'accept' && template.kind === 'one-time') consent.left += 1;
      return { TemplateId: template.templateId, SubscribeStatusString: consent.status, PopupScene: 0 };
    });
    const pushes = await this.pushEvent(appId, openId, 'subscribe_msg_popup_event', 'SubscribeMsgPopupEvent', list);
    return { answers, subscriptions: asked.map((template) => this.view(appId, openId, template)), pushes };
  }

  /**
   * Plays the user turning a template off in the settings: no acceptance left, and `subscribe_msg_change_event` pushed.
   * @throws SimulatorInputError 400 for bad input, 404 for an unknown user or template.
   */
  async change(input: SimSubscribeChangeInput): Promise<SimSubscribeChangeResult> {
    const raw = asInput(input);
    const appId = this.sim.resolveApp(raw.appId).appId;
    const openId = this.knownUser(appId, raw.openId);
    const template = this.knownTemplate(appId, requiredId(raw.templateId, 'templateId'));
    Object.assign(this.consentOf(appId, openId, template.templateId), { status: 'reject', left: 0 });
    const item = { TemplateId: template.templateId, SubscribeStatusString: 'reject' };
    const pushes = await this.pushEvent(appId, openId, 'subscribe_msg_change_event', 'SubscribeMsgChangeEvent', [item]);
    return { subscription: this.view(appId, openId, template), pushes };
  }

  /**
   * Delivers a checked message when the user has an acceptance of its template (one used up for a one-time template),
   * and pushes `subscribe_msg_sent_event` to the app soon after; else 43101.
   */
  deliver(appId: string, delivery: SubscribeDelivery): WeChatOutcome<SimSubscribeMessage> {
    const { openId, template } = delivery;
    const consent = this.consents.get(consentKey(appId, openId, template.templateId));
    if (template.kind === 'one-time' ? !consent || consent.left < 1 : consent?.status !== 'accept') {
      return { ok: false, errcode: SubscribeErrcode.USER_REFUSED };
    }
    if (template.kind === 'one-time') (consent as Consent).left -= 1;
    const text = template.content.replace(/\{\{([A-Za-z0-9_]+)\.DATA\}\}/g, (_, key: string) => delivery.data[key] ?? '');
    const message: SimSubscribeMessage = {
      // WeChat's msgids have 19 digits; this one is the clock and a counter.
      msgId: (BigInt(this.sim.now()) * 1_000_000n + BigInt(++this.seq % 1_000_000)).toString(),
      appId,
      openId,
      templateId: template.templateId,
      title: template.title,
      data: { ...delivery.data },
      text,
      ...(delivery.page !== undefined ? { page: delivery.page } : {}),
      miniprogramState: delivery.miniprogramState,
      lang: delivery.lang,
      at: this.sim.now(),
    };
    this.delivered.push(message);
    if (this.delivered.length > STORE_LIMIT) this.delivered.splice(0, this.delivered.length - STORE_LIMIT);
    const item = { TemplateId: template.templateId, MsgID: message.msgId, ErrorCode: 0, ErrorStatus: 'success' };
    this.later(() => this.pushEvent(appId, openId, 'subscribe_msg_sent_event', 'SubscribeMsgSentEvent', [item]));
    return { ok: true, value: { ...message } };
  }

  /** The consent of users (one user when `openId` is given) to the templates they were asked about, in the app or every app. */
  subscriptions(openId?: string, appId?: string): SimSubscription[] {
    return [...this.consents.keys()].flatMap((key) => {
      const [app, user, templateId] = key.split('\n');
      const template = this.template(app, templateId);
      const wanted = (openId === undefined || user === openId) && (appId === undefined || app === appId);
      return wanted && template ? [this.view(app, user, template)] : [];
    });
  }

  /** The messages delivered (to one user when `openId` is given), oldest first (copies). */
  messages(openId?: string): SimSubscribeMessage[] {
    return this.delivered.filter((message) => openId === undefined || message.openId === openId).map((message) => ({ ...message }));
  }

  /** Forgets the delivered messages. */
  clearMessages(): void {
    this.delivered.length = 0;
  }

  /** Cancels the sent events not pushed yet. */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Forgets consents and messages and gives every app its starting templates back. */
  reset(): void {
    this.stop();
    this.consents.clear();
    this.delivered.length = 0;
    this.restoreTemplates();
  }

  private restoreTemplates(): void {
    this.templates.clear();
    for (const appId of this.sim.apps.keys()) this.templates.set(appId, defaultTemplates(appId));
  }

  private knownUser(appId: string, openId: unknown): string {
    const id = requiredId(openId, 'openId');
    if (!this.sim.user(appId, id)) throw new SimulatorInputError(`unknown user ${id} in app ${appId}; log in first`, 404);
    return id;
  }

  private knownTemplate(appId: string, templateId: string): SimSubscribeTemplate {
    const template = this.template(appId, templateId);
    // wx.requestSubscribeMessage fails with errCode 20001 for a template the app does not have.
    if (!template) throw new SimulatorInputError(`app ${appId} has no template ${templateId}`, 404);
    return template;
  }

  private consentOf(appId: string, openId: string, templateId: string): Consent {
    const key = consentKey(appId, openId, templateId);
    let consent = this.consents.get(key);
    if (!consent) setBounded(this.consents, key, (consent = { status: 'reject', left: 0 }));
    return consent;
  }

  private view(appId: string, openId: string, template: SimSubscribeTemplate): SimSubscription {
    const consent = this.consents.get(consentKey(appId, openId, template.templateId)) ?? { status: 'reject', left: 0 };
    return { appId, openId, templateId: template.templateId, kind: template.kind, status: consent.status, acceptancesLeft: consent.left };
  }

  /**
   * Pushes a subscribe event as WeChat writes it: in JSON a top-level `List`, the object itself when there is one item,
   * numbers quoted; in XML the list inside an element named after the event, one `<List>` per item. Nothing when the app
   * has no push configured.
   */
  private async pushEvent(
    appId: string,
    openId: string,
    event: string,
    wrapper: string,
    items: Array<Record<string, string | number>>,
  ): Promise<SimPush[]> {
    const settings = this.push.settings().find((config) => config.appId === appId);
    if (!settings) return [];
    const json = items.map((item) => Object.fromEntries(Object.entries(item).map(([name, value]) => [name, String(value)])));
    const message =
      settings.format === 'xml'
        ? { MsgType: 'event', Event: event, [wrapper]: { List: items } }
        : { MsgType: 'event', Event: event, List: json.length === 1 ? json[0] : json };
    return this.push.push({ appId, openId, message });
  }

  /** Runs a push after the current answer has gone out, as WeChat reports a delivery after the call. */
  private later(push: () => Promise<unknown>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      push().catch((error: Error) => this.log(`subscribe event push failed: ${error.message}`));
    }, 10);
    this.timers.add(timer);
  }
}

function consentKey(appId: string, openId: string, templateId: string): string {
  return `${appId}\n${openId}\n${templateId}`;
}

/** The answer per template: `accept` unless `accept` is `false` or says `false` for it. */
function answersOf(accept: unknown, ids: string[]): Record<string, SimSubscribeAnswer> {
  if (accept !== undefined && typeof accept !== 'boolean' && !isPlainObject(accept)) {
    throw new SimulatorInputError('accept must be a boolean or an object of booleans by template id');
  }
  if (isPlainObject(accept)) {
    const stray = Object.keys(accept).filter((id) => !ids.includes(id));
    if (stray.length > 0) throw new SimulatorInputError(`accept names templates not asked for: ${stray.join(', ')}`);
    if (!Object.values(accept).every((value) => typeof value === 'boolean'))
      throw new SimulatorInputError('accept values must be booleans');
  }
  const says = (id: string) => (isPlainObject(accept) ? accept[id] !== false : accept !== false);
  return Object.fromEntries(ids.map((id) => [id, says(id) ? 'accept' : 'reject']));
}
