import { PayState } from '../pay/pay-state';
import { PayV3State } from '../pay-v3/pay-v3-state';
import { PushState } from '../push/push-state';
import { SubscribeState } from '../subscribe/subscribe-state';
import { subscribeRoutes } from '../subscribe/subscribe.routes';
import { ShippingState } from '../shipping/shipping-state';
import { shippingApiRoutes, shippingControlRoutes } from '../shipping/shipping.routes';
import { CustomerServiceState } from '../customer-service/customer-service-state';
import { customerServiceRoutes } from '../customer-service/customer-service.routes';
import { LinksState } from '../links/links-state';
import { linksRoutes } from '../links/links.routes';
import { SecurityState } from '../security/security-state';
import { securityRoutes } from '../security/security.routes';
import { transferControlRoutes } from '../transfers/transfer.routes';
import { profitSharingControlRoutes } from '../profit-sharing/profit-sharing.routes';
import { resolveConfig, resolveListenConfig, resolvePayConfig, resolvePayV3Mode, simulatorLog } from '../server/simulator-options';
import { SimulatorRouter } from '../server/simulator-router';
import { SimulatorServers } from '../server/simulator-server';
import { SimulatorState } from '../server/simulator-state';
import type { SimRoute } from '../server/simulator-http';
import type {
  SimLoginInput,
  SimLoginResult,
  SimPhoneCodeInput,
  SimUserInfoInput,
  SimUserInfoResult,
} from '../mini-program/mini-program.interfaces';
import type { SimActiveFault, SimCall, SimFault, SimulatorApp, WeChatSimulatorOptions } from '../server/simulator.interfaces';

/**
 * The simulator's parts and servers, and the calls that concern it as a whole or the mini program's login: the base of
 * {@link WeChatSimulator}, whose other calls are added part by part (pay, after the payment, content).
 * @internal
 */
export class SimulatorCore {
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
  /** The customer-service side: each user's session, what the apps sent, the temporary images. */
  protected readonly customerServiceState: CustomerServiceState;
  /** The entry-link side: the apps' pages, the codes drawn and the links generated, with their visits. */
  protected readonly linksState: LinksState;
  /** The content-security side: the scripted verdicts, every check, the media verdicts still to push. */
  protected readonly securityState: SecurityState;
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
    this.customerServiceState = new CustomerServiceState(this.state, this.pushState, () => this.servers.baseUrl);
    this.addRoutes(customerServiceRoutes(this.customerServiceState));
    this.securityState = new SecurityState(this.state, this.pushState, payConfig.timeScale, log);
    this.addRoutes(securityRoutes(this.securityState));
    this.linksState = new LinksState(this.state);
    this.addRoutes(linksRoutes(this.linksState));
    this.addRoutes(transferControlRoutes(this.payV3.transfers));
    this.addRoutes(profitSharingControlRoutes(this.payV3.profitSharing));
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
    this.securityState.stop();
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
