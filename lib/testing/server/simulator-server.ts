import { STATUS_CODES, createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { SIMULATOR_DEV_CERTIFICATES } from '../dev-keys/dev-certificates';
import { SIMULATOR_DEV_V3 } from '../dev-keys/dev-v3-keys';
import { fail as payFail } from '../pay/pay.routes';
import { CONTROL_PREFIX, MAX_BODY_BYTES } from './simulator.constants';
import { controlError, jsonResponse, parseJsonObject, readBody, wechatError } from './simulator-http';
import type { SimClientCert, SimRequest, SimResponse } from './simulator-http';
import type { SimulatorListenConfig } from './simulator-options';
import { describeError } from './simulator-router';
import type { SimulatorRouter } from './simulator-router';
import type { SimulatorState } from './simulator-state';
import type { SimActiveFault, SimCall } from './simulator.interfaces';

interface PendingDelay {
  timer: NodeJS.Timeout;
  resolve: () => void;
}

/**
 * The simulator's two servers: the mini program APIs and the control API over HTTP, WeChat Pay over HTTPS with the
 * development certificates (client certificates asked for, checked by the certificate APIs). Each request is read,
 * logged in the calls log on arrival (control calls excepted), shaped by the first matching fault, handed to the
 * {@link SimulatorRouter} and answered.
 * @internal
 */
export class SimulatorServers {
  private server?: Server;
  private payServer?: Server;
  private apiUrl?: string;
  private payApiUrl?: string;
  private starting?: Promise<string>;
  private readonly delays = new Set<PendingDelay>();

  constructor(
    private readonly listenConfig: SimulatorListenConfig,
    private readonly state: SimulatorState,
    private readonly router: SimulatorRouter,
    private readonly log: (line: string) => void,
  ) {}

  /** The mini program base URL while listening. */
  get baseUrl(): string | undefined {
    return this.apiUrl;
  }

  /** The WeChat Pay base URL while listening. */
  get payBaseUrl(): string | undefined {
    return this.payApiUrl;
  }

  /** Listens on both servers (once, however many callers wait) and resolves the mini program base URL. */
  async start(): Promise<string> {
    if (this.apiUrl) return this.apiUrl;
    this.starting ??= this.listenBoth().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /**
   * Forgets both servers and releases the calls held by delay faults at once (they see the servers gone and answer
   * nothing), then closes the servers and every connection.
   */
  async close(): Promise<void> {
    const servers = [this.server, this.payServer].filter((s): s is Server => s !== undefined);
    this.server = undefined;
    this.payServer = undefined;
    this.apiUrl = undefined;
    this.payApiUrl = undefined;
    for (const delay of this.delays) {
      clearTimeout(delay.timer);
      delay.resolve();
    }
    this.delays.clear();
    await Promise.all(servers.map((server) => closeServer(server)));
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
    payServer.on('tlsClientError', (error) => this.log(`pay server TLS error: ${describeError(error)}`));
    // WeChat Pay clients keep connections alive without reading Keep-Alive hints: a long idle timeout makes the
    // race between a client reusing a socket and the server closing it rare.
    payServer.keepAliveTimeout = 60_000;
    payServer.headersTimeout = 65_000;
    const { port, payPort, host } = this.listenConfig;
    try {
      await listen(server, port, host);
      await listen(payServer, payPort, host);
    } catch (error) {
      await Promise.all([closeServer(server), closeServer(payServer)]);
      throw error;
    }
    server.on('error', (error) => this.log(`server error: ${describeError(error)}`));
    payServer.on('error', (error) => this.log(`pay server error: ${describeError(error)}`));
    this.server = server;
    this.payServer = payServer;
    const hostPart = host.includes(':') ? `[${host}]` : host;
    this.payApiUrl = `https://${hostPart}:${(payServer.address() as AddressInfo).port}`;
    this.apiUrl = `http://${hostPart}:${(server.address() as AddressInfo).port}`;
    return this.apiUrl;
  }

  /**
   * Answers a call to the pay server: logged on arrival with the client certificate it presented, shaped by a fault
   * (a `payErrCode` one is left to the route, which answers it signed), then routed to API v3 or v2.
   */
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

    const fault = await this.holdFault(call, 'pay', res);
    if (fault === 'gone') return;
    if (fault) {
      if (fault.close) {
        this.closeFaulted(call, req);
        return;
      }
      if (fault.status !== undefined && fault.payErrCode === undefined) {
        this.answer(res, statusOnly(fault.status), call);
        return;
      }
    }
    const response = path.startsWith('/v3/')
      ? this.router.dispatchPayV3(request, req.url ?? path, this.payApiUrl ?? '', fault?.payErrCode)
      : await this.router.dispatchPayV2(request, fault?.payErrCode);
    if (fault?.status !== undefined) response.status = fault.status;
    this.answer(res, response, call);
  }

  /** Answers a call to the mini program server: a control API call, or a WeChat API call logged and shaped by faults. */
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
      this.answer(res, await this.router.dispatchControl(request), `${method} ${path}`);
      return;
    }

    const named = guessAppId(request);
    if (named !== undefined) call.appId = named;
    const fault = await this.holdFault(call, 'json', res);
    if (fault === 'gone') return;
    if (fault) {
      const faulted = faultResponse(fault);
      if (faulted === 'close') {
        this.closeFaulted(call, req);
        return;
      }
      if (faulted) {
        this.answer(res, faulted, call);
        return;
      }
    }
    this.answer(res, await this.router.dispatchApi(request), call);
  }

  /**
   * Takes the first fault matching a call, marks the call with it and holds the call for the fault's delay. `'gone'`
   * when the client left or the simulator stopped meanwhile (both servers stop together): nothing is answered then.
   */
  private async holdFault(call: SimCall, api: 'json' | 'pay', res: ServerResponse): Promise<SimActiveFault | 'gone' | undefined> {
    const fault = this.state.takeFault(call.path, api);
    if (!fault) return undefined;
    call.faultId = fault.id;
    if (fault.delayMs !== undefined && fault.delayMs > 0) {
      await this.delay(fault.delayMs);
      if (res.destroyed || !this.server) return 'gone';
    }
    return fault;
  }

  /** Plays a `close` fault: the call is logged unanswered and the connection destroyed. */
  private closeFaulted(call: SimCall, req: IncomingMessage): void {
    this.logCall(call);
    req.socket.destroy();
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
    this.log(`request failed: ${describeError(error)}`);
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ error: 'simulator internal error' });
    res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  }
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

/** A fault's bare HTTP status, with its reason phrase as a text body. */
function statusOnly(status: number): SimResponse {
  return { status, contentType: 'text/plain; charset=utf-8', body: STATUS_CODES[status] ?? 'Simulated fault' };
}

/** What a fault answers instead of the route: a closed connection, a response, or nothing (a pure delay). */
function faultResponse(fault: SimActiveFault): SimResponse | 'close' | undefined {
  if (fault.close) return 'close';
  if (fault.errcode !== undefined) return wechatError(fault.errcode, { errmsg: fault.errmsg, status: fault.status });
  if (fault.status !== undefined) return statusOnly(fault.status);
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

/** A request target's path and query. Split by hand: `new URL()` would read a path starting with `//` as a host name. */
function splitTarget(url: string | undefined): { path: string; query: URLSearchParams } {
  const target = url ?? '/';
  const queryAt = target.indexOf('?');
  return {
    path: queryAt < 0 ? target : target.slice(0, queryAt),
    query: new URLSearchParams(queryAt < 0 ? '' : target.slice(queryAt + 1)),
  };
}
