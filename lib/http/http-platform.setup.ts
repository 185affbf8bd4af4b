import { Injectable, Optional, SetMetadata } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';

/** The content types of WeChat Pay API v2 notifications (XML). @internal */
export const XML_CONTENT_TYPES = ['text/xml', 'application/xml'] as const;

/** Nest hands a handler's `__fastify_route_config__` metadata to Fastify as the route's `config`. */
const FASTIFY_ROUTE_CONFIG = '__fastify_route_config__';
const ROUTE_KEY = 'miniProgramRoute';

/** What a library route tells the Fastify setup. */
interface LibraryRouteConfig {
  /** The handler reads the body stream itself, with its own size cap (the XML notification routes). */
  readsOwnBody?: boolean;
  /** Set on the `…/` twin registered for a route (so that it gets none of its own). */
  twin?: boolean;
}

/**
 * Marks a route of the library, so that on Fastify it behaves as on Express: it also answers with a trailing slash
 * (the original library's URLs end in one, and Express's router ignores it), and with `readsOwnBody` the XML parser
 * hands it the unread stream instead of buffering it. Express needs nothing of this.
 * @internal
 */
export const LibraryRoute = (config: Omit<LibraryRouteConfig, 'twin'> = {}): MethodDecorator =>
  SetMetadata(FASTIFY_ROUTE_CONFIG, { [ROUTE_KEY]: config });

type RouteConfig = Record<string, unknown> & { [ROUTE_KEY]?: LibraryRouteConfig };

/** The route options Fastify's `onRoute` hook sees (and `route()` takes). */
interface FastifyRouteOptions {
  method: string | string[];
  url: string;
  handler: (...args: unknown[]) => unknown;
  config?: RouteConfig;
  constraints?: Record<string, unknown>;
  schema?: unknown;
}

/** What a content parser sees of Fastify's request. */
interface FastifyParserRequest {
  routeOptions?: { config?: RouteConfig; bodyLimit?: number };
}

type ParserDone = (error: Error | null, body?: unknown) => void;

/** What this setup needs of a Fastify instance (the library does not depend on Fastify). */
interface FastifyLike {
  initialConfig?: { bodyLimit?: number; ignoreTrailingSlash?: boolean; routerOptions?: { ignoreTrailingSlash?: boolean } };
  hasContentTypeParser(type: string): boolean;
  addContentTypeParser(type: string, parser: (req: FastifyParserRequest, payload: IncomingMessage, done: ParserDone) => void): void;
  addHook(name: 'onRoute', hook: (this: FastifyLike, route: FastifyRouteOptions) => void): void;
  route(route: FastifyRouteOptions): unknown;
}

/**
 * Makes the library's routes work on either Nest platform without host setup. It runs from the module's
 * `configure()`, which Nest calls before it registers any route.
 *
 * On Fastify:
 * - Express leaves a `text/xml` body unread and the notification routes read the stream themselves; Fastify refuses
 *   a content type it has no parser for with 415 before any route runs. So this registers a parser for XML: the
 *   library's notification routes get the unread stream (they cap and read it as on Express), any other route the
 *   bytes as a Buffer within its body limit. A parser the host registered already is kept: the routes accept a
 *   string or a Buffer body as well. Any other content type reaches the notification routes as the unread stream too
 *   (Express reads whatever was sent); other routes answer it with Fastify's 415, as before.
 * - Each library route is registered a second time with a trailing slash, unless the host's Fastify ignores
 *   trailing slashes already.
 * @internal
 */
@Injectable()
export class HttpPlatformSetup {
  private applied = false;

  constructor(@Optional() private readonly adapterHost?: HttpAdapterHost) {}

  apply(): void {
    const adapter = this.adapterHost?.httpAdapter;
    if (this.applied || !adapter || adapter.getType() !== 'fastify') return;
    this.applied = true;
    const fastify = adapter.getInstance() as FastifyLike;
    try {
      this.addXmlParsers(fastify);
      this.addTrailingSlashTwins(fastify);
    } catch (error) {
      // Fastify takes parsers and hooks only until it has booted: a host that called `ready()` before `app.init()`.
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `nestjs-miniprogram-api: cannot set up its routes on Fastify (${reason}). Let Nest initialise the app ` +
          `(app.init() or app.listen()) before Fastify boots.`,
      );
    }
  }

  private addXmlParsers(fastify: FastifyLike): void {
    const defaultLimit = fastify.initialConfig?.bodyLimit ?? 1024 * 1024;
    const readsOwnBody = (req: FastifyParserRequest) => req.routeOptions?.config?.[ROUTE_KEY]?.readsOwnBody === true;
    for (const type of XML_CONTENT_TYPES) {
      if (fastify.hasContentTypeParser(type)) continue;
      fastify.addContentTypeParser(type, (req, payload, done) => {
        if (readsOwnBody(req)) return done(null, payload);
        readLimited(payload, req.routeOptions?.bodyLimit ?? defaultLimit).then(
          (body) => done(null, body),
          (error: Error) => done(error),
        );
      });
    }
    // Any other content type (or none) reaches the notification routes too, as on Express, where they read whatever
    // was sent and answer FAIL to what is not a notification. Every other route keeps Fastify's own answer, 415.
    if (!fastify.hasContentTypeParser('*')) {
      fastify.addContentTypeParser('*', (req, payload, done) => {
        if (readsOwnBody(req)) return done(null, payload);
        done(unsupportedMediaType(payload.headers['content-type']));
      });
    }
  }

  private addTrailingSlashTwins(fastify: FastifyLike): void {
    const config = fastify.initialConfig;
    if (config?.routerOptions?.ignoreTrailingSlash === true || config?.ignoreTrailingSlash === true) return;
    fastify.addHook('onRoute', function (route) {
      const own = route.config?.[ROUTE_KEY];
      // Fastify adds a HEAD route beside each GET (this hook sees it too), and the GET twin gets its own.
      if (!own || own.twin || route.url.endsWith('/') || route.method === 'HEAD') return;
      const { method, url, handler, constraints, schema } = route;
      this.route({ method, url: `${url}/`, handler, constraints, schema, config: { [ROUTE_KEY]: { ...own, twin: true } } });
    });
  }
}

/** Fastify's own refusal of a content type it has no parser for. */
function unsupportedMediaType(contentType: string | undefined): Error {
  return Object.assign(new Error(`Unsupported Media Type: ${contentType ?? ''}`), {
    statusCode: 415,
    code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
  });
}

/** Reads a stream into a Buffer, failing with a 413 error (Fastify's shape) past `limit` bytes. */
function readLimited(stream: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      stream.off('data', onData);
      stream.resume();
      reject(Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' }));
    };
    stream.on('data', onData);
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
