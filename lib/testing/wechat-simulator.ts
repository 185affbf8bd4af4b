import { PayState } from './pay/pay-state';
import { PayV3State } from './pay-v3/pay-v3-state';
import { PushState } from './push/push-state';
import { SubscribeState } from './subscribe/subscribe-state';
import { subscribeRoutes } from './subscribe/subscribe.routes';
import { ShippingState } from './shipping/shipping-state';
import { shippingApiRoutes, shippingControlRoutes } from './shipping/shipping.routes';
import { resolveConfig, resolveListenConfig, resolvePayConfig, resolvePayV3Mode, simulatorLog } from './server/simulator-options';
import { SimulatorRouter } from './server/simulator-router';
import { SimulatorServers } from './server/simulator-server';
import { SimulatorState } from './server/simulator-state';
import type { SimRoute } from './server/simulator-http';
import type {
  SimLoginInput,
  SimLoginResult,
  SimPhoneCodeInput,
  SimUserInfoInput,
  SimUserInfoResult,
} from './mini-program/mini-program.interfaces';
import type { SimPayV3Settings, SimPayV3SettingsInput } from './pay-v3/pay-v3.interfaces';
import type { SimPush, SimPushConfig, SimPushInput, SimPushSettings, SimPushUrlCheck } from './push/push.interfaces';
import type {
  SimSubscribeChangeInput,
  SimSubscribeChangeResult,
  SimSubscribeInput,
  SimSubscribeMessage,
  SimSubscribeResult,
  SimSubscribeTemplate,
  SimSubscription,
} from './subscribe/subscribe.interfaces';
import type {
  SimConfirmReceiveInput,
  SimRemindAccessApiInput,
  SimShippingOrder,
  SimShippingOrderRef,
  SimShippingResult,
  SimShippingSettings,
  SimTradeManagedInput,
} from './shipping/shipping.interfaces';
import type {
  SimNotification,
  SimNotifyInput,
  SimOrder,
  SimPayInput,
  SimPayReport,
  SimPayResult,
  SimRefund,
  SimRefundNotifyInput,
  SimSettleRefundInput,
  SimulatorMerchant,
} from './pay/pay.interfaces';
import type { SimActiveFault, SimCall, SimFault, SimulatorApp, WeChatSimulatorOptions } from './server/simulator.interfaces';

/**
 * A local fake of WeChat's servers for development and end-to-end tests: the mini program APIs of
 * `api.weixin.qq.com` (HTTP) with a control API under `/__sim/` that plays the user, and the WeChat Pay API v2 of
 * `api.mch.weixin.qq.com` on a second server (HTTPS with the development certificates, client certificates checked
 * on the certificate APIs), with the API v3 (`/v3/...`, signed JSON) beside it on the same server and the same orders
 * and refunds. It also plays WeChat's message push (消息推送) to the app's push URL. Notifications and pushes are only ever
 * delivered to loopback addresses.
 * @publicApi
 */
export class WeChatSimulator {
  /** The shared state of every route group. */
  protected readonly state: SimulatorState;
  /** The WeChat Pay side of the state. */
  protected readonly payState: PayState;
  /** The WeChat Pay API v3 side (signing identity, v3 notifications), sharing the orders of {@link payState}. */
  protected readonly payV3: PayV3State;
  /** The message push side: where each app's pushes go, and every delivery. */
  protected readonly pushState: PushState;
  /** The subscribe-message side: each app's templates, each user's consent, and every message delivered. */
  protected readonly subscribeState: SubscribeState;
  /** The order-shipping side: each paid order's shipping state, and the app's settings. */
  protected readonly shippingState: ShippingState;
  /** The route tables and how a request reaches its handler. */
  private readonly router: SimulatorRouter;
  /** The HTTP and HTTPS servers. */
  private readonly servers: SimulatorServers;

  constructor(options: WeChatSimulatorOptions = {}) {
    const listen = resolveListenConfig(options);
    const log = simulatorLog(options.logger);
    const config = resolveConfig(options);
    this.state = new SimulatorState(config);
    const payConfig = resolvePayConfig(options, config.apps);
    this.payState = new PayState(this.state, payConfig, log);
    this.payV3 = new PayV3State(this.payState, resolvePayV3Mode(options));
    this.pushState = new PushState(this.state, payConfig.timeScale, log, options.push);
    this.router = new SimulatorRouter(this.state, this.payState, this.payV3, this.pushState, () => this.servers.payBaseUrl, log);
    this.servers = new SimulatorServers(listen, this.state, this.router, log);
    this.subscribeState = new SubscribeState(this.state, this.pushState, log);
    this.addRoutes(subscribeRoutes(this.subscribeState));
    this.shippingState = new ShippingState(this.state, this.payState, this.pushState, log);
    this.addRoutes([...shippingApiRoutes(this.shippingState), ...shippingControlRoutes(this.shippingState)]);
  }

  /**
   * Listens on both servers and resolves the mini program base URL, e.g. `http://127.0.0.1:43567`; the pay server's
   * is {@link payUrl}.
   */
  async start(): Promise<string> {
    return this.servers.start();
  }

  /**
   * Closes both servers, every open connection (keep-alive ones too), pending fault delays, pending notification and
   * push retries and refund settlements.
   */
  async stop(): Promise<void> {
    const closed = this.servers.close();
    this.payState.stop();
    this.pushState.stop();
    this.subscribeState.stop();
    await closed;
  }

  /** The mini program base URL; throws when the simulator is not started. */
  get url(): string {
    return started(this.servers.baseUrl);
  }

  /** The WeChat Pay base URL, e.g. `https://127.0.0.1:43568`; throws when the simulator is not started. */
  get payUrl(): string {
    return started(this.servers.payBaseUrl);
  }

  /** The configured WeChat Pay merchants (development values). */
  get merchants(): SimulatorMerchant[] {
    return [...this.payState.merchants.values()].map((merchant) => ({ ...merchant }));
  }

  /** Every notification delivery so far (copies), oldest first; twin of `GET /__sim/notifications`. */
  get notifications(): SimNotification[] {
    return this.payState.notifier.list();
  }

  /** Every `/payitil/report` call received (copies), oldest first; twin of `GET /__sim/reports`. */
  get reports(): SimPayReport[] {
    return this.payState.reports.map((report) => ({ ...report, fields: { ...report.fields } }));
  }

  /** A copy of an order of a merchant (the first configured by default), for assertions. */
  order(outTradeNo: string, mchId?: string): SimOrder | undefined {
    return this.payState.orderCopy(outTradeNo, mchId);
  }

  /** A copy of a refund of a merchant (the first configured by default), for assertions. */
  refund(outRefundNo: string, mchId?: string): SimRefund | undefined {
    return this.payState.refundCopy(outRefundNo, mchId);
  }

  /**
   * Plays the user confirming `wx.requestPayment` for a `prepay_id` and resolves after the first attempt to deliver
   * the payment notification (retries follow WeChat's schedule); twin of `POST /__sim/pay`.
   * @throws SimulatorInputError 404 for an unknown prepay_id, 410 when it expired or the order is closed, 409 when paid.
   */
  pay(input: SimPayInput): Promise<SimPayResult> {
    return this.payState.pay(input);
  }

  /** Sends variants of an order's payment notification, once each; twin of `POST /__sim/notify`. */
  notify(input: SimNotifyInput): Promise<SimNotification[]> {
    return this.payState.notify(input);
  }

  /** Sends variants of a settled refund's notification, once each; twin of `POST /__sim/refundNotify`. */
  refundNotify(input: SimRefundNotifyInput): Promise<SimNotification[]> {
    return this.payState.refundNotify(input);
  }

  /** Settles a PROCESSING refund now (SUCCESS, REFUNDCLOSE or CHANGE); twin of `POST /__sim/settleRefund`. */
  settleRefund(input: SimSettleRefundInput): Promise<{ refund: SimRefund; notification?: SimNotification }> {
    return this.payState.settleRefund(input);
  }

  /** The WeChat Pay API v3 signing settings; twin of `GET /__sim/v3`. */
  get payV3Settings(): SimPayV3Settings {
    return this.payV3.settings();
  }

  /**
   * Switches the API v3 signing mode (`public-key` or `certificate`) and/or rotates the platform certificate; twin of
   * `POST /__sim/v3`.
   */
  setPayV3(input: SimPayV3SettingsInput): SimPayV3Settings {
    return this.payV3.configure(input);
  }

  /** Forgets every notification report and cancels pending retries; twin of `DELETE /__sim/notifications`. */
  clearNotifications(): void {
    this.payState.notifier.clear();
  }

  /**
   * Sets where and how WeChat pushes an app's messages (the first app's by default): its push URL (loopback only), Token,
   * EncodingAESKey, format and mode; twin of `POST /__sim/pushConfig`.
   * @throws SimulatorInputError 400 for a URL off loopback or a malformed Token or key.
   */
  configurePush(config: SimPushConfig, appId?: string): SimPushSettings {
    return this.pushState.configure(config, appId);
  }

  /** The push configuration of every app that has one; twin of `GET /__sim/pushConfig`. */
  get pushConfigs(): SimPushSettings[] {
    return this.pushState.settings();
  }

  /**
   * Plays WeChat pushing a message (or a variant of it) to the app, signed, encrypted and formatted as configured, and
   * resolves the delivery reports after the first attempts; genuine pushes are retried as WeChat does until the app
   * answers `success`; twin of `POST /__sim/push`.
   * @throws SimulatorInputError 400 for bad input, 409 when the app has no push configured.
   */
  push(input: SimPushInput): Promise<SimPush[]> {
    return this.pushState.push(input);
  }

  /** Every message push delivery so far (copies), oldest first; twin of `GET /__sim/pushes`. */
  get pushes(): SimPush[] {
    return this.pushState.list();
  }

  /** Forgets every push report and cancels pending retries; twin of `DELETE /__sim/pushes`. */
  clearPushes(): void {
    this.pushState.clear();
  }

  /**
   * Makes WeChat's check of an app's push URL (the first app's by default): a signed GET with an `echostr` the app must
   * echo; twin of `POST /__sim/pushCheck`.
   */
  checkPushUrl(appId?: string): Promise<SimPushUrlCheck> {
    return this.pushState.checkUrl(appId);
  }

  /**
   * Plays the user answering the subscribe pop-up of `wx.requestSubscribeMessage` (accepting every template unless told
   * otherwise; a one-time acceptance allows one message) and resolves after the `subscribe_msg_popup_event` push's first
   * attempt, when the app has a push configured; twin of `POST /__sim/subscribe`.
   * @throws SimulatorInputError 400 for bad input, 404 for an unknown user or template.
   */
  subscribe(input: SimSubscribeInput): Promise<SimSubscribeResult> {
    return this.subscribeState.subscribe(input);
  }

  /**
   * Plays the user turning a template off in the settings (no acceptance left) and pushes `subscribe_msg_change_event`;
   * twin of `POST /__sim/subscribeChange`.
   */
  subscribeChange(input: SimSubscribeChangeInput): Promise<SimSubscribeChangeResult> {
    return this.subscribeState.change(input);
  }

  /** Users' consent per template (one user's with `openId`), across apps; twin of `GET /__sim/subscriptions?openId=`. */
  subscriptions(openId?: string): SimSubscription[] {
    return this.subscribeState.subscriptions(openId);
  }

  /** An app's subscribe-message templates (the first app's by default); twin of `GET /__sim/subscribeTemplates?appId=`. */
  subscribeTemplates(appId?: string): SimSubscribeTemplate[] {
    return this.subscribeState.templatesOf(this.state.resolveApp(appId).appId);
  }

  /** The subscribe messages delivered (to one user with `openId`), oldest first; twin of `GET /__sim/messages?openId=`. */
  messages(openId?: string): SimSubscribeMessage[] {
    return this.subscribeState.messages(openId);
  }

  /** Forgets the delivered subscribe messages; twin of `DELETE /__sim/messages`. */
  clearMessages(): void {
    this.subscribeState.clearMessages();
  }

  /** The simulator's view of a paid order in the shipping service; twin of `GET /__sim/shipping?transactionId=`. */
  shipping(ref: SimShippingOrderRef): SimShippingOrder | undefined {
    return this.shippingState.find(ref);
  }

  /** An app's shipping-service settings (the first app's by default); twin of `GET /__sim/shipping`. */
  shippingSettings(appId?: string): SimShippingSettings {
    return this.shippingState.settingsOf(this.state.resolveApp(appId).appId);
  }

  /**
   * Plays the user confirming receipt of a shipped order (state 2 → 3), which WeChat settles at once (→ 4), pushing
   * `trade_manage_order_settlement`; twin of `POST /__sim/confirmReceive`.
   * @throws SimulatorInputError 404 for an unknown or unpaid order, 409 when it is not shipped.
   */
  confirmReceive(input: SimConfirmReceiveInput): Promise<SimShippingResult> {
    return this.shippingState.confirmReceive(input);
  }

  /** Pushes `trade_manage_remind_shipping` for an order still to ship; twin of `POST /__sim/remindShipping`. */
  remindShipping(input: SimShippingOrderRef): Promise<SimShippingResult> {
    return this.shippingState.remindShipping(input);
  }

  /** Pushes `trade_manage_remind_access_api` to an app; twin of `POST /__sim/remindAccessApi`. */
  remindAccessApi(input: SimRemindAccessApiInput = {}): Promise<SimShippingResult> {
    return this.shippingState.remindAccessApi(input);
  }

  /** Sets what `is_trade_managed` (and the confirmation check) answers; twin of `POST /__sim/tradeManaged`. */
  setTradeManaged(input: SimTradeManagedInput): SimShippingSettings {
    return this.shippingState.setTradeManaged(input);
  }

  /** The configured apps. */
  get apps(): SimulatorApp[] {
    return [...this.state.apps.values()].map((app) => ({ ...app }));
  }

  /** Every WeChat API call received so far (a copy), oldest first. */
  get calls(): SimCall[] {
    return this.state.calls.map((call) => ({ ...call }));
  }

  /** The faults still pending (a copy). */
  get faults(): SimActiveFault[] {
    return this.state.faults.map((fault) => ({ ...fault }));
  }

  /** Plays `wx.login()`; twin of `POST /__sim/login`. */
  login(input: SimLoginInput = {}): SimLoginResult {
    return this.state.login(input);
  }

  /** Plays `wx.getUserInfo()`; twin of `POST /__sim/userInfo`. */
  userInfo(input: SimUserInfoInput): SimUserInfoResult {
    return this.state.userInfo(input);
  }

  /** Plays the phone number button; twin of `POST /__sim/phoneCode`. */
  phoneCode(input: SimPhoneCodeInput): { code: string } {
    return this.state.phoneCode(input);
  }

  /** Injects a fault; twin of `POST /__sim/faults`. */
  addFault(fault: SimFault): SimActiveFault {
    return this.state.addFault(fault);
  }

  /** Removes every fault; twin of `DELETE /__sim/faults`. */
  clearFaults(): void {
    this.state.faults.length = 0;
  }

  /** Empties the calls log; twin of `DELETE /__sim/calls`. */
  clearCalls(): void {
    this.state.calls.length = 0;
  }

  /**
   * Forgets users, codes, tokens, faults, calls, orders, refunds, reports, notifications and pushes, and cancels pending
   * notification and push retries and refund settlements (apps, merchants and push configurations stay); twin of
   * `POST /__sim/reset`.
   */
  reset(): void {
    this.state.reset();
  }

  /** The user's current session key, for assertions. */
  session(openId: string, appId: string = this.state.config.apps[0].appId): { sessionKey: string } | undefined {
    const user = this.state.user(appId, openId);
    return user ? { sessionKey: user.sessionKey } : undefined;
  }

  /** Adds routes to the table; later route groups (WeChat Pay) join here. */
  protected addRoutes(routes: readonly SimRoute[]): void {
    this.router.addRoutes(routes);
  }
}

/** A base URL of the servers, which only exists while they listen. */
function started(url: string | undefined): string {
  if (!url) throw new Error('The WeChat simulator is not started; await start() first');
  return url;
}
