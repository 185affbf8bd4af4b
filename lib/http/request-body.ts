import type { IncomingMessage } from 'node:http';
import { PAY_XML_MAX_BYTES } from '../crypto/pay-xml.codec';
import { jsonDepth } from './json-depth.pipe';

/** What the notification routes need of the response object (Express and Fastify both fit). @internal */
export interface PlatformResponse {
  status?(code: number): unknown;
  statusCode?: number;
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
  send(body: string): unknown;
}

/**
 * The request as either platform hands it to a route: Express's is the `IncomingMessage` itself, Fastify's wraps it
 * (`raw`). Both carry `headers`, a parsed `body` and, with Nest's `rawBody: true`, the bytes as `rawBody`.
 * @internal
 */
export type PlatformRequest = { headers: IncomingMessage['headers']; rawBody?: Buffer; body?: unknown; raw?: IncomingMessage };

/**
 * The unread body stream of a request: on Fastify the library's XML parser hands it over as `body` (routes marked
 * `readsOwnBody`); otherwise the Node request itself (Fastify's `raw`, or Express's request).
 */
function streamOf(req: PlatformRequest): IncomingMessage {
  const body = req.body as Partial<IncomingMessage> | undefined;
  if (body && typeof body.on === 'function' && typeof body.resume === 'function') return body as IncomingMessage;
  return (req.raw ?? req) as unknown as IncomingMessage;
}

/**
 * Reads a notification's raw bytes on the route itself, so the host needs no app-wide raw-body
 * or XML parser setup: Nest's default parsers leave `text/xml` bodies unread. When another parser
 * already consumed the stream, `rawBody` (Nest's `rawBody: true`) or a string body is used.
 * @internal
 */
export async function readRawBody(req: PlatformRequest, limit = PAY_XML_MAX_BYTES): Promise<Buffer | null> {
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody.length <= limit ? req.rawBody : null;
  if (typeof req.body === 'string') return Buffer.byteLength(req.body) <= limit ? Buffer.from(req.body, 'utf8') : null;
  if (Buffer.isBuffer(req.body)) return req.body.length <= limit ? req.body : null;
  const stream = streamOf(req);
  if (stream.readableEnded || typeof stream.on !== 'function') return null;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (value: Buffer | null) => {
      if (!settled) {
        settled = true;
        resolve(value);
      }
    };
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish(null);
        stream.resume(); // drain the rest without keeping it
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => finish(Buffer.concat(chunks)));
    stream.on('error', () => finish(null));
    stream.on('close', () => finish(size <= limit ? Buffer.concat(chunks) : null));
  });
}

/**
 * The bytes of a v3 notification. The signature covers the body exactly as sent, so the raw bytes are used when they
 * can be had (the route reads the stream itself unless a parser consumed it; Nest's `rawBody: true` keeps them as
 * `rawBody`). When the host's JSON parser consumed the stream without keeping the bytes, the parsed object is written
 * back compactly, which is byte-identical for WeChat's compact JSON; anything else then fails verification (401, so
 * WeChat retries) rather than being trusted.
 * @internal
 */
export async function readJsonBody(req: PlatformRequest): Promise<Buffer | null> {
  const raw = await readRawBody(req);
  if (raw || Buffer.isBuffer(req.rawBody)) return raw;
  const body = req.body;
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return null;
  // Never rebuild what was over the limit as sent, nor what nests deeper than any notification (a few levels):
  // writing back a body thousands of levels deep would overflow the stack.
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > PAY_XML_MAX_BYTES) return null;
  if (jsonDepth(body, NOTIFICATION_MAX_DEPTH) > NOTIFICATION_MAX_DEPTH) return null;
  let text: Buffer;
  try {
    text = Buffer.from(JSON.stringify(body), 'utf8');
  } catch {
    return null;
  }
  return text.length <= PAY_XML_MAX_BYTES ? text : null;
}

/** How deep a v3 notification's JSON may nest when it is rebuilt from a parsed body (WeChat's nest three levels). */
const NOTIFICATION_MAX_DEPTH = 8;

/** Answers with a status and a text body of a content type, on Express or Fastify. @internal */
export function sendText(res: PlatformResponse, status: number, contentType: string | undefined, body: string): void {
  if (res.status) res.status(status);
  else res.statusCode = status;
  if (contentType) {
    if (res.header) res.header('Content-Type', contentType);
    else res.setHeader?.('Content-Type', contentType);
  }
  res.send(body);
}
