import { constants, createHash, createPublicKey, privateDecrypt } from 'node:crypto';
import {
  PayOrder,
  PayOrderStateError,
  PayRefund,
  WeChatPayError,
  WeChatPayInputError,
  WeChatPayService,
  WeChatPayV3Api,
  payV3Message,
  verifyPayV3,
} from '../lib';
import { WeChatPayV3Client } from '../lib/pay/v3/wechat-pay-v3.client';
import type { MiniProgramPayOptions } from '../lib';
import { SIMULATOR_DEV_MERCHANT, SIMULATOR_DEV_V3, simulatorDevV3Options, WeChatSimulator } from '../lib/testing';
import type { SimPayV3Mode } from '../lib/testing';
import { PayEventsProbe } from './src/pay-events.probe';
import { freePort, Harness, simulatorPayOptions, startHarness, testDbEngine } from './utils/harness';
import { deepJson } from './utils/hostile';
import { registerPemSecret, registerSecret, suiteLogs } from './utils/log-guard';

async function until<T>(probe: () => T | Promise<T>, ms = 5000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Delivery = { acknowledged: boolean; attempts: Array<{ status: number; body: string }> };

/** Sends notification variants through the simulator's control API, as any client could. */
async function control(sim: WeChatSimulator, path: string, body: unknown): Promise<{ status: number; body: Delivery[] }> {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { notifications?: Delivery[] };
  return { status: res.status, body: json.notifications ?? [] };
}

/** v2 and v3 both configured, v3 by default; public-key mode verifies with the WeChat Pay public key. */
function v3PayOptions(sim: WeChatSimulator, port: number, mode: SimPayV3Mode): MiniProgramPayOptions {
  registerSecret(SIMULATOR_DEV_V3.apiV3Key);
  registerPemSecret(SIMULATOR_DEV_V3.merchantPrivateKey);
  return simulatorPayOptions(sim, port, {
    apiVersion: 'v3',
    // The merchant API certificate: the v3 signing key's, and the client certificate of v2 calls alike.
    clientCert: { cert: SIMULATOR_DEV_V3.merchantCertificate, key: SIMULATOR_DEV_V3.merchantPrivateKey },
    v3: simulatorDevV3Options(mode),
  });
}

/** Notification variants the app must refuse, with the status it answers (401: signature or timestamp; 400: content). */
const REFUSED_VARIANTS = [
  ['forged-signature', 401],
  ['missing-signature', 401],
  ['stale-timestamp', 401],
  ['unknown-serial', 401],
  ['wrong-key', 400],
  ['wrong-amount', 400],
  ['wrong-mchid', 400],
] as const;

describe.each(['public-key', 'certificate'] as const)(`WeChat Pay v3, %s mode (fixture host + simulator + ${testDbEngine()})`, (mode) => {
  let sim: WeChatSimulator;
  let h: Harness;
  let pay: WeChatPayService;
  let probe: PayEventsProbe;
  let openId: string;

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0005, refundDelayMs: 200, payV3Mode: mode });
    await sim.start();
    const port = await freePort();
    h = await startHarness({ sim, port, providers: [PayEventsProbe], options: { pay: v3PayOptions(sim, port, mode) } });
    pay = h.app.get(WeChatPayService);
    probe = h.app.get(PayEventsProbe);
    openId = (await h.login()).openId;
  });
  afterAll(async () => {
    await h.close();
    await sim.stop();
  });

  const orders = () => h.dataSource.getRepository(PayOrder);
  const refunds = () => h.dataSource.getRepository(PayRefund);
  const prepayOf = (pkg: string) => pkg.slice('prepay_id='.length);
  const paidEvents = (order: PayOrder) => probe.paid.filter((e) => e.order.id === order.id);

  it('creates a payment whose wx.requestPayment parameters are RSA-signed with the merchant key', async () => {
    const { order, params, reusedPrepayId } = await pay.createJsapiPayment({ body: 'Pickup order', totalFee: 101, openId });
    expect(reusedPrepayId).toBe(false);
    expect(Object.keys(params).sort()).toEqual(['nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
    expect(params.signType).toBe('RSA');
    expect(params.package).toBe(`prepay_id=${order.prepayId}`);
    const merchantKey = createPublicKey(SIMULATOR_DEV_V3.merchantCertificate);
    const message = payV3Message(SIMULATOR_DEV_MERCHANT.appId, params.timeStamp, params.nonceStr, params.package);
    expect(verifyPayV3(message, params.paySign, merchantKey)).toBe(true);
    const row = await orders().findOneByOrFail({ id: order.id });
    expect(row).toMatchObject({ status: 'NOTPAY', paid: false, prepayApiVersion: 'v3' });
    // A stored v3 prepay_id is reused and signed the v3 way.
    const again = await pay.createJsapiPayment({ order: row, body: 'Pickup order', totalFee: 101, openId });
    expect(again.reusedPrepayId).toBe(true);
    expect(again.params.signType).toBe('RSA');
  });

  it.each([
    ['U+0000 in the description', { body: 'Pickup\u0000order' }],
    ['ESC in the description', { body: 'Pickup \u001b[31morder' }],
    ['a control character in attach', { attach: 'a\u0007b' }],
  ])('refuses %s with WeChatPayInputError: nothing stored, nothing sent', async (_name, patch) => {
    const calls = sim.calls.length;
    const stored = await orders().count();
    await expect(pay.createJsapiPayment({ body: 'x', totalFee: 1, openId, ...patch })).rejects.toBeInstanceOf(WeChatPayInputError);
    await expect(
      h.app.get(WeChatPayV3Api).jsapi({ outTradeNo: 'CTRL000002', description: 'a\u0000b', total: 1, openId }),
    ).rejects.toBeInstanceOf(WeChatPayInputError);
    expect(sim.calls.length).toBe(calls);
    expect(await orders().count()).toBe(stored);
  });

  it('pay → v3 notification marks the order paid once; duplicates and replays are acknowledged without re-processing', async () => {
    const { order, params } = await pay.createJsapiPayment({ body: 'Pickup order', totalFee: 202, openId });
    await sim.pay({ prepayId: prepayOf(params.package) });
    const paid = await until(async () => {
      const row = await orders().findOneByOrFail({ id: order.id });
      return row.paid ? row : null;
    });
    expect(paid).toMatchObject({ status: 'SUCCESS', totalFee: 202 });
    expect(paid.transactionId).toMatch(/^\d+$/);
    expect(paid.paidAt).toBeInstanceOf(Date);
    await until(() => sim.notifications.find((n) => n.outTradeNo === order.outTradeNo && n.kind === 'pay')?.acknowledged);
    const events = paidEvents(order);
    expect(events).toHaveLength(1);
    expect(events[0].notification).toMatchObject({ outTradeNo: order.outTradeNo, totalFee: 202, openId });
    expect(events[0].notification.raw.amount).toMatchObject({ total: 202 });

    for (const kind of ['duplicate', 'replay']) {
      const res = await control(sim, '/__sim/notify', { outTradeNo: order.outTradeNo, kind, copies: 5 });
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(5);
    }
    const variants = () => sim.notifications.filter((n) => n.outTradeNo === order.outTradeNo && n.variant !== 'genuine');
    await until(() => variants().length === 10 && variants().every((n) => n.done));
    for (const delivery of variants()) expect(delivery.attempts.map((a) => a.status)).toEqual([204]);
    expect(paidEvents(order)).toHaveLength(1);
  });

  it('answers 500 while the handler fails (writes rolled back), and processes the redelivery once', async () => {
    const { order, params } = await pay.createJsapiPayment({ body: 'Pickup order', totalFee: 251, openId });
    probe.failPaid = 1;
    try {
      await sim.pay({ prepayId: prepayOf(params.package) });
      await until(() => sim.notifications.find((n) => n.outTradeNo === order.outTradeNo && n.kind === 'pay')?.acknowledged);
    } finally {
      probe.failPaid = 0;
    }
    const delivery = sim.notifications.find((n) => n.outTradeNo === order.outTradeNo && n.kind === 'pay')!;
    expect(delivery.attempts[0].status).toBe(500);
    expect(delivery.attempts.at(-1)?.status).toBe(204);
    expect((await orders().findOneByOrFail({ id: order.id })).paid).toBe(true);
    expect(paidEvents(order)).toHaveLength(1);
  });

  it.each(REFUSED_VARIANTS)('answers a %s notification %i and changes nothing', async (kind, status) => {
    const { order } = await pay.createJsapiPayment({ body: 'Pickup order', totalFee: 303, openId });
    const before = await orders().findOneByOrFail({ id: order.id });
    const res = await control(sim, '/__sim/notify', { outTradeNo: order.outTradeNo, kind });
    expect(res.status).toBe(200);
    await until(() => sim.notifications.find((n) => n.outTradeNo === order.outTradeNo && n.variant === kind)?.attempts[0]?.status);
    const delivery = sim.notifications.find((n) => n.outTradeNo === order.outTradeNo && n.variant === kind)!;
    expect(delivery.attempts[0].status).toBe(status);
    expect(JSON.parse(delivery.attempts[0].body)).toMatchObject({ code: 'FAIL' });
    expect(delivery.acknowledged).toBe(false);
    expect(await orders().findOneByOrFail({ id: order.id })).toEqual(before);
    expect(paidEvents(order)).toHaveLength(0);
  });

  it('rejects a WECHATPAY/SIGNTEST/ probe and a notification without headers', async () => {
    const body = JSON.stringify({ id: 'probe', resource: {} });
    const ts = String(Math.floor(Date.now() / 1000));
    const serial = mode === 'public-key' ? SIMULATOR_DEV_V3.publicKeyId : SIMULATOR_DEV_V3.platformSerialNo;
    await h
      .http()
      .post('/miniprogram_auth/wechatPayV3Callback')
      .set('content-type', 'application/json')
      .set('Wechatpay-Timestamp', ts)
      .set('Wechatpay-Nonce', 'abc')
      .set('Wechatpay-Serial', serial)
      .set('Wechatpay-Signature', 'WECHATPAY/SIGNTEST/abcdef')
      .send(body)
      .expect(401)
      .expect((res) => expect(res.body).toMatchObject({ code: 'FAIL' }));
    await h.http().post('/miniprogram_auth/wechatPayV3Callback').set('content-type', 'application/json').send(body).expect(401);
  });

  it.each([
    ['72 KB nested 12,000 levels deep', () => deepJson(12_000, 'a')],
    ['30 KB nested 5,000 levels deep', () => deepJson(5_000, 'a')],
  ])('refuses a notification body of %s without rebuilding it, and logs no error', async (_label, body) => {
    const logged = suiteLogs.length;
    const res = await h
      .http()
      .post('/miniprogram_auth/wechatPayV3Callback')
      .set('content-type', 'application/json')
      .set('Wechatpay-Timestamp', String(Math.floor(Date.now() / 1000)))
      .set('Wechatpay-Nonce', 'abc')
      .set('Wechatpay-Serial', SIMULATOR_DEV_V3.publicKeyId)
      .set('Wechatpay-Signature', 'c2lnbmF0dXJl')
      .send(body());
    expect([400, 413]).toContain(res.status);
    if (res.status === 400) expect(res.body).toMatchObject({ code: 'FAIL' });
    expect(suiteLogs.slice(logged).filter((line) => line.startsWith('ERROR'))).toEqual([]);
  });

  it('syncOrder learns a payment through v3 and shares the exactly-once transition with the notification', async () => {
    const { order, params } = await pay.createJsapiPayment({ body: 'Pickup order', totalFee: 404, openId });
    await sim.pay({ prepayId: prepayOf(params.package) });
    const synced = await pay.syncOrder(order.id);
    expect(synced).toMatchObject({ paid: true, status: 'SUCCESS' });
    await until(() => sim.notifications.find((n) => n.outTradeNo === order.outTradeNo && n.kind === 'pay')?.acknowledged);
    expect(paidEvents(order)).toHaveLength(1);
    const query = await pay.v3.queryOrder({ outTradeNo: order.outTradeNo });
    expect(query).toMatchObject({ tradeState: 'SUCCESS', totalFee: 404, outTradeNo: order.outTradeNo, openId });
    expect(query.successTime).toBeInstanceOf(Date);
    const byId = await pay.v3.queryOrder({ transactionId: synced.transactionId! });
    expect(byId.outTradeNo).toBe(order.outTradeNo);
  });

  it('refunds through v3 and settles the PayRefund once by the refund notification', async () => {
    const { order, params } = await pay.createJsapiPayment({ body: 'Pickup order', totalFee: 505, openId });
    await sim.pay({ prepayId: prepayOf(params.package) });
    await until(async () => (await orders().findOneByOrFail({ id: order.id })).paid);
    const refund = await pay.refundOrder({ order: order.id, refundFee: 200 });
    expect(refund).toMatchObject({ refundFee: 200, orderId: order.id });
    expect(refund.refundId).toBeTruthy();
    const settled = await until(async () => {
      const row = await refunds().findOneByOrFail({ id: refund.id });
      return row.status === 'SUCCESS' ? row : null;
    });
    expect(settled.successAt).toBeInstanceOf(Date);
    expect(await orders().findOneByOrFail({ id: order.id })).toMatchObject({ refundedFee: 200, status: 'REFUND' });
    expect(probe.refunds.filter((e) => e.refund.id === refund.id)).toHaveLength(1);
    const dup = await control(sim, '/__sim/refundNotify', { outRefundNo: refund.outRefundNo, kind: 'duplicate', copies: 3 });
    expect(dup.status).toBe(200);
    await until(() =>
      sim.notifications.filter((n) => n.outRefundNo === refund.outRefundNo && n.variant === 'duplicate').every((n) => n.done),
    );
    expect(probe.refunds.filter((e) => e.refund.id === refund.id)).toHaveLength(1);
    const queried = await pay.v3.queryRefund(refund.outRefundNo);
    expect(queried).toMatchObject({ status: 'SUCCESS', refundFee: 200, outRefundNo: refund.outRefundNo });
  });

  it.each([...REFUSED_VARIANTS, ['replay', 204] as const])(
    'answers a %s refund notification %i and settles nothing again',
    async (kind, status) => {
      const { order, params } = await pay.createJsapiPayment({ body: 'Pickup order', totalFee: 515, openId });
      await sim.pay({ prepayId: prepayOf(params.package) });
      await until(async () => (await orders().findOneByOrFail({ id: order.id })).paid);
      const refund = await pay.refundOrder({ order: order.id, refundFee: 100 });
      await until(async () => (await refunds().findOneByOrFail({ id: refund.id })).status === 'SUCCESS');
      const before = {
        order: await orders().findOneByOrFail({ id: order.id }),
        refund: await refunds().findOneByOrFail({ id: refund.id }),
      };
      const res = await control(sim, '/__sim/refundNotify', { outRefundNo: refund.outRefundNo, kind });
      expect(res.status).toBe(200);
      const delivery = await until(() =>
        sim.notifications.find((n) => n.outRefundNo === refund.outRefundNo && n.variant === kind && n.attempts.length > 0),
      );
      expect(delivery.attempts[0].status).toBe(status);
      if (status !== 204) expect(JSON.parse(delivery.attempts[0].body)).toMatchObject({ code: 'FAIL' });
      expect(await orders().findOneByOrFail({ id: order.id })).toEqual(before.order);
      expect(await refunds().findOneByOrFail({ id: refund.id })).toEqual(before.refund);
      expect(probe.refunds.filter((e) => e.refund.id === refund.id)).toHaveLength(1);
    },
  );

  it('closes an order through v3', async () => {
    const { order } = await pay.createJsapiPayment({ body: 'Pickup order', totalFee: 606, openId });
    await pay.v3.closeOrder(order.outTradeNo);
    expect((await pay.v3.queryOrder({ outTradeNo: order.outTradeNo })).tradeState).toBe('CLOSED');
    expect((await pay.syncOrder(order)).status).toBe('CLOSED');
  });

  it('maps v3 error answers to WeChatPayError with code, message and HTTP status', async () => {
    const error = await pay.v3.queryOrder({ outTradeNo: 'nosuchorder1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatPayError);
    expect(error).toMatchObject({ errCode: 'ORDER_NOT_EXIST', httpStatus: 404 });
  });

  it('calls any v3 API through the generic signed request: answers verified, errors typed, SYSTEM_ERROR retried', async () => {
    const { order } = await pay.createJsapiPayment({ body: 'Generic request', totalFee: 616, openId });
    const mchId = SIMULATOR_DEV_MERCHANT.mchId;
    const path = `/v3/pay/transactions/out-trade-no/${order.outTradeNo}?mchid=${mchId}`;
    sim.addFault({ path: `/v3/pay/transactions/out-trade-no/${order.outTradeNo}`, payErrCode: 'SYSTEMERROR', count: 1 });
    const query = await pay.v3.request<{ trade_state: string; out_trade_no: string }>('GET', path);
    expect(query).toMatchObject({ status: 200, data: { trade_state: 'NOTPAY', out_trade_no: order.outTradeNo } });
    expect(sim.faults).toEqual([]);
    const closed = await pay.v3.request('POST', `/v3/pay/transactions/out-trade-no/${order.outTradeNo}/close`, { mchid: mchId });
    expect(closed).toEqual({ status: 204, data: {} });
    expect((await pay.v3.request('GET', path)).data.trade_state).toBe('CLOSED');
    await expect(pay.v3.request('GET', `/v3/pay/transactions/out-trade-no/nosuchorder2?mchid=${mchId}`)).rejects.toMatchObject({
      name: 'WeChatPayError',
      errCode: 'ORDER_NOT_EXIST',
      httpStatus: 404,
    });
  });

  it.each([
    ['a path outside /v3/', 'GET', '/pay/orderquery', undefined],
    ['a dot segment', 'GET', '/v3/pay/../certificates', undefined],
    ['a double slash', 'GET', '/v3//pay', undefined],
    ['a fragment', 'GET', '/v3/pay#x', undefined],
    ['a space', 'GET', '/v3/pay x', undefined],
    ['an absolute URL', 'GET', 'https://evil.example/v3/pay', undefined],
    ['an unknown method', 'TRACE', '/v3/pay', undefined],
    ['a GET with a body', 'GET', '/v3/pay', { a: 1 }],
    ['a body that is an array', 'POST', '/v3/pay', [1]],
  ])('refuses a generic request with %s before anything is sent', async (_name, method, path, body) => {
    const calls = sim.calls.length;
    await expect(pay.v3.request(method as 'GET', path, body as Record<string, unknown> | undefined)).rejects.toBeInstanceOf(
      WeChatPayInputError,
    );
    expect(sim.calls.length).toBe(calls);
  });

  it('downloads the trade and fund flow bills and checks their SHA1', async () => {
    const bill = await pay.v3.tradeBill({ billDate: new Date() });
    expect(bill.hashType).toBe('SHA1');
    expect(createHash('sha1').update(bill.data).digest('hex')).toBe(bill.hashValue.toLowerCase());
    expect(bill.text.length).toBeGreaterThan(0);
    const flow = await pay.v3.fundFlowBill({ billDate: new Date() });
    expect(createHash('sha1').update(flow.data).digest('hex')).toBe(flow.hashValue.toLowerCase());
  });

  it('encrypts sensitive fields for WeChat Pay', async () => {
    const field = await pay.v3.encryptSensitive('张三');
    expect(field.serial).toBe(mode === 'public-key' ? SIMULATOR_DEV_V3.publicKeyId : SIMULATOR_DEV_V3.platformSerialNo);
    // Only the holder of WeChat's private key opens it: RSA-OAEP with SHA-1, as WeChat Pay specifies.
    const wechatKey = mode === 'public-key' ? SIMULATOR_DEV_V3.wechatPayPrivateKey : SIMULATOR_DEV_V3.platformPrivateKey;
    const opened = privateDecrypt(
      { key: wechatKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(field.ciphertext, 'base64'),
    );
    expect(opened.toString('utf8')).toBe('张三');
  });

  it.each(['v2', 'v3'] as const)('runs the same business code with apiVersion %s', async (apiVersion) => {
    const { order, params } = await pay.createJsapiPayment({ body: 'Same code', totalFee: 707, openId, apiVersion });
    expect(params.signType).toBe(apiVersion === 'v3' ? 'RSA' : 'MD5');
    expect((await orders().findOneByOrFail({ id: order.id })).prepayApiVersion).toBe(apiVersion);
    await sim.pay({ prepayId: prepayOf(params.package) });
    const paid = await until(async () => {
      const row = await orders().findOneByOrFail({ id: order.id });
      return row.paid ? row : null;
    });
    expect(paid).toMatchObject({ status: 'SUCCESS', totalFee: 707 });
    expect(paidEvents(order)).toHaveLength(1);
    expect((await pay.syncOrder(order, { apiVersion })).paid).toBe(true);
    const refund = await pay.refundOrder({ order: order.id, apiVersion });
    expect(refund.refundFee).toBe(707);
    await until(async () => (await refunds().findOneByOrFail({ id: refund.id })).status === 'SUCCESS');
    expect(await orders().findOneByOrFail({ id: order.id })).toMatchObject({ refundedFee: 707, status: 'REFUND' });
  });

  it.each(['v2', 'v3'] as const)(
    'closes a PayOrder with the same high-level call through %s, then pays it under a new out_trade_no',
    async (apiVersion) => {
      const { order } = await pay.createJsapiPayment({ body: 'Close me', totalFee: 717, openId, apiVersion });
      const closed = await pay.closePayOrder(order.id, { apiVersion });
      expect(closed).toMatchObject({ id: order.id, status: 'CLOSED', paid: false, prepayId: null, outTradeNo: order.outTradeNo });
      expect(sim.order(order.outTradeNo)?.tradeState).toBe('CLOSED');
      // Closing again only marks it.
      expect((await pay.closePayOrder(order.outTradeNo, { apiVersion })).status).toBe('CLOSED');
      const again = await pay.createJsapiPayment({ order: closed, body: 'Close me', totalFee: 717, openId, apiVersion });
      expect(again.order.id).toBe(order.id);
      expect(again.order.outTradeNo).not.toBe(order.outTradeNo);
      await sim.pay({ prepayId: prepayOf(again.params.package) });
      await until(async () => (await orders().findOneByOrFail({ id: order.id })).paid);
      const refused = await pay.closePayOrder(order.id, { apiVersion }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(PayOrderStateError);
      expect((await orders().findOneByOrFail({ id: order.id })).status).toBe('SUCCESS');
    },
  );

  if (mode === 'certificate') {
    it('downloads the rotated platform certificate when answers name an unknown serial', async () => {
      await pay.v3.queryOrder({ outTradeNo: (await pay.createJsapiPayment({ body: 'Rotate', totalFee: 808, openId })).order.outTradeNo });
      sim.setPayV3({ rotate: true });
      const { order } = await pay.createJsapiPayment({ body: 'Rotate', totalFee: 809, openId });
      expect((await pay.v3.queryOrder({ outTradeNo: order.outTradeNo })).tradeState).toBe('NOTPAY');
      expect(sim.payV3Settings.serial).toBe(SIMULATOR_DEV_V3.nextPlatformSerialNo);
      expect(h.app.get(WeChatPayV3Client).platformCertificateSerials()).toContain(SIMULATOR_DEV_V3.nextPlatformSerialNo);
    });
  }
});
