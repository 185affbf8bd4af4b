import { PayOrder, PayShippingUpload, WeChatPayService, WeChatPushReceipt } from '../../lib';
import { SIMULATOR_DEV_APP, SIMULATOR_DEV_PUSH, WeChatSimulator } from '../../lib/testing';
import { until } from '../src/pay-fixture';
import { PushEventsProbe } from '../src/push-events.probe';
import { createTestDatabase, freePort, Harness, simulatorPayOptions, startHarness, TestDatabase } from '../utils/harness';
import { registerSecret } from '../utils/log-guard';
import { signedPush } from '../utils/push-signer';

const UPLOAD_PATH = '/wxa/sec/order/upload_shipping_info';

describe('message push and the automatic shipping upload with two app instances on one PostgreSQL database', () => {
  let sim: WeChatSimulator;
  let db: TestDatabase;
  const instances: Harness[] = [];

  beforeAll(async () => {
    registerSecret(SIMULATOR_DEV_PUSH.token);
    registerSecret(SIMULATOR_DEV_PUSH.encodingAesKey);
    sim = new WeChatSimulator({ timeScale: 0.001 });
    await sim.start();
    db = await createTestDatabase({ engine: 'postgres' });
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      instances.push(
        await startHarness({
          sim,
          port,
          database: db,
          providers: [PushEventsProbe],
          options: {
            pay: simulatorPayOptions(sim, port),
            push: { token: SIMULATOR_DEV_PUSH.token, encodingAesKey: SIMULATOR_DEV_PUSH.encodingAesKey },
            // Both instances sweep often, so that they compete for every upload.
            shipping: { autoUpload: { logisticsType: 3 }, sweepIntervalMs: 20, retryDelayMs: 20 },
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const h of instances) await h.close();
    await db.drop();
    await sim.stop();
  });

  it('runs the handler of one push once when 40 copies reach both instances at once', async () => {
    const [a, b] = instances;
    const { openId } = await a.login();
    const message = {
      ToUserName: 'gh_0123456789ab',
      FromUserName: openId,
      CreateTime: Math.floor(Date.now() / 1000),
      MsgType: 'event',
      Event: 'trade_manage_order_settlement',
      transaction_id: '4200000000202612060000000001',
      merchant_trade_no: 'race000001',
    };
    const settings = {
      token: SIMULATOR_DEV_PUSH.token,
      encodingAesKey: SIMULATOR_DEV_PUSH.encodingAesKey,
      appId: SIMULATOR_DEV_APP.appId,
      format: 'json' as const,
    };
    for (const h of instances) h.app.get(PushEventsProbe).delayMs = 10;
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const push = signedPush(settings, message);
        return (i % 2 ? b : a)
          .http()
          .post('/miniprogram_auth/wechatPush')
          .query(push.query)
          .set('content-type', push.contentType)
          .send(push.body);
      }),
    );
    expect(answers.map((res) => [res.status, res.text])).toEqual(Array.from({ length: 40 }, () => [200, 'success']));
    const handled = instances.reduce((sum, h) => sum + h.app.get(PushEventsProbe).events.length, 0);
    expect(handled).toBe(1);
    expect(await a.dataSource.getRepository(WeChatPushReceipt).count()).toBe(1);
  });

  it('uploads each paid order exactly once while both instances sweep', async () => {
    const [a] = instances;
    const since = sim.calls.length;
    const orders: PayOrder[] = [];
    for (let i = 0; i < 8; i++) {
      const { openId } = await a.login();
      const { order, params } = await a.app.get(WeChatPayService).createJsapiPayment({ body: `Virtual ${i}`, totalFee: 10 + i, openId });
      await sim.pay({ prepayId: params.package.replace('prepay_id=', '') });
      orders.push(order);
    }
    const uploads = a.dataSource.getRepository(PayShippingUpload);
    await until(async () => (await uploads.countBy({ status: 'SENT' })) === orders.length, 20_000);
    const processed = sim.calls.slice(since).filter((call) => call.path === UPLOAD_PATH && call.status === 200);
    expect(processed).toHaveLength(orders.length);
    expect((await uploads.find()).map((upload) => upload.attempts)).toEqual(orders.map(() => 1));
    for (const order of orders) {
      expect(sim.shipping({ outTradeNo: order.outTradeNo })?.orderState).toBe(2);
    }
  });
});
