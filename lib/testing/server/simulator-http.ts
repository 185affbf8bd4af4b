import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { WECHAT_ERRMSG, WeChatErrcode } from './simulator.constants';

/** HTTP methods routes can answer. @internal */
export type SimHttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The TLS client certificate of a request to the pay server. @internal */
export interface SimClientCert {
  /** Whether the client sent a certificate that chains to the development CA. */
  readonly authorized: boolean;
  /** The subject CN of the certificate the client sent, if any. */
  readonly commonName?: string;
}

/** A request as route handlers see it, body already read. @internal */
export interface SimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Pay server only. */
  readonly clientCert?: SimClientCert;
}

/** What a route handler answers, plus what the calls log should record about it. @internal */
export interface SimResponse {
  status: number;
  contentType: string;
  /** Text is sent as UTF-8. */
  body: string | Buffer;
  headers?: Record<string, string>;
  /** The app the call was for, for the calls log. */
  appId?: string;
  /** The `errcode` of the answer, for the calls log. */
  errcode?: number;
  /** WeChat Pay answers, for the calls log. */
  mchId?: string;
  returnCode?: string;
  errCode?: string;
}

/** Answers one method on one exact path. @internal */
export type SimRouteHandler = (request: SimRequest) => SimResponse | Promise<SimResponse>;

/** One entry of the simulator's route table. @internal */
export interface SimRoute {
  readonly method: SimHttpMethod;
  readonly path: string;
  readonly handler: SimRouteHandler;
}

/**
 * Bad input to the control API or to a programmatic twin: HTTP 400; 404 for an unknown user, order, prepay_id or
 * refund; 409 when the order or refund is not in a state that allows it; 410 for an expired or closed prepay_id.
 * @publicApi
 */
export class SimulatorInputError extends Error {
  override readonly name = 'SimulatorInputError';

  constructor(
    message: string,
    readonly status: 400 | 404 | 409 | 410 = 400,
  ) {
    super(message);
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** A JSON answer. @internal */
export function jsonResponse(status: number, value: unknown, meta: { appId?: string; errcode?: number } = {}): SimResponse {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(value), ...meta };
}

/** A request id in the shape WeChat appends to its `errmsg`. @internal */
export function wechatRid(): string {
  return [4, 4, 4].map((n) => randomBytes(n).toString('hex')).join('-');
}

/** A WeChat error answer: HTTP 200 (unless told otherwise) and `{errcode, errmsg}` with WeChat's wording and a rid. @internal */
export function wechatError(errcode: number, options: { appId?: string; errmsg?: string; status?: number } = {}): SimResponse {
  const errmsg = options.errmsg ?? `${WECHAT_ERRMSG[errcode] ?? 'system error'}, rid: ${wechatRid()}`;
  return jsonResponse(options.status ?? 200, { errcode, errmsg }, { appId: options.appId, errcode });
}

/**
 * The error answers of a part of the simulator whose errcodes have wordings of their own: `refuse(errcode, appId)` with
 * the part's wording (or `wording`, when given), else the common one, and a rid as WeChat adds. @internal
 */
export function wechatRefusals(wordings: Readonly<Record<number, string>>) {
  return (errcode: number, appId: string, wording: string | undefined = wordings[errcode]): SimResponse =>
    wechatError(errcode, { appId, ...(wording !== undefined ? { errmsg: `${wording}, rid: ${wechatRid()}` } : {}) });
}

/** A successful WeChat answer, with `errcode: 0, errmsg: 'ok'` first when `withErrcode`. @internal */
export function wechatSuccess(payload: object, appId: string, withErrcode: boolean): SimResponse {
  if (!withErrcode) return jsonResponse(200, payload, { appId });
  return jsonResponse(200, { errcode: 0, errmsg: 'ok', ...payload }, { appId, errcode: 0 });
}

/** A control API error `{error}`. @internal */
export function controlError(status: number, message: string): SimResponse {
  return jsonResponse(status, { error: message });
}

/** Parses a body as a JSON object; anything else (empty, malformed, array, scalar) is `undefined`. @internal */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return isPlainObject(value) ? value : undefined;
}

/** Whether a value is a non-null, non-array object. @internal */
/** A 200 JSON answer of the control API. */
export function controlOk(value: unknown): SimResponse {
  return jsonResponse(200, value);
}

/** The JSON object body of a control call; an empty body is an empty object. */
export function controlBody(req: SimRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  const parsed = parseJsonObject(req.body);
  if (!parsed) throw new SimulatorInputError('the body must be a JSON object');
  return parsed;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A query or body value when it is a non-empty string. @internal */
export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The WeChat answer to a known path asked with the wrong method. @internal */
export function wrongMethod(allowed: readonly string[]): SimResponse {
  return wechatError(allowed.includes('GET') ? WeChatErrcode.REQUIRE_GET : WeChatErrcode.REQUIRE_POST);
}

/** The outcome of reading a request body. @internal */
export type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large' } | { kind: 'aborted' };

/**
 * Reads a request body up to `limit` bytes. Beyond it the rest is discarded rather than left unread, so that the
 * client finishes sending and can read the 413 instead of seeing a reset connection.
 * @internal
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      resolve({ kind: 'too-large' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: BodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        chunks.length = 0;
        settle({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle({ kind: 'ok', body: Buffer.concat(chunks) }));
    req.on('error', () => settle({ kind: 'aborted' }));
    req.on('close', () => settle(req.complete ? { kind: 'ok', body: Buffer.concat(chunks) } : { kind: 'aborted' }));
  });
}
