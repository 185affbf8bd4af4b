import { randomBytes, randomUUID } from 'node:crypto';
import { encryptPayV3Resource, PayOrder, PayRefund, payV3Message, signPayV3, WeChatPayError, WeChatPayService } from '../lib';
import type { MiniProgramPayOptions } from '../lib';
import { PayLedger } from '../lib/pay/pay-ledger';
import {
  SIMULATOR_DEV_APP,
  SIMULATOR_DEV_CERTIFICATES,
  SIMULATOR_DEV_MERCHANT,
  SIMULATOR_DEV_V3,
  simulatorDevV3Options,
  WeChatSimulator,
} from '../lib/testing';
import { PayEventsProbe } from './src/pay-events.probe';
import { until } from './src/pay-fixture';
import { freePort, Harness, startHarness, testDbEngine } from './utils/harness';
import { deepJson } from './utils/hostile';
import { registerPemSecret, registerSecret, suiteLogs } from './utils/log-guard';

/**
 * A merchant given APIv3 credentials only (no API v2 key, no client certificate), as WeChat Pay issues them today, on a
 * host that keeps raw bodies (`rawBody: true`): the same business calls as with v2, with nothing else configured.
 */
function v3OnlyPayOptions(sim: WeChatSimulator, port: number): MiniProgramPayOptions {
  registerSecret(SIMULATOR_DEV_V3.apiV3Key);
  registerPemSecret(SIMULATOR_DEV_V3.merchantPrivateKey);
  return {
    mchId: SIMULATOR_DEV_MERCHANT.mchId,
    baseUrl: sim.payUrl,
    ca: SIMULATOR_DEV_CERTIFICATES.ca,
    v3: simulatorDevV3Options('public-key', { notifyUrl: `http://127.0.0.1:${port}/miniprogram_auth/wechatPayV3Callback` }),
  };
}

/**
 * A payment notification for a paid order, built and signed here with the simulator's WeChat Pay key, its body
 * serialised with `spacing` (WeChat's bodies are compact; any byte of the body is covered by the signature).
 */
function signedPaymentNotification(order: PayOrder, openId: string, spacing: number): { body: string; headers: Record<string, string> } {
  const plain = {
    mchid: SIMULATOR_DEV_MERCHANT.mchId,
    appid: SIMULATOR_DEV_APP.appId,
    out_trade_no: order.outTradeNo,
    transaction_id: order.transactionId,
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: '',
    success_time: new Date().toISOString().replace(/\.\d+Z$/, '+00:00'),
    payer: { openid: openId },
    amount: { total: order.totalFee, payer_total: order.totalFee, currency: 'CNY', payer_currency: 'CNY' },
  };
  const envelope = {
    id: randomUUID(),
    create_time: new Date().toISOString(),
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: encryptPayV3Resource(JSON.stringify(plain), SIMULATOR_DEV_V3.apiV3Key),
  };
  const body = JSON.stringify(envelope, null, spacing);
  return { body, headers: signedHeaders(body) };
}

/** The headers of a notification `body` signed now with the simulator's WeChat Pay key. */
function signedHeaders(body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  return {
    'content-type': 'application/json',
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-serial': SIMULATOR_DEV_V3.publicKeyId,
    'wechatpay-signature': signPayV3(payV3Message(timestamp, nonce, body), SIMULATOR_DEV_V3.wechatPayPrivateKey),
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

/**
 * Deeply nested notification bodies, validly signed: refused with 400 (or 413 past the size limit) whether the host
 * keeps raw bodies or not, never rebuilt from the parsed body, and no error logged.
 */
function refusesDeepSignedBodies(harness: () => Harness): void {
  it.each([
    ['72 KB nested 12,000 levels deep', 12_000],
    ['30 KB nested 5,000 levels deep', 5_000],
  ])('refuses a signed notification body of %s with 400 or 413, and logs no error', async (_label, depth) => {
    const body = deepJson(depth, 'a');
    const logged = suiteLogs.length;
    const res = await harness().http().post('/miniprogram_auth/wechatPayV3Callback').set(signedHeaders(body)).send(body);
    expect([400, 413]).toContain(res.status);
    if (res.status === 400) expect(res.body).toMatchObject({ code: 'FAIL' });
    expect(suiteLogs.slice(logged).filter((line) => line.startsWith('ERROR'))).toEqual([]);
  });
}

describe(`WeChat Pay, API v3 credentials only, raw bodies kept (fixture host + simulator + ${testDbEngine()})`, () => {
  let sim: WeChatSimulator;
  let h: Harness;
  let pay: WeChatPayService;
  let probe: PayEventsProbe;
  let openId: string;

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0005, refundDelayMs: 200, payV3Mode: 'public-key' });
    await sim.start();
    const port = await freePort();
    h = await startHarness({ sim, port, rawBody: true, providers: [PayEventsProbe], options: { pay: v3OnlyPayOptions(sim, port) } });
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

  async function paidOrder(totalFee: number): Promise<PayOrder> {
    const { order, params } = await pay.createJsapiPayment({ body: 'v3 only', totalFee, openId });
    await sim.pay({ prepayId: prepayOf(params.package) });
    await until(() => sim.notifications.find((n) => n.outTradeNo === order.outTradeNo && n.kind === 'pay')?.acknowledged);
    return orders().findOneByOrFail({ id: order.id });
  }

  it('pays, is notified, syncs, refunds and settles the refund with the same high-level calls as v2', async () => {
    const { order, params } = await pay.createJsapiPayment({ body: 'v3 only', totalFee: 1234, openId });
    expect(params.signType).toBe('RSA');
    expect((await orders().findOneByOrFail({ id: order.id })).prepayApiVersion).toBe('v3');
    await sim.pay({ prepayId: prepayOf(params.package) });
    const paid = await until(async () => {
      const row = await orders().findOneByOrFail({ id: order.id });
      return row.paid ? row : null;
    });
    expect(paid).toMatchObject({ status: 'SUCCESS', totalFee: 1234, openId });
    expect(probe.paid.filter((e) => e.order.id === order.id)).toHaveLength(1);
    expect(await pay.syncOrder(order.id)).toMatchObject({ paid: true, status: 'SUCCESS' });

    const refund = await pay.refundOrder({ order: order.id, refundFee: 234 });
    const settled = await until(async () => {
      const row = await refunds().findOneByOrFail({ id: refund.id });
      return row.status === 'SUCCESS' ? row : null;
    });
    expect(settled.refundFee).toBe(234);
    expect(await orders().findOneByOrFail({ id: order.id })).toMatchObject({ refundedFee: 234, status: 'REFUND' });
    expect(probe.refunds.filter((e) => e.refund.id === refund.id)).toHaveLength(1);
  });

  it('refuses the v2-only calls with a typed error naming what is missing', async () => {
    const error = await pay.orderQuery({ outTradeNo: 'anything' }).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(WeChatPayError);
    expect(error).toMatchObject({ name: 'WeChatPayInputError' });
    expect(String((error as Error).message)).toMatch(/apiKey|v2/);
  });

  it('verifies a notification over the bytes WeChat sent: a signed body that is not compact JSON is accepted', async () => {
    const order = await paidOrder(555);
    const ledger = h.app.get(PayLedger);
    const apply = jest.spyOn(ledger, 'applyPayment');
    try {
      const { body, headers } = signedPaymentNotification(order, openId, 2);
      expect(body).toContain('\n  ');
      await h.http().post('/miniprogram_auth/wechatPayV3Callback').set(headers).send(body).expect(204);
      // A new notification id reaches the exactly-once step, which finds the order paid already.
      expect(apply).toHaveBeenCalledTimes(1);
      expect(probe.paid.filter((e) => e.order.id === order.id)).toHaveLength(1);
    } finally {
      apply.mockRestore();
    }
  });

  refusesDeepSignedBodies(() => h);

  it('answers a replayed or duplicate notification id from its replay cache, before the database', async () => {
    const order = await paidOrder(556);
    const ledger = h.app.get(PayLedger);
    const apply = jest.spyOn(ledger, 'applyPayment');
    const applyRefund = jest.spyOn(ledger, 'applyRefund');
    try {
      for (const kind of ['replay', 'duplicate'] as const) {
        expect(await sim.notify({ outTradeNo: order.outTradeNo, kind, copies: 3 })).toHaveLength(3);
      }
      const variants = () => sim.notifications.filter((n) => n.outTradeNo === order.outTradeNo && n.variant !== 'genuine');
      await until(() => variants().length === 6 && variants().every((n) => n.done));
      for (const delivery of variants()) {
        expect(delivery.attempts).toHaveLength(1);
        expect(delivery.attempts[0].status).toBe(204);
      }
      expect(apply).not.toHaveBeenCalled();
      expect(applyRefund).not.toHaveBeenCalled();
    } finally {
      apply.mockRestore();
      applyRefund.mockRestore();
    }
  });
});

describe(`WeChat Pay v3 on a host without rawBody (fixture host + simulator + ${testDbEngine()})`, () => {
  let sim: WeChatSimulator;
  let h: Harness;
  let pay: WeChatPayService;
  let openId: string;

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0005, payV3Mode: 'public-key' });
    await sim.start();
    const port = await freePort();
    h = await startHarness({ sim, port, options: { pay: v3OnlyPayOptions(sim, port) } });
    pay = h.app.get(WeChatPayService);
    openId = (await h.login()).openId;
  });
  afterAll(async () => {
    await h.close();
    await sim.stop();
  });

  refusesDeepSignedBodies(() => h);

  it('accepts WeChat compact JSON re-read from the parsed body, and refuses (401) a body it cannot reproduce byte for byte', async () => {
    const { order, params } = await pay.createJsapiPayment({ body: 'no rawBody', totalFee: 557, openId });
    await sim.pay({ prepayId: params.package.slice('prepay_id='.length) });
    await until(async () => (await h.dataSource.getRepository(PayOrder).findOneByOrFail({ id: order.id })).paid);
    const paid = await h.dataSource.getRepository(PayOrder).findOneByOrFail({ id: order.id });
    const compact = signedPaymentNotification(paid, openId, 0);
    await h.http().post('/miniprogram_auth/wechatPayV3Callback').set(compact.headers).send(compact.body).expect(204);
    const pretty = signedPaymentNotification(paid, openId, 2);
    await h
      .http()
      .post('/miniprogram_auth/wechatPayV3Callback')
      .set(pretty.headers)
      .send(pretty.body)
      .expect(401)
      .expect((res) => expect(res.body).toMatchObject({ code: 'FAIL' }));
  });
});
