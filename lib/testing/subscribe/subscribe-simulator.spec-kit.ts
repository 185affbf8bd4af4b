import { APP, pushBench } from '../push/push-simulator.spec-kit';
import type { Json } from '../server/simulator-bench.spec-kit';
import type { WeChatSimulatorOptions } from '../index';

export { APP, DEV_PUSH, waitFor } from '../push/push-simulator.spec-kit';
export type { Json } from '../server/simulator-bench.spec-kit';

/** The wording WeChat's errmsg starts with, followed by the simulator's `, rid: …`. */
export function expectRefusal(json: Json, errcode: number, wording: string): void {
  expect(json).toEqual({ errcode, errmsg: expect.stringMatching(new RegExp(`^${wording.replace(/[!.]/g, '\\$&')}, rid: [0-9a-f-]+$`)) });
}

/**
 * One simulator and one push receiver for a spec file of the subscribe side (from the push spec kit), and the calls the
 * specs make: WeChat's APIs with a current access token, the users, the app's starting templates.
 */
export function subscribeBench(options: WeChatSimulatorOptions = {}) {
  const bench = pushBench(options);
  const { sim } = bench;

  async function accessToken(appId = APP.appId, appSecret = APP.appSecret): Promise<string> {
    const res = await fetch(`${sim.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret: appSecret }),
    });
    return ((await res.json()) as Json).access_token as string;
  }

  /** Calls one of WeChat's APIs: GET with `query`, POST with a JSON `body`; the raw text is kept too. */
  async function api(
    method: 'GET' | 'POST',
    path: string,
    options: { query?: Record<string, string>; body?: unknown; token?: string | null } = {},
  ): Promise<{ status: number; json: Json; text: string }> {
    const url = new URL(path, sim.url);
    const token = options.token === undefined ? await accessToken() : options.token;
    if (token !== null) url.searchParams.set('access_token', token);
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
    const body = options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    const res = await fetch(url, { method, body });
    const text = await res.text();
    return { status: res.status, json: JSON.parse(text) as Json, text };
  }

  /** The app's starting templates: one-time `付款成功通知` and long-term `车辆出站提醒`. */
  function starting() {
    const [oneTime, longTerm] = sim.subscribeTemplates();
    return { oneTime, longTerm };
  }

  /** A message of a starting template that passes every check. */
  const oneTimeData = { thing1: { value: '月票' }, amount2: { value: '¥99.00' }, time3: { value: '2019年10月1日 15:01' } };
  const longTermData = { car_number1: { value: '粤A8Z888挂' }, time2: { value: '15:01' }, thing3: { value: '10路' } };

  return { ...bench, accessToken, api, starting, oneTimeData, longTermData };
}
