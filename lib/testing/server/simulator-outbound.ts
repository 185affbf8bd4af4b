import { request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { LookupFunction } from 'node:net';

/** A request the simulator sends to the app (a notification, a message push, a URL check). @internal */
export interface OutboundRequest {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** The body of a POST, sent as UTF-8 with its `content-length`. */
  body?: string;
}

/** What came back from one outbound request; `status` 0 and an `error` when nothing usable did. @internal */
export interface OutboundAnswer {
  status: number;
  /** The first `maxAnswerBytes` of the answer. */
  body: Buffer;
  error?: string;
}

/** How one outbound request is bounded. @internal */
export interface OutboundLimits {
  /** Real milliseconds it may take, never scaled. */
  timeoutMs: number;
  /** Most bytes of the answer kept. */
  maxAnswerBytes: number;
}

/** Whether an IP address literal (no brackets) is loopback: 127.0.0.0/8, ::1 or IPv4-mapped 127.0.0.0/8. @internal */
export function isLoopbackIp(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return address.startsWith('127.');
  if (family !== 6) return false;
  const lower = address.toLowerCase();
  if (lower === '::1' || lower === '0:0:0:0:0:0:0:1') return true;
  // The WHATWG URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1.
  const mapped = /^::ffff:(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|7f[0-9a-f]{2}:[0-9a-f]{1,4})$/.exec(lower);
  return mapped !== null;
}

/**
 * Whether a URL the simulator calls back may be delivered to: `http:` or `https:` to `localhost` or a loopback IP
 * literal. The host name is the WHATWG URL parser's (which turns `2130706433`, `0x7f.1` and the like into dotted IPv4),
 * so what is checked is what would be connected to. Anything else is refused without connecting.
 * @internal
 */
export function isLoopbackUrl(url: URL): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  return host === 'localhost' || isLoopbackIp(host);
}

/** The URL when it parses and is a loopback one (see {@link isLoopbackUrl}); why not otherwise. @internal */
export function loopbackUrl(text: string): { url: URL } | { refusal: 'not-a-url' | 'not-loopback' } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { refusal: 'not-a-url' };
  }
  return isLoopbackUrl(url) ? { url } : { refusal: 'not-loopback' };
}

/** A URL without its query string and fragment, for logs. @internal */
export function urlForLog(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

/**
 * `localhost` resolved without DNS, to loopback addresses only, so that no resolver setting can send a request off
 * this machine.
 */
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  if (hostname !== 'localhost') {
    callback(Object.assign(new Error(`refusing to resolve ${hostname}`), { code: 'ENOTFOUND' }), '', 4);
    return;
  }
  const addresses = [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
  ].filter((a) => !options.family || options.family === a.family);
  if (options.all) callback(null, addresses);
  else callback(null, addresses[0]?.address ?? '127.0.0.1', addresses[0]?.family ?? 4);
};

/**
 * Sends one request to a loopback URL (checked by the caller) and resolves what came back; never rejects. The request
 * is handed to `track` while in flight, so that it can be destroyed when the simulator stops. HTTPS certificates are
 * not verified: the URL is on this machine and an app's development certificate is usually self-signed.
 * @internal
 */
export function sendOutbound(
  url: URL,
  request: OutboundRequest,
  limits: OutboundLimits,
  track: (inFlight: ClientRequest | undefined) => void = () => undefined,
): Promise<OutboundAnswer> {
  return new Promise((resolve) => {
    let settled = false;
    const timer: { handle?: NodeJS.Timeout } = {};
    const finish = (answer: OutboundAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer.handle);
      track(undefined);
      resolve(answer);
    };
    const body = request.body === undefined ? undefined : Buffer.from(request.body, 'utf8');
    const options = {
      method: request.method,
      agent: false as const,
      lookup: loopbackLookup,
      headers: { ...(body ? { 'content-length': String(body.length) } : {}), 'user-agent': 'Mozilla/4.0', ...request.headers },
    };
    const onResponse = (res: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size >= limits.maxAnswerBytes) return;
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).subarray(0, limits.maxAnswerBytes) }));
      res.on('error', (error) => finish({ status: res.statusCode ?? 0, body: Buffer.alloc(0), error: error.message }));
    };
    const req =
      url.protocol === 'https:'
        ? httpsRequest(url, { ...options, rejectUnauthorized: false }, onResponse)
        : httpRequest(url, options, onResponse);
    track(req);
    timer.handle = setTimeout(() => req.destroy(new Error(`timeout: no answer within ${limits.timeoutMs} ms`)), limits.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      finish({ status: 0, body: Buffer.alloc(0), error: error.code ? `${error.code}: ${error.message}` : error.message });
    });
    req.end(body);
  });
}
