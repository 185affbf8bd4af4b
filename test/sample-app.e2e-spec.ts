import { createVerify } from 'node:crypto';
import { SIMULATOR_DEV_V3 } from '../lib/testing';
import type { SimNotification } from '../lib/testing';
import { startSampleApp, SampleApp } from '../sample-app/src/bootstrap';
import { databaseOptions, loadConfig } from '../sample-app/src/config';
import { createTestDatabase } from './utils/database';
import type { TestDatabase } from './utils/database';
import { sampleAppEnv } from './utils/platform';

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('sample app in simulator mode (the walk-through of docs/try-it.md)', () => {
  let sample: SampleApp;

  beforeAll(async () => {
    const config = loadConfig(sampleAppEnv());
    sample = await startSampleApp(config, false);
  });
  afterAll(() => sample.close());

  it('serves login → guarded route → updateUserInfo → phone number → logout against its simulator', async () => {
    expect(sample.simulator).toBeDefined();
    const sim = sample.wechatUrl;
    const app = sample.appUrl;

    const wx = await post(`${sim}/__sim/login`, {});
    expect(wx.status).toBe(200);
    expect(wx.body).toMatchObject({ appId: 'wxdevsimulator0001', code: expect.any(String), sessionKey: expect.any(String) });

    const login = await post(`${app}/miniprogram_auth/login`, { code: wx.body.code });
    expect(login.status).toBe(200);
    const token = login.body.token as string;

    const profile = await fetch(`${app}/profile`, { headers: { authorization: `Token ${token}` } });
    expect(profile.status).toBe(200);
    expect((await fetch(`${app}/profile`)).status).toBe(401);

    const userInfo = await post(`${sim}/__sim/userInfo`, { openId: wx.body.openId, userInfo: { nickName: 'Alice', city: 'Shenzhen' } });
    const updated = await post(`${app}/miniprogram_auth/updateUserInfo`, userInfo.body, token);
    expect(updated.status).toBe(200);
    expect(updated.body.wechat).toMatchObject({ nickName: 'Alice', city: 'Shenzhen', user: login.body.user_id });

    const phoneCode = await post(`${sim}/__sim/phoneCode`, { openId: wx.body.openId, phoneNumber: '13800138000' });
    const phone = await post(`${app}/miniprogram_auth/phoneNumber`, phoneCode.body, token);
    expect(phone.body).toMatchObject({ phoneNumber: '13800138000' });

    expect((await post(`${app}/miniprogram_auth/logout`, {}, token)).body).toEqual({ revoked: true });
    expect((await fetch(`${app}/profile`, { headers: { authorization: `Token ${token}` } })).status).toBe(401);
  });

  it('serves the pickup-order pay flow: order → wx.requestPayment params → paid once → refunded', async () => {
    const sim = sample.simulator!;
    const wx = sim.login();
    const token = (await post(`${sample.appUrl}/miniprogram_auth/login`, { code: wx.code })).body.token as string;
    const get = async (path: string) => {
      const res = await fetch(`${sample.appUrl}${path}`, { headers: { authorization: `Token ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    expect((await post(`${sample.appUrl}/orders`, { description: '', totalFee: 1.5 }, token)).status).toBe(400);
    const created = await post(`${sample.appUrl}/orders`, { description: 'Pickup order', totalFee: 1 }, token);
    expect(created.status).toBe(200);
    const id = created.body.id as number;

    const params = await post(`${sample.appUrl}/orders/${id}/pay`, {}, token);
    expect(params.status).toBe(200);
    expect(Object.keys(params.body).sort()).toEqual(['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);

    await sim.pay({ prepayId: (params.body.package as string).slice('prepay_id='.length) });
    let order = (await get(`/orders/${id}`)).body;
    for (let i = 0; i < 100 && order.status !== 'FULFILLED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order = (await get(`/orders/${id}`)).body;
    }
    expect(order).toMatchObject({ status: 'FULFILLED', paid: true, fulfilledCount: 1, payStatus: 'SUCCESS' });

    await sim.notify({ outTradeNo: order.outTradeNo as string, kind: 'duplicate', copies: 5 });
    expect((await get(`/orders/${id}`)).body).toMatchObject({ fulfilledCount: 1 });
    expect((await post(`${sample.appUrl}/orders/${id}/pay`, {}, token)).status).toBe(409);

    const refund = await fetch(`${sample.appUrl}/orders/${id}/refund`, { method: 'POST', headers: { authorization: `Token ${token}` } });
    expect(refund.status).toBe(200);
    for (let i = 0; i < 200 && order.status !== 'REFUNDED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order = (await get(`/orders/${id}`)).body;
    }
    expect(order).toMatchObject({ status: 'REFUNDED', payStatus: 'REFUND', refundedFee: 1 });

    const stranger = sim.login();
    const strangerToken = (await post(`${sample.appUrl}/miniprogram_auth/login`, { code: stranger.code })).body.token as string;
    const foreign = await fetch(`${sample.appUrl}/orders/${id}`, { headers: { authorization: `Token ${strangerToken}` } });
    expect(foreign.status).toBe(404);
    expect((await get('/orders/abc')).status).toBe(400);
  });

  it('answers concurrent refunds of one order with 200 for what fits and 409 for the rest, none sent beyond the payment', async () => {
    const sim = sample.simulator!;
    const token = (await post(`${sample.appUrl}/miniprogram_auth/login`, { code: sim.login().code })).body.token as string;
    const id = (await post(`${sample.appUrl}/orders`, { description: 'Refund race', totalFee: 10 }, token)).body.id as number;
    const params = await post(`${sample.appUrl}/orders/${id}/pay`, {}, token);
    await sim.pay({ prepayId: (params.body.package as string).slice('prepay_id='.length) });
    const paid = async () => {
      const res = await fetch(`${sample.appUrl}/orders/${id}`, { headers: { authorization: `Token ${token}` } });
      return ((await res.json()) as { paid?: boolean }).paid === true;
    };
    for (let i = 0; i < 250 && !(await paid()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await paid()).toBe(true);
    const sent = () => sim.calls.filter((c) => c.path === '/secapi/pay/refund' || c.path === '/v3/refund/domestic/refunds').length;
    const before = sent();
    const refund = (body: Record<string, unknown>) => post(`${sample.appUrl}/orders/${id}/refund`, body, token);

    const partial = await Promise.all([7, 6, 5].map((refundFee) => refund({ refundFee })));
    expect(partial.map((r) => r.status).sort()).toEqual([200, 409, 409]);
    const first = partial.find((r) => r.status === 200)!.body.refundFee as number;
    const rest = await Promise.all([refund({}), refund({})]);
    expect(rest.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(rest.find((r) => r.status === 200)!.body.refundFee).toBe(10 - first);
    expect(sent() - before).toBe(2);
  });

  it('answers GET /health', async () => {
    const res = await fetch(`${sample.appUrl}/health`);
    expect(await res.json()).toEqual({ ok: true });
  });
});

/** The flow of the pickup orders through WeChat Pay API v3 (WECHAT_PAY_API_VERSION=v3), on the database TEST_DB names. */
describe.each(['public-key', 'certificate'] as const)('sample app with WeChat Pay API v3 (simulator %s mode)', (mode) => {
  let sample: SampleApp;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    const config = loadConfig(sampleAppEnv({ WECHAT_PAY_API_VERSION: 'v3', SIMULATOR_PAY_V3_MODE: mode }));
    sample = await startSampleApp({ ...config, database: { ...db.options, autoLoadEntities: true } }, false);
  });
  afterAll(async () => {
    await sample?.close();
    await db?.drop();
  });

  /** The app's last answer to a notification (API v3: an HTTP status, any 2xx acknowledges). */
  const answer = (n: SimNotification) => n.attempts[n.attempts.length - 1]?.status;

  it('serves order → RSA-signed wx.requestPayment params → v3 notification, paid once → refunded', async () => {
    const sim = sample.simulator!;
    expect(sample.payApiVersion).toBe('v3');
    expect(sim.payV3Settings.mode).toBe(mode);
    const config = (await (await fetch(`${sample.appUrl}/console/config`)).json()) as { payApiVersion: string };
    expect(config.payApiVersion).toBe('v3');

    const token = (await post(`${sample.appUrl}/miniprogram_auth/login`, { code: sim.login().code })).body.token as string;
    const get = async (path: string) => {
      const res = await fetch(`${sample.appUrl}${path}`, { headers: { authorization: `Token ${token}` } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const created = await post(`${sample.appUrl}/orders`, { description: 'Pickup order', totalFee: 1 }, token);
    expect(created.status).toBe(200);
    const id = created.body.id as number;

    const params = await post(`${sample.appUrl}/orders/${id}/pay`, {}, token);
    expect(params.status).toBe(200);
    expect(Object.keys(params.body).sort()).toEqual(['nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
    expect(params.body.signType).toBe('RSA');
    const { timeStamp, nonceStr, package: pkg, paySign } = params.body as Record<string, string>;
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${sample.appId}\n${timeStamp}\n${nonceStr}\n${pkg}\n`);
    expect(verifier.verify(SIMULATOR_DEV_V3.merchantCertificate, paySign, 'base64')).toBe(true);

    const paid = await sim.pay({ prepayId: pkg.slice('prepay_id='.length) });
    expect(paid.notification).toMatchObject({ apiVersion: 'v3', variant: 'genuine' });
    let order = (await get(`/orders/${id}`)).body;
    for (let i = 0; i < 100 && order.status !== 'FULFILLED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order = (await get(`/orders/${id}`)).body;
    }
    expect(order).toMatchObject({ status: 'FULFILLED', paid: true, fulfilledCount: 1, payStatus: 'SUCCESS' });
    expect(sim.order(order.outTradeNo as string)).toMatchObject({ apiVersion: 'v3', tradeState: 'SUCCESS' });
    const genuine = sim.notifications.find((n) => n.kind === 'pay' && n.variant === 'genuine')!;
    expect(genuine).toMatchObject({
      apiVersion: 'v3',
      acknowledged: true,
      url: expect.stringMatching(/\/miniprogram_auth\/wechatPayV3Callback$/),
    });
    expect(answer(genuine)).toBe(204);

    // Repeats are acknowledged without being applied twice; a forged signature is refused and changes nothing.
    const duplicates = await sim.notify({ outTradeNo: order.outTradeNo as string, kind: 'duplicate', copies: 3 });
    expect(duplicates.map(answer)).toEqual([204, 204, 204]);
    const forged = await sim.notify({ outTradeNo: order.outTradeNo as string, kind: 'forged-signature' });
    expect(forged.map(answer)).toEqual([401]);
    expect((await get(`/orders/${id}`)).body).toMatchObject({ status: 'FULFILLED', fulfilledCount: 1 });
    expect((await post(`${sample.appUrl}/orders/${id}/pay`, {}, token)).status).toBe(409);

    const refund = await fetch(`${sample.appUrl}/orders/${id}/refund`, { method: 'POST', headers: { authorization: `Token ${token}` } });
    expect(refund.status).toBe(200);
    const accepted = (await refund.json()) as { outRefundNo: string };
    for (let i = 0; i < 200 && order.status !== 'REFUNDED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order = (await get(`/orders/${id}`)).body;
    }
    expect(order).toMatchObject({ status: 'REFUNDED', payStatus: 'REFUND', refundedFee: 1 });
    expect(sim.refund(accepted.outRefundNo)).toMatchObject({ apiVersion: 'v3' });
    // The order is REFUNDED once the app committed, a moment before its 204 reaches the simulator.
    const refundNotification = () => sim.notifications.find((n) => n.kind === 'refund' && n.variant === 'genuine');
    for (let i = 0; i < 100 && !refundNotification()?.acknowledged; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const refunded = refundNotification()!;
    expect(refunded).toMatchObject({ apiVersion: 'v3', acknowledged: true });
    expect(answer(refunded)).toBe(204);
  });
});

describe('sample app configuration', () => {
  it('defaults to simulator mode on ports 3000 and 3001 with SQLite in memory', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      simulatorPort: 3001,
      host: '127.0.0.1',
      mode: 'simulator',
      database: { type: 'better-sqlite3', database: ':memory:' },
    });
  });

  it('uses real WeChat when both credentials are set, and refuses only one of them', () => {
    expect(loadConfig({ WECHAT_APP_ID: 'wx1234567890abcdef', WECHAT_APP_SECRET: 's' })).toMatchObject({ mode: 'wechat' });
    expect(() => loadConfig({ WECHAT_APP_ID: 'wx1234567890abcdef' })).toThrow(/both/);
  });

  it('reads DATABASE_URL for PostgreSQL, MySQL/MariaDB and SQLite files', () => {
    expect(databaseOptions('postgres://u@127.0.0.1/db')).toMatchObject({ type: 'postgres', url: 'postgres://u@127.0.0.1/db' });
    expect(databaseOptions('mariadb://root@127.0.0.1/db')).toMatchObject({ type: 'mysql', url: 'mysql://root@127.0.0.1/db' });
    expect(databaseOptions('sqlite:./data/app.db')).toMatchObject({ type: 'better-sqlite3', database: './data/app.db' });
    expect(databaseOptions('./app.db')).toMatchObject({ type: 'better-sqlite3', database: './app.db' });
  });

  it('chooses the WeChat Pay API with WECHAT_PAY_API_VERSION (v2 by default) and the simulator v3 mode', () => {
    expect(loadConfig({})).toMatchObject({ payApiVersion: 'v2', simulatorPayV3Mode: undefined });
    expect(loadConfig({ WECHAT_PAY_API_VERSION: 'v3', SIMULATOR_PAY_V3_MODE: 'certificate' })).toMatchObject({
      payApiVersion: 'v3',
      simulatorPayV3Mode: 'certificate',
    });
    expect(() => loadConfig({ WECHAT_PAY_API_VERSION: 'V3' })).toThrow('WECHAT_PAY_API_VERSION must be v2 or v3, got "V3"');
    expect(() => loadConfig({ SIMULATOR_PAY_V3_MODE: 'cert' })).toThrow(/SIMULATOR_PAY_V3_MODE must be public-key or certificate/);
  });

  it('reads the API v3 credentials of a real merchant from the environment', () => {
    const real = {
      WECHAT_APP_ID: 'wx1234567890abcdef',
      WECHAT_APP_SECRET: 's',
      WECHAT_MCH_ID: '1900000109',
      WECHAT_NOTIFY_URL: 'https://x/cb',
    };
    const v3 = { ...real, WECHAT_PAY_API_VERSION: 'v3', WECHAT_PAY_V3_KEY: 'k'.repeat(32), WECHAT_PAY_PRIVATE_KEY_PATH: 'key.pem' };
    expect(loadConfig({ ...v3, WECHAT_PAY_SERIAL_NO: 'ABC' }).pay).toMatchObject({
      apiKey: undefined,
      v3: { apiV3Key: 'k'.repeat(32), privateKeyPath: 'key.pem', serialNo: 'ABC', publicKeyPath: undefined },
    });
    expect(
      loadConfig({ ...v3, WECHAT_PAY_SERIAL_NO: 'ABC', WECHAT_PAY_PUBLIC_KEY_PATH: 'pub.pem', WECHAT_PAY_PUBLIC_KEY_ID: 'PUB_KEY_ID_1' })
        .pay?.v3,
    ).toMatchObject({ publicKeyPath: 'pub.pem', publicKeyId: 'PUB_KEY_ID_1' });
    expect(() => loadConfig(v3)).toThrow(/WECHAT_PAY_SERIAL_NO/);
    expect(() => loadConfig({ ...v3, WECHAT_PAY_SERIAL_NO: 'ABC', WECHAT_PAY_PUBLIC_KEY_PATH: 'pub.pem' })).toThrow(/both/);
    expect(loadConfig(real).pay).toMatchObject({ apiKey: '' });
    expect(loadConfig(real).pay?.v3).toBeUndefined();
  });

  it('rejects a bad port', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});
