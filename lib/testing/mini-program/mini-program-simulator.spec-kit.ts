import { createHmac } from 'node:crypto';
import { SIMULATOR_DEV_APP, WeChatSimulator } from '../index';

/** Answers of the simulator, read without trusting its types. */
export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const APP = SIMULATOR_DEV_APP;
export const OTHER_APP = { appId: 'wxothersimulator02', appSecret: 'othersimulatorsecret000000000002' };

/** Checks a WeChat error answer: its errcode, and WeChat's wording followed by a rid. */
export function expectError(json: Json, errcode: number, wording: string): void {
  expect(json.errcode).toBe(errcode);
  expect(json.errmsg).toMatch(new RegExp(`^${wording}, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`));
}

/** The `checksession` signature of a session key: HMAC-SHA256 of the empty string, keyed by the key as text. */
export function checkSignature(sessionKey: string): string {
  return createHmac('sha256', sessionKey).update('').digest('hex');
}

/** Moves the clock `Date.now()` of the in-process simulator forward. */
export function advanceClock(ms: number): void {
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
}

/**
 * One simulator with two apps for a spec file of the mini program side: started before its tests, reset before each
 * (and the clock restored after each), stopped after; and the calls the specs make of it.
 */
export function miniProgramBench() {
  const sim = new WeChatSimulator({ apps: [APP, OTHER_APP] });
  let base: string;

  beforeAll(async () => {
    base = await sim.start();
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.reset());
  afterEach(() => jest.restoreAllMocks());

  async function get(path: string, query: Record<string, string> = {}): Promise<{ status: number; json: Json; type: string | null }> {
    const url = new URL(path, base);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const res = await fetch(url);
    return { status: res.status, json: (await res.json()) as Json, type: res.headers.get('content-type') };
  }

  async function post(path: string, body: unknown, raw = false): Promise<{ status: number; json: Json }> {
    const res = await fetch(new URL(path, base), {
      method: 'POST',
      headers: { 'content-type': raw ? 'application/x-www-form-urlencoded' : 'application/json' },
      body: raw ? String(body) : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Json };
  }

  async function simLogin(input: Json = {}): Promise<Json> {
    const res = await post('/__sim/login', input);
    expect(res.status).toBe(200);
    return res.json;
  }

  function code2session(code: string, overrides: Record<string, string> = {}) {
    return get('/sns/jscode2session', {
      appid: APP.appId,
      secret: APP.appSecret,
      js_code: code,
      grant_type: 'authorization_code',
      ...overrides,
    });
  }

  async function stableToken(body: Json = {}): Promise<Json> {
    const res = await post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: APP.appId,
      secret: APP.appSecret,
      ...body,
    });
    expect(res.status).toBe(200);
    return res.json;
  }

  return { sim, url: () => base, get, post, simLogin, code2session, stableToken };
}
