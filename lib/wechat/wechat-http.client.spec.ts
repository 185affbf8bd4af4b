import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import { resolveMiniProgramOptions } from '../options/mini-program-options.validation';
import { WeChatHttpClient } from './wechat-http.client';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);

/** A local server answering each path as the test says, recording what it received. */
function serve(answer: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, Buffer.concat(chunks), res));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

function client(url: string, http: { timeoutMs?: number } = {}): WeChatHttpClient {
  return new WeChatHttpClient(
    resolveMiniProgramOptions({
      appId: 'wx4f4bc4dec97d474b',
      appSecret: '0123456789abcdef0123456789abcdef',
      apiBaseUrl: url,
      http: { retries: 1, retryDelayMs: 1, ...http },
    }),
  );
}

describe('WeChatHttpClient', () => {
  let server: Server;
  let http: WeChatHttpClient;
  const received: Array<{ path: string; contentType?: string; body: string }> = [];

  beforeAll(async () => {
    const started = await serve((req, body, res) => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: body.toString('latin1') });
      if (req.url?.startsWith('/png')) res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      else if (req.url?.startsWith('/refused'))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":41030,"errmsg":"invalid page"}');
      else if (req.url?.startsWith('/plain-json')) res.writeHead(200, { 'content-type': 'text/plain' }).end('{"errcode":0,"errmsg":"ok"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"media_id":"m1"}');
    });
    server = started.server;
    http = client(started.url);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('answers the bytes of a file API, and its refusals as the typed errors of the JSON APIs', async () => {
    const png = await http.requestBinary({ api: 'getUnlimited', method: 'POST', path: '/png', body: { scene: 'a=1' }, idempotent: true });
    expect(png).toEqual({ contentType: 'image/png', body: PNG });
    await expect(http.requestBinary({ api: 'getUnlimited', method: 'POST', path: '/refused', idempotent: true })).rejects.toMatchObject({
      constructor: WeChatApiError,
      errcode: 41030,
    });
    // JSON that is no error is still not the file that was asked for.
    await expect(http.requestBinary({ api: 'getUnlimited', method: 'POST', path: '/plain-json', idempotent: true })).rejects.toBeInstanceOf(
      WeChatUnavailableError,
    );
  });

  it('sends a multipart form instead of JSON when given one', async () => {
    const form = new FormData();
    form.append('media', new Blob([PNG], { type: 'image/png' }), 'a.png');
    const json = await http.request({ api: 'uploadTempMedia', method: 'POST', path: '/upload?type=image', form, idempotent: false });
    expect(json.media_id).toBe('m1');
    const sent = received.find((r) => r.path.startsWith('/upload'))!;
    expect(sent.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(sent.body).toContain('name="media"; filename="a.png"');
    expect(sent.body).toContain(PNG.toString('latin1'));
  });

  it('keeps one connection alive across calls, and closes it at shutdown', async () => {
    let connections = 0;
    const started = await serve((_req, _body, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0}'));
    started.server.on('connection', () => connections++);
    const own = client(started.url);
    try {
      for (let i = 0; i < 5; i++) await own.request({ api: 'ping', method: 'POST', path: '/ping', body: { i }, idempotent: true });
      expect(connections).toBe(1);
    } finally {
      own.onApplicationShutdown();
      await new Promise((resolve) => started.server.close(resolve));
    }
  });

  describe('when the exchange fails', () => {
    const calls: string[] = [];
    let failing: { server: Server; url: string };

    beforeAll(async () => {
      failing = await serve((req, _body, res) => {
        calls.push(req.url ?? '');
        if (req.url?.startsWith('/hang')) return; // never answers
        if (req.url?.startsWith('/cut')) {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"errcode":');
          setImmediate(() => res.destroy());
          return;
        }
        res.writeHead(500, { 'content-type': 'text/plain' }).end('oops');
      });
    });
    afterAll(() => {
      failing.server.closeAllConnections();
      return new Promise((resolve) => failing.server.close(resolve));
    });
    beforeEach(() => (calls.length = 0));

    it.each([
      [true, 2],
      [false, 1],
    ])('times out after timeoutMs, asking again only when idempotent (%s)', async (idempotent, asked) => {
      const own = client(failing.url, { timeoutMs: 50 });
      try {
        await expect(own.request({ api: 'hang', method: 'GET', path: '/hang', idempotent })).rejects.toMatchObject({
          constructor: WeChatUnavailableError,
          kind: 'timeout',
        });
        expect(calls).toHaveLength(asked);
      } finally {
        own.onApplicationShutdown();
      }
    });

    it('is a network error when the answer is cut off, not retried for a single-use request', async () => {
      const own = client(failing.url);
      try {
        await expect(own.request({ api: 'cut', method: 'POST', path: '/cut', body: {}, idempotent: false })).rejects.toMatchObject({
          constructor: WeChatUnavailableError,
          kind: 'network',
        });
        expect(calls).toEqual(['/cut']);
      } finally {
        own.onApplicationShutdown();
      }
    });

    it('is an http error with its status for a non-2xx answer', async () => {
      const own = client(failing.url);
      try {
        await expect(own.request({ api: 'status', method: 'GET', path: '/status', idempotent: false })).rejects.toMatchObject({
          constructor: WeChatUnavailableError,
          kind: 'http',
          status: 500,
        });
      } finally {
        own.onApplicationShutdown();
      }
    });
  });
});
