import { STATUS_CODES, createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { controlRoutes } from './control/control.routes';
import { SIMULATOR_DEV_CERTIFICATES } from './dev-keys/dev-certificates';
import { SIMULATOR_DEV_V3 } from './dev-keys/dev-v3-keys';
import { miniProgramRoutes } from './mini-program/mini-program.routes';
import { payControlRoutes } from './control/pay-control.routes';
import { PayState } from './pay/pay-state';
import type { PayConfig } from './pay/pay-state';
import { answerPay, fail as payFail, payRoutes } from './pay/pay.routes';
import { PayV3State } from './pay-v3/pay-v3-state';
import { answerPayV3, payV3ControlRoutes } from './pay-v3/pay-v3.routes';
import type { PayRoute } from './pay/pay.routes';
import {
  CONTROL_PREFIX,
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_CODE_TTL_SECONDS,
  DEFAULT_REFUND_DELAY_MS,
  MAX_BODY_BYTES,
  PREPAY_TTL_MS,
  SIMULATOR_DEFAULT_HOST,
  SIMULATOR_DEV_APP,
  SIMULATOR_DEV_MERCHANT,
  WeChatErrcode,
} from './server/simulator.constants';
import {
  SimulatorInputError,
  controlError,
  jsonResponse,
  parseJsonObject,
  readBody,
  wechatError,
  wrongMethod,
} from './server/simulator-http';
import type { SimClientCert, SimRequest, SimResponse, SimRoute, SimRouteHandler } from './server/simulator-http';
import { SimulatorState } from './server/simulator-state';
import type { SimulatorConfig } from './server/simulator-state';
import type {
  SimLoginInput,
  SimLoginResult,
  SimPhoneCodeInput,
  SimUserInfoInput,
  SimUserInfoResult,
} from './mini-program/mini-program.interfaces';
import type { SimPayV3Settings, SimPayV3SettingsInput } from './pay-v3/pay-v3.interfaces';
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

interface PendingDelay {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

/**
 * A local fake of WeChat's servers for development and end-to-end tests: the mini program APIs of
 * `api.weixin.qq.com` (HTTP) with a control API under `/__sim/` that plays the user, and the WeChat Pay API v2 of
 * `api.mch.weixin.qq.com` on a second server (HTTPS with the development certificates, client certificates checked
 * on the certificate APIs), with the API v3 (`/v3/...`, signed JSON) beside it on the same server and the same orders
 * and refunds. Notifications are only ever delivered to loopback addresses.
 * @publicApi
 */
export class WeChatSimulator {
  /** The shared state of every route group. */
  protected readonly state: SimulatorState;
  /** The WeChat Pay side of the state. */
  protected readonly payState: PayState;
  /** The WeChat Pay API v3 side (signing identity, v3 notifications), sharing the orders of {@link payState}. */
  protected readonly payV3: PayV3State;
  private readonly routes = new Map<string, Map<string, SimRouteHandler>>();
  private readonly payRouteTable = new Map<string, PayRoute>();
  private readonly port: number;
  private readonly payPort: number;
  private readonly host: string;
  private readonly logger?: (line: string) => void;
  private server?: Server;
  private payServer?: Server;
  private baseUrl?: string;
  private payBaseUrl?: string;
  private starting?: Promise<string>;
  private readonly delays = new Set<PendingDelay>();

  constructor(options: WeChatSimulatorOptions = {}) {
    this.port = portOption(options.port, 'port');
    this.payPort = portOption(options.payPort, 'payPort');
    const host = options.host ?? SIMULATOR_DEFAULT_HOST;
    if (typeof host !== 'string' || host.length === 0) throw new TypeError('host must be a non-empty string');
    this.host = host;
    this.logger = options.logger;
    const config = resolveConfig(options);
    this.state = new SimulatorState(config);
    this.payState = new PayState(this.state, resolvePayConfig(options, config.apps), (line) => this.log(line));
    const payV3Mode = options.payV3Mode ?? 'public-key';
    if (payV3Mode !== 'public-key' && payV3Mode !== 'certificate') throw new TypeError("payV3Mode must be 'public-key' or 'certificate'");
    this.payV3 = new PayV3State(this.payState, payV3Mode);
    this.addRoutes(miniProgramRoutes(this.state));
    this.addRoutes(controlRoutes(this.state));
    this.addRoutes(payControlRoutes(this.payState, () => this.payBaseUrl));
    this.addRoutes(payV3ControlRoutes(this.payV3));
    for (const route of payRoutes(this.payState)) this.payRouteTable.set(route.path, route);
  }

  /**
   * Listens on both servers and resolves the mini program base URL, e.g. `http://127.0.0.1:43567`; the pay server's
   * is {@link payUrl}.
   */
  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    this.starting ??= this.listenBoth().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /**
   * Closes both servers, every open connection (keep-alive ones too), pending fault delays, pending notification
   * retries and refund settlements.
   */
  async stop(): Promise<void> {
    const servers = [this.server, this.payServer].filter((s): s is Server => s !== undefined);
    this.server = undefined;
    this.payServer = undefined;
    this.baseUrl = undefined;
    this.payBaseUrl = undefined;
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.resolve();
    }
    this.delays.clear();
    this.payState.stop();
    await Promise.all(servers.map((server) => closeServer(server)));
  }

  /** The mini program base URL; throws when the simulator is not started. */
  get url(): string {
    if (!this.baseUrl) throw new Error('The WeChat simulator is not started; await start() first');
    return this.baseUrl;
  }

  /** The WeChat Pay base URL, e.g. `https://127.0.0.1:43568`; throws when the simulator is not started. */
  get payUrl(): string {
    if (!this.payBaseUrl) throw new Error('The WeChat simulator is not started; await start() first');
    return this.payBaseUrl;
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
   * Forgets users, codes, tokens, faults, calls, orders, refunds, reports and notifications, and cancels pending
   * notification retries and refund settlements; twin of `POST /__sim/reset`.
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
    for (const route of routes) {
      let byMethod = this.routes.get(route.path);
      if (!byMethod) this.routes.set(route.path, (byMethod = new Map()));
      if (byMethod.has(route.method)) throw new Error(`Duplicate simulator route ${route.method} ${route.path}`);
      byMethod.set(route.method, route.handler);
    }
  }

  private async listenBoth(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error));
    });
    const payServer = createHttpsServer(
      {
        key: SIMULATOR_DEV_CERTIFICATES.serverKey,
        cert: SIMULATOR_DEV_CERTIFICATES.serverCert,
        // Client certificates of either development CA: the v2 client certificate, or the v3 merchant API certificate
        // (one certificate serves both APIs at WeChat Pay, as apiclient_cert.pem does).
        ca: [SIMULATOR_DEV_CERTIFICATES.ca, SIMULATOR_DEV_V3.certificateAuthority],
        // Ask every client for its certificate but let it in without one: only the certificate APIs need it.
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        this.handlePay(req, res).catch((error: unknown) => this.fail(res, error));
      },
    );
    payServer.on('tlsClientError', (error) => this.log(`pay server TLS error: ${describe(error)}`));
    // WeChat Pay clients keep connections alive without reading Keep-Alive hints: a long idle timeout makes the
    // race between a client reusing a socket and the server closing it rare.
    payServer.keepAliveTimeout = 60_000;
    payServer.headersTimeout = 65_000;
    try {
      await listen(server, this.port, this.host);
      await listen(payServer, this.payPort, this.host);
    } catch (error) {
      await Promise.all([closeServer(server), closeServer(payServer)]);
      throw error;
    }
    server.on('error', (error) => this.log(`server error: ${describe(error)}`));
    payServer.on('error', (error) => this.log(`pay server error: ${describe(error)}`));
    this.server = server;
    this.payServer = payServer;
    const hostPart = this.host.includes(':') ? `[${this.host}]` : this.host;
    this.payBaseUrl = `https://${hostPart}:${(payServer.address() as AddressInfo).port}`;
    this.baseUrl = `http://${hostPart}:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  private async handlePay(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = req.method ?? 'GET';
    const { path } = splitTarget(req.url);
    const read = await readBody(req, MAX_BODY_BYTES);
    if (read.kind === 'aborted') return;
    const call: SimCall = { method, path, at, status: 0 };
    this.state.recordCall(call);
    if (read.kind === 'too-large') {
      const tooLarge = { ...payFail(`request body exceeds ${MAX_BODY_BYTES} bytes`), status: 413, headers: { connection: 'close' } };
      this.answer(res, tooLarge, call);
      return;
    }
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    const commonName = typeof peer?.subject?.CN === 'string' ? peer.subject.CN : undefined;
    const clientCert: SimClientCert = { authorized: socket.authorized === true, ...(commonName !== undefined ? { commonName } : {}) };
    const request: SimRequest = { method, path, query: new URLSearchParams(), headers: req.headers, body: read.body, clientCert };

    const fault = this.state.takeFault(path, 'pay');
    if (fault) {
      call.faultId = fault.id;
      if (fault.delayMs !== undefined && fault.delayMs > 0) {
        await this.delay(fault.delayMs);
        if (res.destroyed || !this.payServer) return;
      }
      if (fault.close) {
        this.logCall(call);
        req.socket.destroy();
        return;
      }
      if (fault.status !== undefined && fault.payErrCode === undefined) {
        this.answer(
          res,
          { status: fault.status, contentType: 'text/plain; charset=utf-8', body: STATUS_CODES[fault.status] ?? 'Simulated fault' },
          call,
        );
        return;
      }
    }
    let response: SimResponse;
    if (path.startsWith('/v3/')) {
      try {
        response = answerPayV3(this.payV3, method, req.url ?? path, req.headers, read.body, this.payBaseUrl ?? '', fault?.payErrCode);
      } catch (error) {
        this.log(`${method} ${path} failed: ${describe(error)}`);
        response = {
          status: 500,
          contentType: 'application/json; charset=utf-8',
          body: JSON.stringify({ code: 'SYSTEM_ERROR', message: '系统错误' }),
        };
      }
      if (fault?.status !== undefined) response.status = fault.status;
      this.answer(res, response, call);
      return;
    }
    try {
      response = await answerPay(this.payState, this.payRouteTable.get(path), request, fault?.payErrCode);
    } catch (error) {
      this.log(`${method} ${path} failed: ${describe(error)}`);
      response = { ...payFail('simulator internal error'), status: 500 };
    }
    if (fault?.status !== undefined) response.status = fault.status;
    this.answer(res, response, call);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = req.method ?? 'GET';
    const { path, query } = splitTarget(req.url);
    const control = path === CONTROL_PREFIX.slice(0, -1) || path.startsWith(CONTROL_PREFIX);

    const read = await readBody(req, MAX_BODY_BYTES);
    if (read.kind === 'aborted') return;
    // Calls are logged on arrival, so a call still held by a delay fault is visible (with status 0) at once.
    const call: SimCall | undefined = control ? undefined : { method, path, at, status: 0 };
    if (call) this.state.recordCall(call);
    if (read.kind === 'too-large') {
      const tooLarge = control
        ? controlError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`)
        : jsonResponse(413, { errcode: -1, errmsg: `request body exceeds ${MAX_BODY_BYTES} bytes` }, { errcode: -1 });
      tooLarge.headers = { connection: 'close' };
      this.answer(res, tooLarge, call ?? `${method} ${path}`);
      return;
    }
    const request: SimRequest = { method, path, query, headers: req.headers, body: read.body };
    if (!call) {
      this.answer(res, await this.dispatchControl(request), `${method} ${path}`);
      return;
    }

    const named = guessAppId(request);
    if (named !== undefined) call.appId = named;
    const fault = this.state.takeFault(path, 'json');
    if (fault) {
      call.faultId = fault.id;
      if (fault.delayMs !== undefined && fault.delayMs > 0) {
        await this.delay(fault.delayMs);
        if (res.destroyed || !this.server) return;
      }
      const faulted = faultResponse(fault);
      if (faulted === 'close') {
        this.logCall(call);
        req.socket.destroy();
        return;
      }
      if (faulted) {
        this.answer(res, faulted, call);
        return;
      }
    }
    this.answer(res, await this.dispatchApi(request), call);
  }

  private async dispatchApi(request: SimRequest): Promise<SimResponse> {
    const byMethod = this.routes.get(request.path);
    if (!byMethod) return wechatError(WeChatErrcode.INVALID_URL, { status: 404 });
    const handler = byMethod.get(request.method);
    if (!handler) return wrongMethod([...byMethod.keys()]);
    try {
      return await handler(request);
    } catch (error) {
      this.log(`${request.method} ${request.path} failed: ${describe(error)}`);
      return jsonResponse(500, { errcode: -1, errmsg: 'simulator internal error' }, { errcode: -1 });
    }
  }

  private async dispatchControl(request: SimRequest): Promise<SimResponse> {
    const byMethod = this.routes.get(request.path);
    if (!byMethod) return controlError(404, `no control route ${request.path}`);
    const handler = byMethod.get(request.method);
    if (!handler) {
      const response = controlError(405, `${request.method} not allowed on ${request.path}`);
      response.headers = { allow: [...byMethod.keys()].join(', ') };
      return response;
    }
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof SimulatorInputError) return controlError(error.status, error.message);
      this.log(`${request.method} ${request.path} failed: ${describe(error)}`);
      return controlError(500, 'simulator internal error');
    }
  }

  /** Sends a response, completing the logged call first so that a client holding its answer finds it there. */
  private answer(res: ServerResponse, response: SimResponse, call: SimCall | string): void {
    if (typeof call === 'string') {
      this.log(`${call} ${response.status}`);
    } else {
      call.status = response.status;
      if (response.appId !== undefined) call.appId = response.appId;
      if (response.errcode !== undefined) call.errcode = response.errcode;
      if (response.mchId !== undefined) call.mchId = response.mchId;
      if (response.returnCode !== undefined) call.returnCode = response.returnCode;
      if (response.errCode !== undefined) call.errCode = response.errCode;
      this.logCall(call);
    }
    if (res.destroyed || res.headersSent) return;
    const body =
      response.status === 204 || response.status === 304
        ? Buffer.alloc(0)
        : Buffer.isBuffer(response.body)
          ? response.body
          : Buffer.from(response.body, 'utf8');
    res.writeHead(response.status, {
      'content-type': response.contentType,
      'content-length': String(body.length),
      ...response.headers,
    });
    res.end(body);
  }

  private logCall(call: SimCall): void {
    const errcode = call.errcode === undefined ? '' : ` errcode=${call.errcode}`;
    const returnCode = call.returnCode === undefined ? '' : ` return_code=${call.returnCode}`;
    const errCode = call.errCode === undefined ? '' : ` err_code=${call.errCode}`;
    const fault = call.faultId === undefined ? '' : ` fault=${call.faultId}`;
    this.log(`${call.method} ${call.path} ${call.status === 0 ? 'closed' : call.status}${errcode}${returnCode}${errCode}${fault}`);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending: PendingDelay = {
        timer: setTimeout(() => {
          this.delays.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.delays.add(pending);
    });
  }

  private fail(res: ServerResponse, error: unknown): void {
    this.log(`request failed: ${describe(error)}`);
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ error: 'simulator internal error' });
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  private log(line: string): void {
    if (!this.logger) return;
    try {
      this.logger(line);
    } catch {
      // A broken logger must not break the simulator.
    }
  }
}

function resolveConfig(options: WeChatSimulatorOptions): SimulatorConfig {
  const apps = options.apps ?? [SIMULATOR_DEV_APP];
  if (!Array.isArray(apps) || apps.length === 0) throw new TypeError('apps must be a non-empty array');
  const seen = new Set<string>();
  for (const app of apps) {
    if (typeof app?.appId !== 'string' || app.appId.length === 0 || typeof app.appSecret !== 'string' || app.appSecret.length === 0) {
      throw new TypeError('every app needs a non-empty appId and appSecret');
    }
    if (seen.has(app.appId)) throw new TypeError(`duplicate appId ${app.appId}`);
    seen.add(app.appId);
  }
  const successErrcode = options.successErrcode ?? 'absent';
  if (successErrcode !== 'absent' && successErrcode !== 'zero') throw new TypeError("successErrcode must be 'absent' or 'zero'");
  return {
    apps: apps.map((app) => ({ appId: app.appId, appSecret: app.appSecret })),
    codeTtlMs: seconds(options.codeTtlSeconds ?? DEFAULT_CODE_TTL_SECONDS, 'codeTtlSeconds') * 1000,
    accessTokenTtlMs: seconds(options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS, 'accessTokenTtlSeconds') * 1000,
    successErrcode: successErrcode === 'zero',
  };
}

function resolvePayConfig(options: WeChatSimulatorOptions, apps: readonly SimulatorApp[]): PayConfig {
  const merchants = options.merchants ?? [{ ...SIMULATOR_DEV_MERCHANT, appId: apps[0].appId }];
  if (!Array.isArray(merchants) || merchants.length === 0) throw new TypeError('merchants must be a non-empty array');
  const seen = new Set<string>();
  for (const merchant of merchants) {
    if (
      typeof merchant?.mchId !== 'string' ||
      !/^[0-9]{1,32}$/.test(merchant.mchId) ||
      typeof merchant.apiKey !== 'string' ||
      merchant.apiKey.length === 0 ||
      typeof merchant.appId !== 'string'
    ) {
      throw new TypeError('every merchant needs an appId, a numeric mchId and a non-empty apiKey');
    }
    if (!apps.some((app) => app.appId === merchant.appId))
      throw new TypeError(`merchant ${merchant.mchId} is bound to unknown app ${merchant.appId}`);
    if (seen.has(merchant.mchId)) throw new TypeError(`duplicate mchId ${merchant.mchId}`);
    seen.add(merchant.mchId);
  }
  const timeScale = options.timeScale ?? 1;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0)
    throw new RangeError('timeScale must be a positive number');
  const refundDelayMs = options.refundDelayMs ?? DEFAULT_REFUND_DELAY_MS;
  if (typeof refundDelayMs !== 'number' || !Number.isFinite(refundDelayMs) || refundDelayMs < 0) {
    throw new RangeError('refundDelayMs must be a non-negative number');
  }
  for (const merchant of merchants) {
    if (merchant.v3 === undefined) continue;
    const { apiV3Key, merchantCertificate } = merchant.v3 ?? {};
    if (typeof apiV3Key !== 'string' || Buffer.byteLength(apiV3Key, 'utf8') !== 32 || typeof merchantCertificate !== 'string') {
      throw new TypeError(`merchant ${merchant.mchId}: v3 needs a 32-byte apiV3Key and a merchantCertificate (PEM)`);
    }
  }
  return {
    merchants: merchants.map((m) => ({
      appId: m.appId,
      mchId: m.mchId,
      apiKey: m.apiKey,
      ...(m.v3 ? { v3: { apiV3Key: m.v3.apiV3Key, merchantCertificate: m.v3.merchantCertificate } } : {}),
    })),
    timeScale,
    refundDelayMs,
    prepayTtlMs: PREPAY_TTL_MS,
  };
}

function portOption(value: number | undefined, name: string): number {
  const port = value ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${name} must be an integer from 0 to 65535`);
  return port;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Closes a server and every connection it holds (keep-alive ones too); resolves at once if it is not listening. */
function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  return closed;
}

function seconds(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}

/** What a fault answers instead of the route: a closed connection, a response, or nothing (a pure delay). */
function faultResponse(fault: SimActiveFault): SimResponse | 'close' | undefined {
  if (fault.close) return 'close';
  if (fault.errcode !== undefined) return wechatError(fault.errcode, { errmsg: fault.errmsg, status: fault.status });
  if (fault.status !== undefined) {
    return { status: fault.status, contentType: 'text/plain; charset=utf-8', body: STATUS_CODES[fault.status] ?? 'Simulated fault' };
  }
  return undefined;
}

/** The app a call names in its query or JSON body, for the calls log. */
function guessAppId(request: SimRequest): string | undefined {
  const fromQuery = request.query.get('appid');
  if (fromQuery) return fromQuery;
  if (request.body.length === 0) return undefined;
  const body = parseJsonObject(request.body);
  return typeof body?.appid === 'string' ? body.appid : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** A request target's path and query. Split by hand: `new URL()` would read a path starting with `//` as a host name. */
function splitTarget(url: string | undefined): { path: string; query: URLSearchParams } {
  const target = url ?? '/';
  const queryAt = target.indexOf('?');
  return {
    path: queryAt < 0 ? target : target.slice(0, queryAt),
    query: new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1)),
  };
}
