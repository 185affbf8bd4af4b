import { createVerify } from 'node:crypto';
import request from 'supertest';
import { MINI_PROGRAM_OPTIONS } from '../lib';
import type { ResolvedMiniProgramOptions } from '../lib';
import { pngImage } from '../lib/profile/image.spec-kit';
import { SIMULATOR_DEV_PUSH, SIMULATOR_DEV_V3, WeChatSimulator } from '../lib/testing';
import type { SimNotification, SimPush, SimShippingOrder, SimSubscribeMessage } from '../lib/testing';
import { startSampleApp, SampleApp } from '../sample-app/src/bootstrap';
import { databaseOptions, loadConfig } from '../sample-app/src/config';
import { createTestDatabase } from './utils/database';
import type { TestDatabase } from './utils/database';
import { sampleAppEnv } from './utils/platform';
import { miniProgramUser, post } from './utils/sample-user';
import { describeSampleAppMoney } from './sample-app-money.cases';

/** The id of the simulator's `付款成功通知` template of the development app. */
async function orderPaidTemplate(sample: SampleApp): Promise<string> {
  const res = await fetch(`${sample.wechatUrl}/__sim/subscribeTemplates?appId=wxdevsimulator0001`);
  const { templates } = (await res.json()) as { templates: Array<{ templateId: string; title: string; kind: string }> };
  const template = templates.find((t) => t.title === '付款成功通知');
  expect(template).toMatchObject({ kind: 'one-time' });
  return template!.templateId;
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

  it('uploads a paid pickup order as self-pickup, and completes it when WeChat settles: pay → uploaded → confirm receipt → COMPLETED', async () => {
    const user = await miniProgramUser(sample);
    const id = await user.paidOrder('Two coffees');
    const paid = await user.orderWhen(id, (o) => o.shippingUploaded);
    expect(paid).toMatchObject({ status: 'FULFILLED', paid: true, shippingUploaded: true, receiptConfirmedAt: null, settledAt: null });
    expect(paid.shippedAt).toEqual(expect.any(String));
    const transactionId = paid.transactionId!;

    // WeChat's side: shipped as self-pickup, the money frozen until the receipt is confirmed.
    const shipped = await user.sim<SimShippingOrder>('GET', `shipping?transactionId=${transactionId}`);
    expect(shipped.body).toMatchObject({
      orderState: 2,
      fundsFrozen: true,
      shipping: { logisticsType: 4, deliveryMode: 1, finishShipping: true, parcels: [{ itemDesc: 'Two coffees*1' }] },
    });
    // wx: the user confirms receipt; WeChat settles at once and pushes the settlement.
    const confirmed = await user.sim<{ order: SimShippingOrder; push: SimPush }>('POST', 'confirmReceive', { transactionId });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.order).toMatchObject({ orderState: 4, fundsFrozen: false, confirmReceiveMethod: 1 });
    // The settlement push was acknowledged, so the app committed it: the order is COMPLETED now, with the dates.
    expect(confirmed.body.push).toMatchObject({ acknowledged: true, message: { Event: 'trade_manage_order_settlement' } });
    expect(confirmed.body.push.attempts.map((a) => [a.status, a.body])).toEqual([[200, 'success']]);
    const completed = await user.order(id);
    expect(completed).toMatchObject({ status: 'COMPLETED', shippingUploaded: true });
    expect(new Date(completed.settledAt!).getTime()).toBeGreaterThanOrEqual(new Date(completed.shippedAt!).getTime());
    expect(completed.receiptConfirmedAt).toEqual(completed.settledAt);
    // Receipt is confirmed once: WeChat's side refuses a second confirmation of a settled order.
    expect((await user.sim('POST', 'confirmReceive', { transactionId })).status).toBe(409);

    // Both pushes of the order reached the app once each, in safe mode.
    const { pushes } = (await user.sim<{ pushes: SimPush[] }>('GET', 'pushes')).body;
    const ofOrder = pushes.filter((p) => p.message.transaction_id === transactionId);
    expect(ofOrder.map((p) => [p.message.settlement_time === undefined ? 'shipped' : 'settled', p.mode, p.acknowledged])).toEqual([
      ['shipped', 'safe', true],
      ['settled', 'safe', true],
    ]);
  });

  it('sends the order-paid message once the payment committed to a user who accepted it, one message per acceptance', async () => {
    const user = await miniProgramUser(sample);
    const templateId = await orderPaidTemplate(sample);
    expect(((await (await fetch(`${sample.appUrl}/console/config`)).json()) as Record<string, unknown>).orderPaidTemplateId).toBe(
      templateId,
    );

    // wx.requestSubscribeMessage: the user accepts; WeChat pushes the answer, the app records it before acknowledging.
    const consent = await user.sim<{ answers: Record<string, string>; pushes: SimPush[] }>('POST', 'subscribe', {
      openId: user.openId,
      templateIds: [templateId],
    });
    expect(consent.body.answers).toEqual({ [templateId]: 'accept' });
    expect(consent.body.pushes).toMatchObject([{ acknowledged: true, message: { Event: 'subscribe_msg_popup_event' } }]);

    const first = await user.orderWhen(await user.paidOrder('Pickup order', 1234), user.settledMessage);
    expect(first).toMatchObject({ status: 'FULFILLED', paidMessage: 'SENT', paidMessageDetail: null });
    const { messages } = (await user.sim<{ messages: SimSubscribeMessage[] }>('GET', `messages?openId=${user.openId}`)).body;
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      templateId,
      title: '付款成功通知',
      data: { thing1: 'Pickup order', amount2: '¥12.34', time3: expect.stringMatching(/^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/) },
    });

    // The one acceptance is used up: the record still says "accept", so WeChat is asked, and refuses (43101).
    const second = await user.orderWhen(await user.paidOrder(), user.settledMessage);
    expect(second).toMatchObject({ status: 'FULFILLED', paidMessage: 'REFUSED', paidMessageDetail: 'refused: errcode 43101' });
    expect((await user.sim<{ messages: unknown[] }>('GET', `messages?openId=${user.openId}`)).body.messages).toHaveLength(1);
  });

  it('skips the order-paid message of users who did not accept it, without asking WeChat', async () => {
    const sends = () => sample.simulator!.calls.filter((c) => c.path === '/cgi-bin/message/subscribe/send').length;
    const templateId = await orderPaidTemplate(sample);
    const never = await miniProgramUser(sample); // never saw the dialog
    const rejecting = await miniProgramUser(sample);
    const rejected = await rejecting.sim<{ answers: Record<string, string>; pushes: SimPush[] }>('POST', 'subscribe', {
      openId: rejecting.openId,
      templateIds: [templateId],
      accept: false,
    });
    expect(rejected.body).toMatchObject({ answers: { [templateId]: 'reject' }, pushes: [{ acknowledged: true }] });
    const before = sends();

    for (const user of [never, rejecting]) {
      const order = await user.orderWhen(await user.paidOrder(), (o) => user.settledMessage(o) && o.shippingUploaded);
      expect(order).toMatchObject({
        status: 'FULFILLED',
        shippingUploaded: true,
        paidMessage: 'SKIPPED',
        paidMessageDetail: 'not-accepted: the consent record has no acceptance',
      });
      expect((await user.sim<{ messages: unknown[] }>('GET', `messages?openId=${user.openId}`)).body.messages).toEqual([]);
    }
    expect(sends()).toBe(before);
  });

  it("saves the fill-in profile: a nickname checked at once, an avatar pending until WeChat pushes its verdict; the user's code", async () => {
    const user = await miniProgramUser(sample);
    const auth = `Token ${user.token}`;
    const profile = () => request(sample.appUrl).post('/miniprogram_auth/profile').set('Authorization', auth);
    const me = async () => (await request(sample.appUrl).get('/miniprogram_auth/me').set('Authorization', auth).expect(200)).body as Me;
    type Me = { id: number; nickName: string | null; avatarUrl: string | null; pendingAvatarUrl: string | null };
    /** The account once the pushed verdict has settled its pending avatar. */
    const settled = async () => {
      let account = await me();
      for (let i = 0; i < 250 && account.pendingAvatarUrl !== null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        account = await me();
      }
      return account;
    };
    const verdicts = (body: object) => user.sim('POST', 'securityVerdicts', body);
    const served = (url: string) => fetch(`${sample.appUrl}${new URL(url).pathname}`);

    try {
      // <input type="nickname">: WeChat passes it, it is saved at once.
      expect((await profile().field('nickName', 'Alice').expect(200)).body).toMatchObject({
        nickName: 'Alice',
        pending: { nickName: false, avatar: false },
      });
      // WeChat finds the next one risky: 422 with its label, nothing saved.
      expect((await verdicts({ text: [{ contains: 'Cheap pills', suggest: 'risky', label: 10001 }], delayMs: 50 })).status).toBe(200);
      const refused = await profile().field('nickName', 'Cheap pills').expect(422);
      expect(refused.body).toMatchObject({ statusCode: 422, field: 'nickName', suggest: 'risky', label: 10001 });
      expect((await me()).nickName).toBe('Alice');
      // A file that is no image is refused before anything is stored or checked.
      const checks = async () => ((await user.sim<{ checks: unknown[] }>('GET', 'securityChecks')).body.checks ?? []).length;
      const before = await checks();
      await profile().attach('avatar', Buffer.from('hello, I am no PNG'), 'avatar.png').expect(415);
      expect(await checks()).toBe(before);

      // open-type="chooseAvatar" and wx.uploadFile: stored, served at /avatars/, pending until WeChat's verdict is pushed.
      const png = pngImage(8, 8);
      const uploaded = await profile().field('nickName', 'Alice').attach('avatar', png, 'tmp_avatar.png').expect(200);
      const pendingUrl = uploaded.body.pendingAvatarUrl as string;
      expect(pendingUrl).toMatch(/\/avatars\/[0-9a-f]{64}\.png$/);
      expect(uploaded.body).toMatchObject({ avatarUrl: null, pending: { nickName: false, avatar: true } });
      const file = await served(pendingUrl);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe('image/png');
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await file.arrayBuffer()).equals(png)).toBe(true);
      // WeChat pushes pass: the avatar is shown.
      expect(await settled()).toMatchObject({ avatarUrl: pendingUrl, pendingAvatarUrl: null });

      // WeChat finds the next avatar risky: withdrawn, its file removed; the shown one stays.
      await verdicts({ media: [{ urlContains: '/avatars/', suggest: 'risky', label: 20002 }] });
      const risky = (await profile().attach('avatar', pngImage(9, 9), 'tmp_b.png').expect(200)).body.pendingAvatarUrl as string;
      expect(await settled()).toMatchObject({ avatarUrl: pendingUrl, pendingAvatarUrl: null });
      // The withdrawn file is removed after the verdict's commit, so it may outlive the account's update briefly; while
      // it goes, every answer is the file or a 404.
      const seen = [(await served(risky)).status];
      for (let i = 0; i < 250 && seen.at(-1) !== 404; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen.push((await served(risky)).status);
      }
      expect(seen.at(-1)).toBe(404);
      expect(seen.filter((status) => status !== 200 && status !== 404)).toEqual([]);
      expect((await served(pendingUrl)).status).toBe(200);
    } finally {
      await verdicts({ text: [], media: [], delayMs: 1000 });
    }

    // The user's mini program code: a PNG of the scene u=<account id>, for the page asked.
    const code = await fetch(`${sample.appUrl}/profile/code?page=pages/index/index`, { headers: { authorization: auth } });
    expect(code.status).toBe(200);
    expect(code.headers.get('content-type')).toBe('image/png');
    const image = Buffer.from(await code.arrayBuffer());
    expect(sample.simulator!.readCode(image)).toMatchObject({ scene: `u=${(await me()).id}`, page: 'pages/index/index' });
    expect((await fetch(`${sample.appUrl}/profile/code?page=pages/index/index`)).status).toBe(401);
    expect((await fetch(`${sample.appUrl}/profile/code?page=/pages/index`, { headers: { authorization: auth } })).status).toBe(400);
  });

  it('answers GET /health', async () => {
    const res = await fetch(`${sample.appUrl}/health`);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers cash back and the split with 409 on API v2: merchant transfers and profit sharing need v3', async () => {
    const user = await miniProgramUser(sample);
    const id = await user.paidOrder();
    expect(await user.orderWhen(id, (o) => o.paid)).toMatchObject({ paid: true, cashbackState: null, splitState: null });
    const cashback = await post(`${sample.appUrl}/orders/${id}/cashback`, {}, user.token);
    expect(cashback).toMatchObject({
      status: 409,
      body: { message: expect.stringMatching(/needs WeChat Pay API v3.*WECHAT_PAY_API_VERSION=v3/) },
    });
    const split = await post(`${sample.appUrl}/orders/${id}/split`, {}, user.token);
    expect(split).toMatchObject({ status: 409, body: { message: expect.stringMatching(/^Profit sharing needs WeChat Pay API v3/) } });
    expect(sample.simulator!.calls.filter((c) => c.path.startsWith('/v3/'))).toEqual([]);
  });
});

describeSampleAppMoney();

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
  it('defaults to simulator mode on Fastify, ports 3000 and 3001, with SQLite in memory', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      simulatorPort: 3001,
      host: '127.0.0.1',
      mode: 'simulator',
      platform: 'fastify',
      database: { type: 'better-sqlite3', database: ':memory:' },
    });
    expect(loadConfig({ HTTP_PLATFORM: 'express' }).platform).toBe('express');
    expect(() => loadConfig({ HTTP_PLATFORM: 'koa' })).toThrow(/HTTP_PLATFORM/);
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

  it('reads the message push of a real mini program (both values or neither) and the order-paid template', () => {
    const real = { WECHAT_APP_ID: 'wx1234567890abcdef', WECHAT_APP_SECRET: 's' };
    expect(loadConfig(real)).toMatchObject({ push: undefined, orderPaidTemplateId: undefined });
    expect(loadConfig({ ...real, WECHAT_PUSH_TOKEN: 'Token123', WECHAT_PUSH_AES_KEY: 'k'.repeat(43) }).push).toEqual({
      token: 'Token123',
      encodingAesKey: 'k'.repeat(43),
    });
    expect(() => loadConfig({ ...real, WECHAT_PUSH_TOKEN: 'Token123' })).toThrow(/both WECHAT_PUSH_TOKEN and WECHAT_PUSH_AES_KEY/);
    expect(() => loadConfig({ ...real, WECHAT_PUSH_AES_KEY: 'k'.repeat(43) })).toThrow(/both/);
    // Simulator mode uses the simulator's push values; these are real WeChat's only.
    expect(loadConfig({ WECHAT_PUSH_TOKEN: 'Token123' }).push).toBeUndefined();
    expect(loadConfig({ WECHAT_ORDER_PAID_TEMPLATE_ID: 'tpl_-1' }).orderPaidTemplateId).toBe('tpl_-1');
    expect(() => loadConfig({ WECHAT_ORDER_PAID_TEMPLATE_ID: 'not a template' })).toThrow(/WECHAT_ORDER_PAID_TEMPLATE_ID/);
  });

  it('reads the avatars of a real mini program (AVATAR_DIR and AVATAR_BASE_URL, both or neither, with push)', () => {
    const real = { WECHAT_APP_ID: 'wx1234567890abcdef', WECHAT_APP_SECRET: 's' };
    const push = { WECHAT_PUSH_TOKEN: 'Token123', WECHAT_PUSH_AES_KEY: 'k'.repeat(43) };
    const avatars = { AVATAR_DIR: '/var/lib/app/avatars', AVATAR_BASE_URL: 'https://api.example.com/avatars' };
    expect(loadConfig({ ...real, ...push }).avatars).toBeUndefined();
    expect(loadConfig({ ...real, ...push, ...avatars }).avatars).toEqual({
      directory: '/var/lib/app/avatars',
      baseUrl: 'https://api.example.com/avatars',
    });
    expect(() => loadConfig({ ...real, ...push, AVATAR_DIR: '/tmp/a' })).toThrow(/both AVATAR_DIR and AVATAR_BASE_URL/);
    expect(() => loadConfig({ ...real, ...push, ...avatars, AVATAR_BASE_URL: 'api.example.com/avatars' })).toThrow(/AVATAR_BASE_URL/);
    expect(() => loadConfig({ ...real, ...avatars })).toThrow(/AVATAR_DIR needs WECHAT_PUSH_TOKEN/);
    // Simulator mode keeps the avatars in a temporary directory of its own.
    expect(loadConfig(avatars).avatars).toBeUndefined();
  });

  it('rejects a bad port', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});

/** With real credentials nothing is called at startup, so the configuration the app gets can be checked offline. */
describe('sample app with real WeChat credentials: message push, and what depends on it, from the environment', () => {
  const real = {
    WECHAT_APP_ID: 'wx1234567890abcdef',
    WECHAT_APP_SECRET: '0123456789abcdef0123456789abcdef',
  };

  async function started(extra: NodeJS.ProcessEnv) {
    const sample = await startSampleApp(loadConfig(sampleAppEnv({ ...real, ...extra })), false);
    try {
      const options = sample.app.get<ResolvedMiniProgramOptions>(MINI_PROGRAM_OPTIONS);
      const config = (await (await fetch(`${sample.appUrl}/console/config`)).json()) as Record<string, unknown>;
      const push = await fetch(`${sample.appUrl}/miniprogram_auth/wechatPush?signature=x&timestamp=1&nonce=n&echostr=e`);
      return { options, config, pushStatus: push.status };
    } finally {
      await sample.close();
    }
  }

  it('without WECHAT_PUSH_TOKEN: no push, so no automatic upload and no consent record (nothing would complete or fill them)', async () => {
    const { options, pushStatus } = await started({});
    expect(options.push).toBeUndefined();
    expect(options.shipping?.autoUpload).toBeUndefined();
    expect(options.subscribe?.recordConsent ?? false).toBe(false);
    expect(pushStatus).toBe(404);
  });

  const push = { WECHAT_PUSH_TOKEN: 'SampleToken123', WECHAT_PUSH_AES_KEY: SIMULATOR_DEV_PUSH.encodingAesKey };
  const pay = { WECHAT_MCH_ID: '1900000109', WECHAT_API_KEY: 'k'.repeat(32), WECHAT_NOTIFY_URL: 'https://api.example.com/cb' };

  it('with WECHAT_PUSH_TOKEN and WECHAT_PUSH_AES_KEY: push in safe mode, self-pickup uploads, the consent record', async () => {
    const { options, config, pushStatus } = await started({ ...push, ...pay, WECHAT_ORDER_PAID_TEMPLATE_ID: 'realTemplate_0001' });
    expect(options.push).toMatchObject({ token: 'SampleToken123', encodingAesKey: SIMULATOR_DEV_PUSH.encodingAesKey });
    expect(options.shipping?.autoUpload).toMatchObject({ logisticsType: 4 });
    expect(options.subscribe).toEqual({ recordConsent: true });
    expect(config).toMatchObject({ mode: 'wechat', orderPaidTemplateId: 'realTemplate_0001' });
    expect(pushStatus).toBe(401); // the route is there, and checks the signature
  });

  it('with push but without WeChat Pay: the consent record, and no uploads (there are no paid orders)', async () => {
    const { options, config } = await started(push);
    expect(options.push).toBeDefined();
    expect(options.shipping?.autoUpload).toBeUndefined();
    expect(options.subscribe).toEqual({ recordConsent: true });
    expect(config).toMatchObject({ orderPaidTemplateId: null });
  });

  it('with WeChat Pay but without push: no automatic upload either', async () => {
    const { options } = await started(pay);
    expect(options.push).toBeUndefined();
    expect(options.shipping?.autoUpload).toBeUndefined();
  });
});

/** Several app instances share one simulator (`SIMULATOR_URL`): the app points the simulator's push at itself. */
describe('sample app with a shared simulator (SIMULATOR_URL)', () => {
  let sim: WeChatSimulator;
  let sample: SampleApp;

  beforeAll(async () => {
    sim = new WeChatSimulator({ port: 0, payPort: 0 });
    await sim.start();
    sample = await startSampleApp(loadConfig(sampleAppEnv({ SIMULATOR_URL: sim.url, SIMULATOR_PAY_URL: sim.payUrl })), false);
  });
  afterAll(async () => {
    await sample?.close();
    await sim?.stop();
  });

  it('configures the push over POST /__sim/pushConfig and reads the template with GET /__sim/subscribeTemplates', async () => {
    expect(sample.simulator).toBeUndefined();
    expect(sim.pushConfigs).toEqual([
      expect.objectContaining({
        appId: 'wxdevsimulator0001',
        url: `${sample.appUrl.replace('localhost', '127.0.0.1')}/miniprogram_auth/wechatPush`,
        format: 'json',
        mode: 'safe',
      }),
    ]);
    const templateId = await orderPaidTemplate(sample);
    const user = await miniProgramUser(sample);
    await user.sim('POST', 'subscribe', { openId: user.openId, templateIds: [templateId] });
    const id = await user.paidOrder();
    const paid = await user.orderWhen(id, (o) => user.settledMessage(o) && o.shippingUploaded);
    expect(paid).toMatchObject({ paidMessage: 'SENT', shippingUploaded: true });
    await user.sim('POST', 'confirmReceive', { transactionId: paid.transactionId });
    expect(await user.order(id)).toMatchObject({ status: 'COMPLETED' });
  });
});
