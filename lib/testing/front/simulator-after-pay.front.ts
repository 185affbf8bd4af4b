import type { SimPush, SimPushConfig, SimPushInput, SimPushSettings, SimPushUrlCheck } from '../push/push.interfaces';
import type {
  SimSubscribeChangeInput,
  SimSubscribeChangeResult,
  SimSubscribeInput,
  SimSubscribeMessage,
  SimSubscribeResult,
  SimSubscribeTemplate,
  SimSubscription,
} from '../subscribe/subscribe.interfaces';
import type {
  SimConfirmReceiveInput,
  SimRemindAccessApiInput,
  SimShippingOrder,
  SimShippingOrderRef,
  SimShippingResult,
  SimShippingSettings,
  SimTradeManagedInput,
} from '../shipping/shipping.interfaces';
import { SimulatorPayFront } from './simulator-pay.front';

/**
 * What follows a payment in {@link WeChatSimulator}: message push, subscribe messages and order shipping.
 * @internal
 */
export class SimulatorAfterPayFront extends SimulatorPayFront {
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
}
