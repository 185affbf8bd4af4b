import { STATUS_CODES, createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { controlRoutes } from './control.routes';
import { miniProgramRoutes } from './mini-program.routes';
import {
  CONTROL_PREFIX,
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_CODE_TTL_SECONDS,
  MAX_BODY_BYTES,
  SIMULATOR_DEFAULT_HOST,
  SIMULATOR_DEV_APP,
  WeChatErrcode,
} from './simulator.constants';
import { SimulatorInputError, controlError, jsonResponse, parseJsonObject, readBody, wechatError, wrongMethod } from './simulator-http';
import type { SimRequest, SimResponse, SimRoute, SimRouteHandler } from './simulator-http';
import { SimulatorState } from './simulator-state';
import type { SimulatorConfig } from './simulator-state';
import type {
  SimActiveFault,
  SimCall,
  SimFault,
  SimLoginInput,
  SimLoginResult,
  SimPhoneCodeInput,
  SimUserInfoInput,
  SimUserInfoResult,
  SimulatorApp,
  WeChatSimulatorOptions,
} from './simulator.interfaces';

interface PendingDelay {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

/**
 * A local fake of WeChat's servers (`api.weixin.qq.com`) with a control API under `/__sim/` that plays the mini
 * program user, for development and end-to-end tests.
 * @publicApi
 */
export class WeChatSimulator {
  /** The shared state of every route group. */
  protected readonly state: SimulatorState;
  private readonly routes = new Map<string, Map<string, SimRouteHandler>>();
  private readonly port: number;
  private readonly host: string;
  private readonly logger?: (line: string) => void;
  private server?: Server;
  private baseUrl?: string;
  private readonly delays = new Set<PendingDelay>();

  constructor(options: WeChatSimulatorOptions = {}) {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError('port must be an integer from 0 to 65535');
    const host = options.host ?? SIMULATOR_DEFAULT_HOST;
    if (typeof host !== 'string' || host.length === 0) throw new TypeError('host must be a non-empty string');
    this.port = port;
    this.host = host;
    this.logger = options.logger;
    this.state = new SimulatorState(resolveConfig(options));
    this.addRoutes(miniProgramRoutes(this.state));
    this.addRoutes(controlRoutes(this.state));
  }

  /** Listens and resolves the base URL, e.g. `http://127.0.0.1:43567`. */
  async start(): Promise<string> {
    if (this.baseUrl) return this.baseUrl;
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.fail(res, error));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.log(`server error: ${describe(error)}`));
    this.server = server;
    const { port } = server.address() as AddressInfo;
    this.baseUrl = `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}`;
    return this.baseUrl;
  }

  /** Closes the server, every open connection (keep-alive ones too) and pending fault delays. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.baseUrl = undefined;
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.resolve();
    }
    this.delays.clear();
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** The base URL; throws when the simulator is not started. */
  get url(): string {
    if (!this.baseUrl) throw new Error('The WeChat simulator is not started; await start() first');
    return this.baseUrl;
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

  /** Forgets users, codes, tokens, faults and calls; twin of `POST /__sim/reset`. */
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

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now();
    const method = req.method ?? 'GET';
    // Split by hand: `new URL()` would read a path starting with `//` as a host name.
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt < 0 ? target : target.slice(0, queryAt);
    const query = new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1));
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
    const fault = this.state.takeFault(path);
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
      this.logCall(call);
    }
    if (res.destroyed || res.headersSent) return;
    const body = response.status === 204 || response.status === 304 ? Buffer.alloc(0) : Buffer.from(response.body, 'utf8');
    res.writeHead(response.status, {
      'content-type': response.contentType,
      'content-length': String(body.length),
      ...response.headers,
    });
    res.end(body);
  }

  private logCall(call: SimCall): void {
    const errcode = call.errcode === undefined ? '' : ` errcode=${call.errcode}`;
    const fault = call.faultId === undefined ? '' : ` fault=${call.faultId}`;
    this.log(`${call.method} ${call.path} ${call.status === 0 ? 'closed' : call.status}${errcode}${fault}`);
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
