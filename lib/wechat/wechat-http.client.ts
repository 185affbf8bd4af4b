import { Inject, Injectable, Logger } from '@nestjs/common';
import type { OnApplicationShutdown } from '@nestjs/common';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import { isTimeoutError, networkErrorCode, withRetries } from '../utils/retry.util';
import { HttpTransport } from './http-transport';
import type { HttpAnswer, HttpCall } from './http-transport';

/** One call to a WeChat JSON API. @internal */
export interface WeChatRequest {
  /** Name used in errors and logs (never the URL: query strings can carry the AppSecret). */
  api: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | undefined>;
  /** A JSON body. */
  body?: unknown;
  /** A multipart/form-data body instead (an upload such as `media/upload`); `body` is then left out. */
  form?: FormData;
  /**
   * Whether repeating the request cannot change its outcome. Requests that consume a
   * single-use code are not: after a timeout the code may already be used, so they are only
   * repeated when WeChat certainly did not process them.
   */
  idempotent: boolean;
}

/** A successful JSON answer (`errcode` absent or 0). @internal */
export type WeChatJson = Record<string, unknown>;

/** A successful answer that is a file: its bytes and content type. @publicApi */
export interface WeChatBinary {
  contentType: string;
  body: Buffer;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * Sends requests to WeChat's JSON APIs: timeouts on every call, bounded retries with jittered
 * exponential backoff where a retry is safe, and typed errors.
 * @internal
 */
@Injectable()
export class WeChatHttpClient implements OnApplicationShutdown {
  private readonly logger = new Logger('MiniProgram');
  private readonly transport = new HttpTransport();

  constructor(@Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions) {}

  onApplicationShutdown(): void {
    this.transport.close();
  }

  async request(req: WeChatRequest): Promise<WeChatJson> {
    return this.retrying(req, async () => this.json(req, await this.send(req)));
  }

  /**
   * For the APIs that answer a file (a mini program code's PNG, a media file) on success and JSON on failure: the
   * bytes and their content type, or the same typed errors as {@link request}. A JSON answer without an error is not
   * a file either: `invalid-response`.
   */
  async requestBinary(req: WeChatRequest): Promise<WeChatBinary> {
    return this.retrying(req, async () => {
      const answer = await this.send(req);
      if (!/json|^text\/plain/i.test(answer.contentType) && answer.body[0] !== 0x7b) return answer;
      this.json(req, answer);
      throw new WeChatUnavailableError(req.api, 'invalid-response', 'a JSON answer where a file was expected');
    });
  }

  private retrying<T>(req: WeChatRequest, call: () => Promise<T>): Promise<T> {
    return withRetries(call, {
      retries: this.options.http.retries,
      delayMs: this.options.http.retryDelayMs,
      shouldRetry: (error) => this.isRetryable(error, req),
      onRetry: (error, attempt) => this.logger.warn(`WeChat ${req.api} attempt ${attempt} failed (${describe(error)}); retrying`),
    });
  }

  /** Sends one request and reads its whole answer; a transport failure or a non-2xx status is a typed error. */
  private async send(req: WeChatRequest): Promise<WeChatBinary> {
    const url = new URL(this.options.apiBaseUrl + req.path);
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, value);
    }
    let answer: HttpAnswer;
    try {
      answer = await this.transport.send(url, await outgoing(req, this.options.http.timeoutMs));
    } catch (error) {
      if (isTimeoutError(error)) {
        throw new WeChatUnavailableError(req.api, 'timeout', `no answer within ${this.options.http.timeoutMs} ms`, undefined, {
          cause: error,
        });
      }
      throw new WeChatUnavailableError(req.api, 'network', networkErrorCode(error) ?? 'request failed', undefined, { cause: error });
    }
    if (answer.status < 200 || answer.status > 299) {
      throw new WeChatUnavailableError(req.api, 'http', `HTTP ${answer.status}`, answer.status);
    }
    return { contentType: answer.contentType, body: answer.body };
  }

  /** A JSON answer as an object, with WeChat's errcode as a typed error. */
  private json(req: WeChatRequest, answer: WeChatBinary): WeChatJson {
    let json: unknown;
    try {
      json = JSON.parse(answer.body.toString('utf8'));
    } catch {
      throw new WeChatUnavailableError(req.api, 'invalid-response', 'the answer is not JSON');
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new WeChatUnavailableError(req.api, 'invalid-response', 'the answer is not a JSON object');
    }
    const errcode = (json as WeChatJson).errcode;
    if (errcode !== undefined && errcode !== 0 && errcode !== '0') {
      const code = Number(errcode);
      const errmsg = String((json as WeChatJson).errmsg ?? '');
      if (code === -1) throw new WeChatUnavailableError(req.api, 'busy', `errcode -1, ${errmsg}`);
      throw new WeChatApiError(req.api, Number.isFinite(code) ? code : -2, errmsg);
    }
    return json as WeChatJson;
  }

  private isRetryable(error: unknown, req: WeChatRequest): boolean {
    if (!(error instanceof WeChatUnavailableError)) return false;
    switch (error.kind) {
      case 'busy':
        return true;
      case 'http':
        return RETRYABLE_STATUS.has(error.status ?? 0) || (req.idempotent && (error.status ?? 0) >= 500);
      case 'network':
        return req.idempotent || networkErrorCode(error.cause) === 'ECONNREFUSED';
      case 'timeout':
        return req.idempotent;
      default:
        return false;
    }
  }
}

/** The request as bytes: JSON, a multipart form (serialised with its boundary by the platform's own encoder) or nothing. */
async function outgoing(req: WeChatRequest, timeoutMs: number): Promise<HttpCall> {
  if (req.form !== undefined) {
    const encoded = new Response(req.form);
    const contentType = encoded.headers.get('content-type') ?? 'multipart/form-data';
    return { method: req.method, headers: { 'content-type': contentType }, body: Buffer.from(await encoded.arrayBuffer()), timeoutMs };
  }
  if (req.body === undefined) return { method: req.method, timeoutMs };
  return { method: req.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body), timeoutMs };
}

function describe(error: unknown): string {
  if (error instanceof WeChatUnavailableError) return error.kind + (error.status ? ` ${error.status}` : '');
  return String((error as { name?: unknown } | null)?.name ?? 'error');
}
