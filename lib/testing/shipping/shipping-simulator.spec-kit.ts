import { SIMULATOR_DEV_APP } from '../index';
import { payBench } from '../pay/pay-simulator.spec-kit';
import type { Json } from '../pay/pay-simulator.spec-kit';
import { DEV_PUSH, PushReceiver } from '../push/push-simulator.spec-kit';

export { expectError } from '../mini-program/mini-program-simulator.spec-kit';
export { M, waitFor } from '../pay/pay-simulator.spec-kit';
export type { Json } from '../pay/pay-simulator.spec-kit';

export const APP = SIMULATOR_DEV_APP;
export const DAY_S = 24 * 60 * 60;

/** A paid order of the pay simulator, with the openid that paid it. */
export interface Paid {
  outTradeNo: string;
  transactionId: string;
  openId: string;
}

/** An RFC 3339 time in Beijing time, `offsetMs` from now: what a client sends as `upload_time`. */
export function uploadTime(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs + 8 * 3600_000).toISOString().replace('Z', '+08:00');
}

/** A valid `upload_shipping_info` body for a virtual-goods order, with `overrides` on top. */
export function virtualUpload(paid: Paid, overrides: Json = {}): Json {
  return {
    order_key: { order_number_type: 2, transaction_id: paid.transactionId },
    logistics_type: 3,
    delivery_mode: 1,
    shipping_list: [{ item_desc: '会员月卡*1' }],
    upload_time: uploadTime(),
    payer: { openid: paid.openId },
    ...overrides,
  };
}

/** A valid express upload (SF, with a masked contact). */
export function expressUpload(paid: Paid, overrides: Json = {}): Json {
  return virtualUpload(paid, {
    logistics_type: 1,
    shipping_list: [
      { tracking_no: 'SF1234567890', express_company: 'SF', item_desc: '抱枕*1', contact: { receiver_contact: '138****8000' } },
    ],
    ...overrides,
  });
}

/**
 * The pay simulator's bench (a simulator with the development merchant, reset before each test) with a receiver for
 * the app's message pushes (plaintext JSON; none with `push: false`), and the calls the shipping specs make: the
 * shipping APIs with the app's access token, paid orders, and the pushes received.
 */
export function shippingBench(options: { push?: boolean } = {}) {
  const bench = payBench();
  const { sim } = bench;
  const receiver = new PushReceiver();

  beforeAll(async () => {
    await receiver.start();
    if (options.push !== false) sim.configurePush({ url: receiver.url(), token: DEV_PUSH.token });
  });
  afterAll(() => receiver.stop());
  beforeEach(() => receiver.reset());

  async function accessToken(appId = APP.appId, secret = APP.appSecret): Promise<string> {
    const res = await fetch(`${sim.url}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credential', appid: appId, secret }),
    });
    return ((await res.json()) as Json).access_token as string;
  }

  /** Calls `/wxa/sec/order/{name}` as the app: its access token unless `token` is given (`null`: none). */
  async function api(name: string, body: unknown, token?: string | null): Promise<{ status: number; json: Json }> {
    const accessTokenValue = token === undefined ? await accessToken() : token;
    const query = accessTokenValue === null ? '' : `?access_token=${encodeURIComponent(accessTokenValue)}`;
    const res = await fetch(`${sim.url}/wxa/sec/order/${name}${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Json };
  }

  /** A new order, paid by `openId` (a new user by default). */
  async function paid(openId = bench.user()): Promise<Paid> {
    const { outTradeNo, transactionId } = await bench.paidOrder({ openid: openId });
    return { outTradeNo, transactionId, openId };
  }

  /** Uploads and expects WeChat's `ok`. */
  async function ship(body: Json): Promise<void> {
    expect((await api('upload_shipping_info', body)).json).toEqual({ errcode: 0, errmsg: 'ok' });
  }

  /** The messages pushed to the app so far, parsed from the receiver's requests. */
  function pushed(): Json[] {
    return receiver.received.map((request) => JSON.parse(request.body) as Json);
  }

  return { ...bench, receiver, accessToken, api, paid, ship, pushed };
}
