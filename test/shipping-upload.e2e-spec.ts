import { PayOrder, PayShippingUpload } from '../lib';
import { SIMULATOR_DEV_PUSH } from '../lib/testing';
import { PayEventsProbe } from './src/pay-events.probe';
import { PayHarness, startPayHarness, until } from './src/pay-fixture';
import { testDbEngine } from './utils/harness';
import { registerSecret } from './utils/log-guard';

const UPLOAD_PATH = '/wxa/sec/order/upload_shipping_info';
const GET_ORDER_PATH = '/wxa/sec/order/get_order';

describe(`automatic shipping upload and the shipping state of PayOrder (${testDbEngine()})`, () => {
  let h: PayHarness;
  let seq = 0;

  beforeAll(async () => {
    registerSecret(SIMULATOR_DEV_PUSH.token);
    registerSecret(SIMULATOR_DEV_PUSH.encodingAesKey);
    h = await startPayHarness({
      // WeChat's retry schedules a hundred times faster.
      simOptions: { timeScale: 0.01 },
      providers: [PayEventsProbe],
      options: {
        push: { token: SIMULATOR_DEV_PUSH.token, encodingAesKey: SIMULATOR_DEV_PUSH.encodingAesKey },
        shipping: {
          autoUpload: { logisticsType: 4, itemDesc: (order) => `pickup: ${order.body}` },
          sweepIntervalMs: 100,
          retryDelayMs: 50,
        },
      },
    });
    h.sim.configurePush({
      url: `http://127.0.0.1:${h.port}/miniprogram_auth/wechatPush`,
      token: SIMULATOR_DEV_PUSH.token,
      encodingAesKey: SIMULATOR_DEV_PUSH.encodingAesKey,
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.sim.clearFaults();
    h.app.get(PayEventsProbe).failPaid = 0;
  });

  /** A paid order: created through the module, paid by the simulated user. */
  async function paidOrder(): Promise<PayOrder> {
    const { openId } = await h.login();
    const outTradeNo = `ship${Date.now()}${++seq}`;
    const { params } = await h.pay.createJsapiPayment({ outTradeNo, body: 'Pickup order', totalFee: 100, openId });
    await h.sim.pay({ prepayId: params.package.replace('prepay_id=', '') });
    return until(() => h.dataSource.getRepository(PayOrder).findOneBy({ outTradeNo, paid: true }));
  }
  const uploadOf = (order: PayOrder) => h.dataSource.getRepository(PayShippingUpload).findOneBy({ orderId: order.id });
  const reload = (order: PayOrder) => h.dataSource.getRepository(PayOrder).findOneByOrFail({ id: order.id });
  const callsTo = (path: string, since: number) => h.sim.calls.slice(since).filter((call) => call.path === path);

  it("uploads a paid order once, as self-pickup, and follows WeChat's shipment and settlement pushes", async () => {
    const since = h.sim.calls.length;
    const order = await paidOrder();
    const upload = (await until(async () => (await uploadOf(order))?.status === 'SENT' && uploadOf(order))) as PayShippingUpload;
    expect(upload).toMatchObject({ logisticsType: 4, itemDesc: 'pickup: Pickup order', attempts: 1, lastError: null });
    expect(h.sim.shipping({ transactionId: order.transactionId! })).toMatchObject({
      orderState: 2,
      fundsFrozen: true,
      shipping: expect.objectContaining({ logisticsType: 4 }),
    });
    // The shipment push: estimated settlement.
    const shipped = await until(async () => {
      const current = await reload(order);
      return current.estimatedSettlementAt && current;
    });
    expect(shipped).toMatchObject({ shippingUploaded: true, shippedAt: expect.any(Date), settledAt: null, receiptConfirmedAt: null });
    // The user confirms receipt: WeChat settles and pushes again.
    await h.sim.confirmReceive({ transactionId: order.transactionId! });
    const settled = await until(async () => {
      const current = await reload(order);
      return current.settledAt && current;
    });
    expect(settled.receiptConfirmedAt).toEqual(expect.any(Date));
    expect(h.sim.shipping({ transactionId: order.transactionId! })).toMatchObject({ orderState: 4, fundsFrozen: false });
    expect(callsTo(UPLOAD_PATH, since)).toHaveLength(1);
  });

  it('retries with backoff until WeChat accepts it', async () => {
    h.sim.addFault({ path: UPLOAD_PATH, errcode: 10060001, errmsg: 'not yet', count: 2 });
    const since = h.sim.calls.length;
    const order = await paidOrder();
    const upload = (await until(async () => (await uploadOf(order))?.status === 'SENT' && uploadOf(order), 10_000)) as PayShippingUpload;
    expect(upload).toMatchObject({ attempts: 3, lastError: null });
    // Before each retry it asked whether WeChat had the shipping already; it uploaded until WeChat took it.
    expect(callsTo(UPLOAD_PATH, since).map((call) => call.status)).toEqual([200, 200, 200]);
    expect(callsTo(GET_ORDER_PATH, since)).toHaveLength(2);
    expect((await reload(order)).shippingUploaded).toBe(true);
  });

  it('never uploads twice: after an attempt whose outcome is unknown it asks WeChat first', async () => {
    // The upload's answer does not come within the client's timeout (1 s in the harness): it may or may not have
    // been processed. (The simulator drops a request whose client has gone; WeChat might have processed it.)
    h.sim.addFault({ path: UPLOAD_PATH, delayMs: 1500, count: 1 });
    const since = h.sim.calls.length;
    const order = await paidOrder();
    const upload = (await until(async () => (await uploadOf(order))?.status === 'SENT' && uploadOf(order), 10_000)) as PayShippingUpload;
    expect(upload.attempts).toBe(2);
    // The second attempt asked WeChat first, learnt the order was not shipped, and uploaded: one upload processed.
    expect(callsTo(UPLOAD_PATH, since).map((call) => call.status)).toEqual([0, 200]);
    expect(callsTo(GET_ORDER_PATH, since)).toHaveLength(1);
    expect(callsTo(GET_ORDER_PATH, since)[0].at).toBeLessThan(callsTo(UPLOAD_PATH, since)[1].at);
    expect(h.sim.shipping({ transactionId: order.transactionId! })?.orderState).toBe(2);
  });

  it('takes over an upload whose sender stopped half-way (its lease ran out), asking WeChat first', async () => {
    h.sim.addFault({ path: UPLOAD_PATH, errcode: -1, count: 1000 });
    const order = await paidOrder();
    // Failed four times: the next attempt is 400 ms away, time enough to play the crash without a send under way.
    await until(async () => {
      const upload = await uploadOf(order);
      return upload !== null && upload.attempts >= 4 && upload.status === 'PENDING';
    });
    h.sim.clearFaults();
    // As a process that died while sending leaves it: taken, its lease over.
    const repo = h.dataSource.getRepository(PayShippingUpload);
    await repo.update({ orderId: order.id }, { status: 'SENDING', leaseUntil: new Date(Date.now() - 1000), nextAttemptAt: new Date() });
    const since = h.sim.calls.length;
    const upload = (await until(async () => (await uploadOf(order))?.status === 'SENT' && uploadOf(order))) as PayShippingUpload;
    expect(callsTo(GET_ORDER_PATH, since)).toHaveLength(1);
    expect(callsTo(UPLOAD_PATH, since).map((call) => call.status)).toEqual([200]);
    expect(upload.leaseUntil).toBeNull();
  });

  it('queues nothing when the payment rolls back, and the redelivered payment queues it once', async () => {
    h.app.get(PayEventsProbe).failPaid = 1;
    const order = await paidOrder(); // paid on WeChat's retry of the notification
    const upload = (await until(async () => (await uploadOf(order))?.status === 'SENT' && uploadOf(order))) as PayShippingUpload;
    expect(upload.attempts).toBe(1);
    expect(await h.dataSource.getRepository(PayShippingUpload).countBy({ orderId: order.id })).toBe(1);
  });
});
