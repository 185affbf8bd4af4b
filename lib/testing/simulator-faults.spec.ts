import { request } from 'node:http';
import { SIMULATOR_DEV_APP, WeChatSimulator } from './index';
import type { SimRoute } from './server/simulator-http';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const APP = SIMULATOR_DEV_APP;

/** Adds a route that throws, to see how the server survives a broken handler. */
class BrokenSimulator extends WeChatSimulator {
  constructor(logger: (line: string) => void) {
    super({ logger });
    const boom: SimRoute = {
      method: 'GET',
      path: '/cgi-bin/boom',
      handler: () => {
        throw new Error('boom');
      },
    };
    this.addRoutes([boom]);
  }
}

describe('WeChatSimulator faults, calls log and robustness', () => {
  const lines: string[] = [];
  const sim = new BrokenSimulator((line) => lines.push(line));
  let base: string;

  beforeAll(async () => {
    base = await sim.start();
  });
  afterAll(() => sim.stop());
  beforeEach(() => {
    sim.reset();
    lines.length = 0;
  });

  function tokenUrl(): string {
    return `${base}/cgi-bin/token?${new URLSearchParams({ grant_type: 'client_credential', appid: APP.appId, secret: APP.appSecret })}`;
  }

  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${base}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json };
  }

  /** Sends a raw request with node:http, for cases fetch hides. */
  function rawRequest(method: string, path: string, body: Buffer | string, headers: Record<string, string> = {}) {
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(`${base}${path}`, { method, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  describe('faults', () => {
    it('answers an errcode for count matching calls, then behaves again', async () => {
      const added = await control('POST', '/__sim/faults', { path: '/cgi-bin/token', errcode: -1, count: 2 });
      expect(added.status).toBe(200);
      expect(added.json).toMatchObject({ id: expect.any(String), path: '/cgi-bin/token', count: 2, errcode: -1 });
      expect((await control('GET', '/__sim/faults')).json.faults).toEqual([added.json]);

      // Another path is not affected.
      const login = sim.login();
      const session = await fetch(
        `${base}/sns/jscode2session?${new URLSearchParams({ appid: APP.appId, secret: APP.appSecret, js_code: login.code, grant_type: 'authorization_code' })}`,
      );
      expect(((await session.json()) as Json).openid).toBe(login.openId);

      for (let i = 0; i < 2; i++) {
        const res = await fetch(tokenUrl());
        expect(res.status).toBe(200);
        const json = (await res.json()) as Json;
        expect(json.errcode).toBe(-1);
        expect(json.errmsg).toMatch(/^system error, rid: /);
      }
      expect(((await (await fetch(tokenUrl())).json()) as Json).access_token).toEqual(expect.any(String));
      expect((await control('GET', '/__sim/faults')).json.faults).toEqual([]);
    });

    it('sends a custom errmsg as given and combines errcode with an HTTP status', async () => {
      sim.addFault({ path: '/cgi-bin/token', errcode: 45011, errmsg: 'quota', status: 429 });
      const res = await fetch(tokenUrl());
      expect(res.status).toBe(429);
      expect(await res.json()).toEqual({ errcode: 45011, errmsg: 'quota' });
    });

    it('answers a bare HTTP status with a text body', async () => {
      sim.addFault({ status: 502 });
      const res = await fetch(tokenUrl());
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('Bad Gateway');
    });

    it('delays the answer', async () => {
      sim.addFault({ path: '/cgi-bin/token', delayMs: 300 });
      const started = Date.now();
      const res = await fetch(tokenUrl());
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(((await res.json()) as Json).access_token).toEqual(expect.any(String));
      // Used up by that call: the next one is not delayed.
      expect(sim.faults).toEqual([]);
      await (await fetch(tokenUrl())).json();
    });

    it('delays and then fails, so a client timeout can be tested', async () => {
      const fault = sim.addFault({ path: '/cgi-bin/token', delayMs: 2000, status: 503 });
      await expect(fetch(tokenUrl(), { signal: AbortSignal.timeout(200) })).rejects.toThrow();
      // The call is logged on arrival, before the delay ends.
      expect(sim.calls).toEqual([
        { method: 'GET', path: '/cgi-bin/token', appId: APP.appId, at: expect.any(Number), status: 0, faultId: fault.id },
      ]);
    });

    it('answers the delayed fault after the delay and completes the logged call', async () => {
      const fault = sim.addFault({ path: '/cgi-bin/token', delayMs: 200, status: 503 });
      const pending = fetch(tokenUrl());
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sim.calls).toEqual([expect.objectContaining({ status: 0, faultId: fault.id })]);
      expect((await pending).status).toBe(503);
      expect(sim.calls).toEqual([expect.objectContaining({ status: 503, faultId: fault.id })]);
    });

    it('closes the connection without answering', async () => {
      sim.addFault({ path: '*', close: true });
      await expect(fetch(tokenUrl())).rejects.toThrow(/fetch failed/);
      expect(sim.calls).toEqual([expect.objectContaining({ path: '/cgi-bin/token', status: 0, appId: APP.appId })]);
      expect((await fetch(tokenUrl())).status).toBe(200);
    });

    it('never applies to the control API', async () => {
      sim.addFault({ path: '*', status: 500, count: 5 });
      expect((await control('GET', '/__sim/health')).json).toEqual({ ok: true });
      expect(sim.faults).toHaveLength(1);
      expect(sim.faults[0].count).toBe(5);
      expect((await control('DELETE', '/__sim/faults')).status).toBe(200);
      expect(sim.faults).toEqual([]);
      expect((await fetch(tokenUrl())).status).toBe(200);
    });

    it('rejects bad faults with 400', async () => {
      for (const bad of [
        {},
        { path: '/__sim/login', status: 500 },
        { count: 0, status: 500 },
        { status: 99 },
        { delayMs: -1 },
        { typo: 1, status: 500 },
      ]) {
        const res = await control('POST', '/__sim/faults', bad);
        expect(res.status).toBe(400);
        expect(res.json.error).toEqual(expect.any(String));
      }
      expect(() => sim.addFault({ close: 'yes' as unknown as boolean })).toThrow(/close/);
      expect(sim.faults).toEqual([]);
    });

    it('stop() ends a pending delay and its connection', async () => {
      const other = new WeChatSimulator();
      const url = await other.start();
      other.addFault({ delayMs: 60_000 });
      const pending = fetch(`${url}/cgi-bin/token`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      // Far below the fault's 60 s delay, and never a bound a busy machine could miss.
      const started = Date.now();
      await other.stop();
      expect(Date.now() - started).toBeLessThan(30_000);
      await expect(pending).rejects.toThrow();
    });
  });

  describe('calls log', () => {
    it('records every WeChat API call with status, app and errcode, without the query', async () => {
      const before = Date.now();
      await fetch(tokenUrl());
      await fetch(`${base}/cgi-bin/token?grant_type=client_credential&appid=${APP.appId}&secret=wrong`);
      await fetch(`${base}/wxa/checksession?access_token=nope`);
      await fetch(`${base}/nowhere`);
      await control('GET', '/__sim/health');
      const calls = (await control('GET', '/__sim/calls')).json.calls as Json[];
      expect(calls).toEqual([
        { method: 'GET', path: '/cgi-bin/token', appId: APP.appId, at: expect.any(Number), status: 200 },
        { method: 'GET', path: '/cgi-bin/token', appId: APP.appId, at: expect.any(Number), status: 200, errcode: 40125 },
        { method: 'GET', path: '/wxa/checksession', at: expect.any(Number), status: 200, errcode: 40001 },
        { method: 'GET', path: '/nowhere', at: expect.any(Number), status: 404, errcode: 40066 },
      ]);
      expect(calls[0].at).toBeGreaterThanOrEqual(before);
      expect(sim.calls).toEqual(calls);
      expect((await control('DELETE', '/__sim/calls')).status).toBe(200);
      expect(sim.calls).toEqual([]);
    });

    it('records the fault that shaped a call', async () => {
      const fault = sim.addFault({ errcode: -1 });
      await fetch(tokenUrl());
      expect(sim.calls).toEqual([expect.objectContaining({ status: 200, errcode: -1, faultId: fault.id })]);
    });

    it('logs paths but never secrets, codes or session keys', async () => {
      const login = sim.login();
      await fetch(
        `${base}/sns/jscode2session?${new URLSearchParams({ appid: APP.appId, secret: APP.appSecret, js_code: login.code, grant_type: 'authorization_code' })}`,
      );
      await control('POST', '/__sim/login', { openId: 'oLogged' });
      const all = lines.join('\n');
      expect(all).toContain('/sns/jscode2session 200');
      expect(all).toContain('POST /__sim/login 200');
      expect(all).not.toContain(APP.appSecret);
      expect(all).not.toContain(login.code);
      expect(all).not.toContain(login.sessionKey);
    });
  });

  describe('robustness', () => {
    it('answers 413 beyond 1 MiB, announced or streamed', async () => {
      const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
      const announced = await fetch(`${base}/cgi-bin/stable_token`, { method: 'POST', body: big });
      expect(announced.status).toBe(413);
      const streamed = await rawRequest('POST', '/__sim/login', big, { 'transfer-encoding': 'chunked' });
      expect(streamed.status).toBe(413);
      expect(JSON.parse(streamed.text)).toEqual({ error: expect.stringMatching(/too large|exceeds/) });
      // Exactly 1 MiB is read (and refused as bad JSON, not as too large).
      const limit = await fetch(`${base}/cgi-bin/stable_token`, { method: 'POST', body: Buffer.alloc(1024 * 1024, 0x61) });
      expect(((await limit.json()) as Json).errcode).toBe(47001);
      expect((await control('GET', '/__sim/health')).status).toBe(200);
    });

    it('turns a throwing handler into a logged 500 and keeps serving', async () => {
      const res = await fetch(`${base}/cgi-bin/boom`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ errcode: -1, errmsg: expect.any(String) });
      expect(lines.some((line) => line.includes('boom'))).toBe(true);
      expect((await fetch(tokenUrl())).status).toBe(200);
    });

    it('reads a path starting with // as a path', async () => {
      const res = await rawRequest('GET', '//cgi-bin/token', '');
      expect(res.status).toBe(404);
      expect(JSON.parse(res.text).errcode).toBe(40066);
    });

    it('answers the wrong method on an API path like WeChat', async () => {
      const res = await fetch(tokenUrl(), { method: 'POST', body: '{}' });
      expect(((await res.json()) as Json).errcode).toBe(43001);
    });

    it('survives a client that disconnects mid-body', async () => {
      await new Promise<void>((resolve) => {
        const req = request(`${base}/cgi-bin/stable_token`, { method: 'POST', headers: { 'content-length': '1000' }, agent: false });
        req.on('error', () => resolve());
        req.write('{"grant_type":');
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 50);
      });
      expect((await control('GET', '/__sim/health')).json).toEqual({ ok: true });
    });
  });
});
