import { All, Controller, Get, Header, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** Where the console's static files are: `sample-app/public`, from `src/` (ts-jest) and from `dist/` alike. */
export const CONSOLE_PUBLIC_DIR = join(__dirname, '..', 'public');

/** Injection token of {@link ConsoleOptions}. */
export const CONSOLE_OPTIONS = Symbol('CONSOLE_OPTIONS');

/** What the console needs to know about the app it runs in. */
export interface ConsoleOptions {
  mode: 'wechat' | 'simulator';
  appId: string;
  /** The simulator's base URL (simulator mode only): the target of the `/sim/*` proxy. */
  simulatorUrl?: string;
  /** Which WeChat Pay API the orders go through: decides how the page checks `paySign` and reads notification answers. */
  payApiVersion: 'v2' | 'v3';
  /** The template of the "order paid" subscribe message, for the consent dialog. */
  orderPaidTemplateId?: string;
  /** Whether WeChat Pay is configured (the reconciliation step needs it). */
  pay?: boolean;
}

/** What `GET /console/config` answers. */
export interface ConsoleConfig {
  mode: 'wechat' | 'simulator';
  appId: string;
  /** The simulator's own URL, for display: the page reaches its control API through `simulatorProxy`. */
  simulatorUrl: string | null;
  /** Same-origin prefix that forwards to the simulator's `/__sim/` (the simulator sends no CORS headers). */
  simulatorProxy: string | null;
  /** Swagger UI. */
  docs: string;
  /**
   * The WeChat Pay API the orders go through: `v2` (`paySign` MD5/HMAC-SHA256 with the API key, XML notification
   * answers) or `v3` (`signType: 'RSA'`, notifications answered with HTTP status codes).
   */
  payApiVersion: 'v2' | 'v3';
  /** The template of the "order paid" message, which the consent dialog asks the user to accept (null: none). */
  orderPaidTemplateId: string | null;
}

/**
 * What the console's handlers use of the response: `status`, `header` and `send` are the same on Express's response
 * and Fastify's reply, so the console runs on either platform.
 */
interface ConsoleReply {
  status(code: number): unknown;
  header(name: string, value: string): unknown;
  send(body: string | Buffer): unknown;
}

/** What the proxy reads of the request (the same on Express and Fastify). */
interface ConsoleRequest {
  method: string;
  url: string;
  body?: unknown;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The console's files, read once: `name` → type and bytes. Served from memory by name, never by a path built from
 * the request, so neither the checkout's location (a `.hidden` directory anywhere above it) nor the URL can change
 * what is sent.
 */
function loadConsoleFiles(dir: string): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  for (const name of readdirSync(dir)) {
    const type = CONTENT_TYPES[extname(name)];
    if (type) files.set(name, { type, body: readFileSync(join(dir, name)) });
  }
  return files;
}

/** Simulator control calls are one word (`login`, `notify`, …), with an optional query string. */
const SIM_NAME = /^[A-Za-z]{1,32}$/;
const SIM_METHODS = new Set(['GET', 'POST', 'DELETE']);
/**
 * `POST /__sim/pay` waits for the first notification attempt, `subscribe` and `confirmReceive` for the first attempt
 * of their push: each may take WeChat's 5 s timeout.
 */
const SIM_TIMEOUT_MS = 30_000;

/** Only the console page itself may run: its own scripts and styles, requests to this origin, nothing else. */
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  // blob: the user's mini program code, fetched with the token and shown through an object URL.
  "img-src 'self' data: blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const WECHAT_MODE_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Mini program console</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Mini program console</h1>
<p>The console plays a mini program user against the <strong>WeChat simulator</strong>, so it only runs in
simulator mode. This app talks to the real WeChat (<code>WECHAT_APP_ID</code> and <code>WECHAT_APP_SECRET</code> are set).</p>
<p>Start the sample app without those variables to use the console (<code>npm start</code>), or see the API at <a href="/docs">/docs</a>.</p>
</body>
</html>
`;

/**
 * The browser console of the sample app: the page at `/`, its files under `/console/`, its configuration, and a
 * same-origin proxy to the simulator's control API (`/sim/<name>` → `<simulator>/__sim/<name>`), all in simulator
 * mode only.
 */
@ApiExcludeController()
@Controller()
export class ConsoleController {
  private readonly files = loadConsoleFiles(CONSOLE_PUBLIC_DIR);

  constructor(@Inject(CONSOLE_OPTIONS) private readonly options: ConsoleOptions) {}

  @Get()
  page(@Res() res: ConsoleReply): void {
    res.header('Cache-Control', 'no-store');
    if (this.options.mode !== 'simulator') {
      res.header('Content-Type', CONTENT_TYPES['.html']);
      res.send(WECHAT_MODE_PAGE);
      return;
    }
    res.header('Content-Security-Policy', CONSOLE_CSP);
    this.sendFile(res, 'index.html');
  }

  @Get('console/config')
  @Header('Cache-Control', 'no-store')
  config(): ConsoleConfig {
    const simulator = this.options.mode === 'simulator' && !!this.options.simulatorUrl;
    return {
      mode: this.options.mode,
      appId: this.options.appId,
      simulatorUrl: simulator ? this.options.simulatorUrl! : null,
      simulatorProxy: simulator ? '/sim' : null,
      docs: '/docs',
      payApiVersion: this.options.payApiVersion,
      orderPaidTemplateId: this.options.orderPaidTemplateId ?? null,
    };
  }

  /** The page's scripts and styles (simulator mode only). */
  @Get('console/:file')
  asset(@Param('file') name: string, @Res() res: ConsoleReply): void {
    if (this.options.mode !== 'simulator' || name === 'index.html') throw new NotFoundException();
    res.header('Cache-Control', 'no-cache');
    this.sendFile(res, name);
  }

  /** Forwards a control call to the simulator: the page cannot call it directly (another origin, no CORS). */
  @All('sim/:name')
  async sim(@Param('name') name: string, @Req() req: ConsoleRequest, @Res() res: ConsoleReply): Promise<void> {
    const base = this.options.mode === 'simulator' ? this.options.simulatorUrl : undefined;
    if (!base) throw new NotFoundException('The simulator proxy exists in simulator mode only.');
    if (!SIM_NAME.test(name)) throw new NotFoundException('unknown simulator call');
    if (!SIM_METHODS.has(req.method)) {
      res.header('Allow', 'GET, POST, DELETE');
      sendJson(res, 405, { error: 'method not allowed' });
      return;
    }
    const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
    const body = req.method === 'POST' && req.body !== undefined ? JSON.stringify(req.body) : undefined;
    let upstream: globalThis.Response;
    try {
      upstream = await fetch(`${base.replace(/\/+$/, '')}/__sim/${name}${query}`, {
        method: req.method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(SIM_TIMEOUT_MS),
      });
    } catch (error) {
      sendJson(res, 502, { error: `the simulator did not answer: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    res.status(upstream.status);
    res.header('Cache-Control', 'no-store');
    res.header('Content-Type', upstream.headers.get('content-type') ?? 'application/json; charset=utf-8');
    res.send(Buffer.from(await upstream.arrayBuffer()));
  }

  private sendFile(res: ConsoleReply, name: string): void {
    const file = this.files.get(name);
    if (!file) throw new NotFoundException();
    res.header('Content-Type', file.type);
    res.header('X-Content-Type-Options', 'nosniff');
    res.send(file.body);
  }
}

function sendJson(res: ConsoleReply, status: number, body: unknown): void {
  res.status(status);
  res.header('Content-Type', 'application/json; charset=utf-8');
  res.send(JSON.stringify(body));
}
