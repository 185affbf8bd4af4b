import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

const IDLE_MS = 4_000;

/** A whole HTTP answer. @internal */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/** One request: the body already serialised. @internal */
export interface HttpCall {
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** For the whole exchange, from sending to the last byte of the answer. */
  timeoutMs: number;
}

/** The error of a call that took longer than its `timeoutMs` (named as `AbortSignal.timeout` names it). @internal */
export class HttpTimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Keep-alive connection pools for the calls to WeChat, over `node:http`/`node:https`: a call costs a quarter of the
 * CPU that `fetch` spends on the same exchange (its Request, Response, Headers and stream objects and the timeout
 * signal; measured at about 0.2 ms per call, a fifth of a login). Idle sockets do not keep the process alive.
 * @internal
 */
export class HttpTransport {
  // An idle connection is closed after 4 s (as fetch's own pool does), before servers close theirs (often at 5 s),
  // so that a request is not written into a connection the server is closing.
  private readonly http = new HttpAgent({ keepAlive: true, scheduling: 'lifo', timeout: IDLE_MS });
  private readonly https = new HttpsAgent({ keepAlive: true, scheduling: 'lifo', timeout: IDLE_MS });

  send(url: URL, call: HttpCall): Promise<HttpAnswer> {
    const secure = url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...call.headers };
    if (call.body !== undefined) headers['content-length'] = Buffer.byteLength(call.body);
    return new Promise<HttpAnswer>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => fail(new HttpTimeoutError(`no answer within ${call.timeoutMs} ms`)), call.timeoutMs);
      const fail = (error: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(error);
      };
      const options = { method: call.method, headers, agent: secure ? this.https : this.http };
      const onAnswer = (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('aborted', () => fail(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' })));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, contentType: header(res.headers['content-type']), body: Buffer.concat(chunks) });
        });
      };
      const req: ClientRequest = secure ? httpsRequest(url, options, onAnswer) : httpRequest(url, options, onAnswer);
      req.on('error', fail);
      req.end(call.body);
    });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

function header(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}
