import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import {
  buildPayXml,
  PayOrder,
  PayOrderStateError,
  PayRefund,
  RedisAccessTokenStore,
  WeChatAccount,
  WeChatApiService,
  WeChatPayService,
} from '../../lib';
import { SIMULATOR_DEV_MERCHANT, WeChatSimulator } from '../../lib/testing';
import { PayEventsProbe } from '../src/pay-events.probe';
import { signV2 } from '../src/pay-notifications';
import { createTestDatabase, freePort, Harness, simulatorPayOptions, startHarness, TestDatabase } from '../utils/harness';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('two app instances on one PostgreSQL database and one Redis', () => {
  let sim: WeChatSimulator;
  let db: TestDatabase;
  let redis: Redis[];
  const instances: Harness[] = [];

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0005 });
    await sim.start();
    db = await createTestDatabase({ engine: 'postgres' });
    const prefix = `mp-multi:${randomBytes(6).toString('hex')}:`;
    redis = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    for (const client of redis) {
      const port = await freePort();
      instances.push(
        await startHarness({
          sim,
          port,
          database: db,
          providers: [PayEventsProbe],
          options: {
            accessTokenStore: new RedisAccessTokenStore(client, { prefix }),
            token: { cacheTtlSeconds: 0 },
            pay: simulatorPayOptions(sim, port),
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const h of instances) await h.close();
    for (const client of redis) client.disconnect();
    await db.drop();
    await sim.stop();
  });

  it('applies one payment once when 100 concurrent copies of its notification hit both instances', async () => {
    const [a, b] = instances;
    const { openId } = await a.login();
    const { order } = await a.app.get(WeChatPayService).createJsapiPayment({ body: 'Race', totalFee: 321, openId });
    const fields: Record<string, string> = {
      return_code: 'SUCCESS',
      result_code: 'SUCCESS',
      appid: SIMULATOR_DEV_MERCHANT.appId,
      mch_id: SIMULATOR_DEV_MERCHANT.mchId,
      nonce_str: 'race',
      openid: openId,
      out_trade_no: order.outTradeNo,
      transaction_id: '4200000000202611240000000321',
      total_fee: '321',
      time_end: '20261124120000',
    };
    const xml = buildPayXml({ ...fields, sign: signV2(fields, SIMULATOR_DEV_MERCHANT.apiKey) });
    for (const h of instances) h.app.get(PayEventsProbe).delayMs = 5;

    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        (i % 2 ? b : a)
          .http()
          .post('/miniprogram_auth/wechatPayCallback')
          .set('content-type', 'text/xml')
          .send(xml)
          .then((res) => res.text),
      ),
    );
    expect(answers.every((text) => text.includes('SUCCESS'))).toBe(true);
    const handled = instances.flatMap((h) => h.app.get(PayEventsProbe).paid.filter((e) => e.order.id === order.id));
    expect(handled).toHaveLength(1);
    const stored = await a.dataSource.getRepository(PayOrder).findOneByOrFail({ id: order.id });
    expect(stored).toMatchObject({ paid: true, status: 'SUCCESS', transactionId: fields.transaction_id, version: order.version + 2 }); // prepay stored, then paid once
  });

  it('reserves concurrent refunds of one order on both instances atomically: their sum never exceeds the payment', async () => {
    const [a] = instances;
    const { openId } = await a.login();
    const { order, params } = await a.app.get(WeChatPayService).createJsapiPayment({ body: 'Refund race', totalFee: 30, openId });
    await sim.pay({ prepayId: params.package.slice('prepay_id='.length) });
    const orders = a.dataSource.getRepository(PayOrder);
    const end = Date.now() + 10_000;
    while (!(await orders.findOneByOrFail({ id: order.id })).paid) {
      if (Date.now() > end) throw new Error('the payment notification did not arrive');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const sent = () => sim.calls.filter((c) => c.path === '/secapi/pay/refund').length;
    const before = sent();
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => instances[i % 2].app.get(WeChatPayService).refundOrder({ order: order.id, refundFee: 2 })),
    );
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(refused).toHaveLength(25);
    for (const reason of refused) expect(reason).toBeInstanceOf(PayOrderStateError);
    expect(sent() - before).toBe(15);
    const refunds = await a.dataSource.getRepository(PayRefund).findBy({ orderId: order.id });
    expect(refunds.reduce((sum, r) => sum + r.refundFee, 0)).toBe(30);
  });

  it('creates one account when the same user logs in on both instances at once', async () => {
    const openId = `oConcurrent${randomBytes(8).toString('hex')}`;
    const codes = Array.from({ length: 20 }, () => sim.login({ openId }).code);
    const results = await Promise.all(codes.map((code, i) => instances[i % 2].http().post('/miniprogram_auth/login').send({ code })));
    expect(results.map((r) => r.status)).toEqual(codes.map(() => 200));
    expect(new Set(results.map((r) => r.body.user_id)).size).toBe(1);
    expect(await instances[0].dataSource.getRepository(WeChatAccount).countBy({ openId })).toBe(1);
  });

  it('fetches one access token for simultaneous callers on both instances', async () => {
    const before = sim.calls.filter((c) => c.path === '/cgi-bin/stable_token').length;
    const tokens = await Promise.all(Array.from({ length: 30 }, (_, i) => instances[i % 2].app.get(WeChatApiService).getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(sim.calls.filter((c) => c.path === '/cgi-bin/stable_token').length - before).toBeLessThanOrEqual(1);
  });

  it('stops accepting a token on the other instance once it is revoked (cache off here)', async () => {
    const [a, b] = instances;
    const { token } = await a.login();
    await b.http().get('/miniprogram_auth/me').set('Authorization', `Token ${token}`).expect(200);
    await a.http().post('/miniprogram_auth/logout').set('Authorization', `Token ${token}`).expect(200);
    await b.http().get('/miniprogram_auth/me').set('Authorization', `Token ${token}`).expect(401);
  });
});
