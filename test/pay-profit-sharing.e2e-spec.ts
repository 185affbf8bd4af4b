import { Injectable } from '@nestjs/common';
import {
  OnPayProfitSharingSettled,
  PayOrder,
  PayProfitShare,
  PayProfitSharingLimitError,
  WeChatAccount,
  WeChatPayError,
  WeChatPayInputError,
  WeChatPayProfitSharingService,
  WeChatPayService,
} from '../lib';
import type { MiniProgramPayOptions, PayProfitSharingSettledEvent, RequestProfitSharingRequest } from '../lib';
import { SIMULATOR_DEV_V3, simulatorDevV3Options, WeChatSimulator } from '../lib/testing';
import { until } from './src/pay-fixture';
import { freePort, Harness, simulatorPayOptions, startHarness, testDbEngine, testPlatform } from './utils/harness';
import { registerPemSecret, registerSecret } from './utils/log-guard';

/** A host provider with the settled handler: records each call and writes through the transaction. */
@Injectable()
class ShareProbe {
  readonly settled: Array<Omit<PayProfitSharingSettledEvent, 'manager' | 'afterCommit'>> = [];
  readonly committed: string[] = [];

  @OnPayProfitSharingSettled()
  async onSettled({ manager, afterCommit, ...event }: PayProfitSharingSettledEvent): Promise<void> {
    const order = await manager.findOneByOrFail(PayOrder, { id: event.share.orderId });
    await manager.getRepository(WeChatAccount).update({ openId: order.openId }, { city: `shared:${event.share.outOrderNo}` });
    afterCommit(() => this.committed.push(event.share.outOrderNo));
    this.settled.push(event);
  }
}

function payOptions(sim: WeChatSimulator, port: number): MiniProgramPayOptions {
  registerSecret(SIMULATOR_DEV_V3.apiV3Key);
  registerPemSecret(SIMULATOR_DEV_V3.merchantPrivateKey);
  return simulatorPayOptions(sim, port, {
    apiVersion: 'v3',
    clientCert: { cert: SIMULATOR_DEV_V3.merchantCertificate, key: SIMULATOR_DEV_V3.merchantPrivateKey },
    v3: simulatorDevV3Options('public-key'),
  });
}

const PARTNER = '1900000109';
const PARTNER_NAME = '示例合作商户有限公司';
let seq = 0;
const no = (prefix: string) => `${prefix}${process.pid}${Date.now()}${++seq}`;

describe(`profit sharing (fixture host + simulator + ${testDbEngine()}, ${testPlatform()})`, () => {
  let sim: WeChatSimulator;
  let h: Harness;
  let sharing: WeChatPayProfitSharingService;
  let pay: WeChatPayService;
  let probe: ShareProbe;
  let openId: string;

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0005, payV3Mode: 'public-key' });
    await sim.start();
    sim.profitSharingSettings({ autoFinish: false });
    const port = await freePort();
    h = await startHarness({ sim, port, providers: [ShareProbe], options: { pay: payOptions(sim, port) } });
    sharing = h.app.get(WeChatPayProfitSharingService);
    pay = h.app.get(WeChatPayService);
    probe = h.app.get(ShareProbe);
    openId = (await h.login()).openId;
    await sharing.addReceiver({ type: 'MERCHANT_ID', account: PARTNER, name: PARTNER_NAME, relationType: 'PARTNER' });
  });
  afterAll(async () => {
    await h?.close();
    await sim.stop();
  });

  const shares = () => h.dataSource.getRepository(PayProfitShare);
  const settledOf = (outOrderNo: string) => probe.settled.filter((e) => e.share.outOrderNo === outOrderNo);

  /** A v3 payment of `totalFee`, paid in the simulator, ordered with settle_info.profit_sharing unless told otherwise. */
  async function paidOrder(totalFee: number, profitSharing = true): Promise<PayOrder> {
    const { order, params } = await pay.createJsapiPayment({ body: 'Pickup order', totalFee, openId, profitSharing });
    await sim.pay({ prepayId: params.package.slice('prepay_id='.length) });
    return until(async () => {
      const row = await h.dataSource.getRepository(PayOrder).findOneByOrFail({ id: order.id });
      return row.paid && row.transactionId ? row : undefined;
    });
  }

  function split(order: PayOrder, amount: number, overrides: Partial<RequestProfitSharingRequest> = {}): RequestProfitSharingRequest {
    return {
      order,
      outOrderNo: no('PS'),
      receivers: [{ type: 'MERCHANT_ID', account: PARTNER, amount, description: '分给合作商户' }],
      unfreezeUnsplit: false,
      ...overrides,
    };
  }

  it('adds a receiver with its name encrypted; the simulator decrypts it with the WeChat Pay private key', () => {
    expect(sim.profitSharingReceiver('MERCHANT_ID', PARTNER)).toMatchObject({
      name: PARTNER_NAME,
      nameSerial: SIMULATOR_DEV_V3.publicKeyId,
      relationType: 'PARTNER',
    });
  });

  it('split → PROCESSING → FINISHED through the notification, the handler once; query, return, unfreeze, amounts', async () => {
    const order = await paidOrder(1000);
    expect(sim.order(order.outTradeNo)?.profitSharing).toBe(true);
    const req = split(order, 200, {
      receivers: [{ type: 'MERCHANT_ID', account: PARTNER, amount: 200, description: '分给合作商户', name: PARTNER_NAME }],
    });
    const share = await sharing.requestSplit(req);
    expect(share).toMatchObject({ outOrderNo: req.outOrderNo, state: 'PROCESSING', amount: 200, transactionId: order.transactionId });
    expect(share.wechatOrderId).toBe(sim.profitSharingOrder(req.outOrderNo)?.orderId);
    expect(share.receivers).toEqual([expect.objectContaining({ account: PARTNER, amount: 200, result: 'PENDING' })]);
    expect(JSON.stringify(await shares().findOneByOrFail({ id: share.id }))).not.toContain(PARTNER_NAME);

    const { notifications } = await sim.finishProfitSharing({ outOrderNo: req.outOrderNo });
    expect(notifications.map((n) => [n.kind, n.attempts.map((a) => a.status)])).toEqual([['profit-sharing', [204]]]);
    const done = await shares().findOneByOrFail({ id: share.id });
    expect(done).toMatchObject({ state: 'FINISHED', receivers: [expect.objectContaining({ result: 'SUCCESS' })] });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(settledOf(req.outOrderNo)).toEqual([expect.objectContaining({ source: 'notify' })]);
    expect(await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ openId })).toMatchObject({ city: `shared:${req.outOrderNo}` });
    await until(() => probe.committed.includes(req.outOrderNo));

    expect(await sharing.querySplit(req.outOrderNo)).toMatchObject({ state: 'FINISHED', orderId: share.wechatOrderId });
    expect(await sharing.remainingAmount(order)).toMatchObject({ transactionId: order.transactionId, unsplitAmount: 800 });

    const outReturnNo = no('PR');
    const returned = await sharing.returnSplit({
      outReturnNo,
      outOrderNo: req.outOrderNo,
      returnMchId: PARTNER,
      amount: 100,
      description: '退款回退',
    });
    expect(returned).toMatchObject({ outReturnNo, result: 'SUCCESS', amount: 100, outOrderNo: req.outOrderNo });
    expect(await sharing.queryReturn(outReturnNo, req.outOrderNo)).toMatchObject({ result: 'SUCCESS', returnId: returned.returnId });
    await expect(
      sharing.returnSplit({ outReturnNo: no('PR'), outOrderNo: req.outOrderNo, returnMchId: PARTNER, amount: 101, description: '超额' }),
    ).rejects.toMatchObject({ detail: expect.objectContaining({ errCode: 'NOT_ENOUGH' }) });

    const unfrozen = await sharing.unfreeze({ order, outOrderNo: no('PU'), description: '解冻剩余资金' });
    expect(unfrozen).toMatchObject({ state: 'FINISHED', receivers: [expect.objectContaining({ amount: 800, result: 'SUCCESS' })] });
    expect((await sharing.remainingAmount(order.id)).unsplitAmount).toBe(0);
    // A split after the unfreezing is refused by WeChat and leaves no reservation.
    const late = split(order, 1);
    await expect(sharing.requestSplit(late)).rejects.toBeInstanceOf(WeChatPayError);
    expect(await shares().countBy({ outOrderNo: late.outOrderNo })).toBe(0);
  });

  it('concurrent splits of one order: only those within 30% pass, the rest get a typed error and reserve nothing', async () => {
    const order = await paidOrder(1000);
    const requests = Array.from({ length: 10 }, () => split(order, 70));
    const results = await Promise.allSettled(requests.map((r) => sharing.requestSplit(r)));
    const passed = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(passed).toHaveLength(4); // 4 × 70 = 280 ≤ 300 < 350
    expect(refused).toHaveLength(6);
    for (const r of refused) expect(r.reason).toBeInstanceOf(PayProfitSharingLimitError);
    expect(refused[0].reason).toMatchObject({ requested: 70, left: 20, outTradeNo: order.outTradeNo });
    const rows = await shares().findBy({ orderId: order.id });
    expect(rows).toHaveLength(4);
    expect(rows.reduce((sum, r) => sum + r.amount, 0)).toBe(280);
    expect(requests.filter((r) => sim.profitSharingOrder(r.outOrderNo)).length).toBe(4);
    // What is left (20 fen) can still be split, and not a fen more.
    await expect(sharing.requestSplit(split(order, 21))).rejects.toBeInstanceOf(PayProfitSharingLimitError);
    expect((await sharing.requestSplit(split(order, 20))).state).toBe('PROCESSING');
  });

  // SQLite shares one connection per process, so there is no second instance to run on it.
  (testDbEngine() === 'sqlite' ? it.skip : it)('concurrent splits from two instances on one database never pass the limit', async () => {
    const port = await freePort();
    const b = await startHarness({ sim, port, database: h.database, options: { pay: payOptions(sim, port) } });
    try {
      const other = b.app.get(WeChatPayProfitSharingService);
      const order = await paidOrder(1000);
      const requests = Array.from({ length: 12 }, () => split(order, 40));
      const results = await Promise.allSettled(requests.map((r, i) => (i % 2 ? other : sharing).requestSplit(r)));
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7); // 7 × 40 = 280 ≤ 300 < 320
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(PayProfitSharingLimitError);
      const rows = await shares().findBy({ orderId: order.id });
      expect(rows.reduce((sum, row) => sum + row.amount, 0)).toBe(280);
      expect(requests.filter((r) => sim.profitSharingOrder(r.outOrderNo)).length).toBe(7);
    } finally {
      await b.close();
    }
  });

  it('a retried out_order_no splits once (10 at once); other content is refused before WeChat is asked', async () => {
    const order = await paidOrder(500);
    const req = split(order, 100);
    const results = await Promise.all(Array.from({ length: 10 }, () => sharing.requestSplit({ ...req })));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(await shares().countBy({ outOrderNo: req.outOrderNo })).toBe(1);
    const copy = sim.profitSharingOrder(req.outOrderNo);
    expect(copy?.receivers.map((r) => r.amount)).toEqual([100]);
    expect(copy?.creates).toBe(10);
    const calls = sim.calls.length;
    await expect(sharing.requestSplit({ ...req, receivers: [{ ...req.receivers[0], amount: 101 }] })).rejects.toThrow(
      /was used for another split/,
    );
    expect(sim.calls.length).toBe(calls);
    expect(sim.profitSharingOrder(req.outOrderNo)?.creates).toBe(10);
  });

  it('a refusal by WeChat releases the reservation: an order without profit_sharing, a receiver never added', async () => {
    const plain = await paidOrder(1000, false);
    const req = split(plain, 100);
    await expect(sharing.requestSplit(req)).rejects.toMatchObject({ detail: expect.objectContaining({ errCode: 'INVALID_REQUEST' }) });
    expect(await shares().countBy({ orderId: plain.id })).toBe(0);
    const order = await paidOrder(1000);
    await expect(
      sharing.requestSplit(
        split(order, 300, { receivers: [{ type: 'MERCHANT_ID', account: '1900000999', amount: 300, description: 'x' }] }),
      ),
    ).rejects.toBeInstanceOf(WeChatPayError);
    expect(await shares().countBy({ orderId: order.id })).toBe(0);
    expect((await sharing.requestSplit(split(order, 300))).amount).toBe(300);
  });

  it('refuses a forged notification (401, nothing changes); a replayed one and duplicates are applied once', async () => {
    const order = await paidOrder(800);
    const req = split(order, 200);
    await sharing.requestSplit(req);
    await sim.finishProfitSharing({ outOrderNo: req.outOrderNo, notify: false });
    const [forged] = await sim.profitSharingNotify({ outOrderNo: req.outOrderNo, kind: 'forged-signature' });
    expect(forged.attempts[0].status).toBe(401);
    expect(await shares().findOneByOrFail({ outOrderNo: req.outOrderNo })).toMatchObject({ state: 'PROCESSING' });
    const copies = await sim.profitSharingNotify({ outOrderNo: req.outOrderNo, kind: 'duplicate', copies: 5 });
    expect(copies.map((c) => c.attempts[0].status)).toEqual(Array(5).fill(204));
    const replays = await sim.profitSharingNotify({ outOrderNo: req.outOrderNo, kind: 'replay', copies: 2 });
    expect(replays.map((c) => c.attempts[0].status)).toEqual([204, 204]);
    expect(await shares().findOneByOrFail({ outOrderNo: req.outOrderNo })).toMatchObject({ state: 'FINISHED' });
    expect(settledOf(req.outOrderNo)).toHaveLength(1);
  });

  it('syncSplit recovers a lost notification, the handler once in total', async () => {
    const order = await paidOrder(600);
    const req = split(order, 100);
    await sharing.requestSplit(req);
    await sim.finishProfitSharing({ outOrderNo: req.outOrderNo, notify: false });
    expect((await sharing.syncSplit(req.outOrderNo)).state).toBe('FINISHED');
    const [late] = await sim.profitSharingNotify({ outOrderNo: req.outOrderNo, kind: 'duplicate' });
    expect(late.attempts[0].status).toBe(204);
    expect(settledOf(req.outOrderNo).map((e) => e.source)).toEqual(['query']);
  });

  it('checks input before anything is reserved or sent', async () => {
    const order = await paidOrder(300);
    const calls = sim.calls.length;
    await expect(sharing.requestSplit(split(order, 0))).rejects.toBeInstanceOf(WeChatPayInputError);
    await expect(sharing.requestSplit(split(order, 10, { outOrderNo: 'bad no' }))).rejects.toBeInstanceOf(WeChatPayInputError);
    await expect(sharing.requestSplit(split(order, 10, { receivers: [] }))).rejects.toBeInstanceOf(WeChatPayInputError);
    await expect(sharing.addReceiver({ type: 'MERCHANT_ID', account: PARTNER, relationType: 'PARTNER' })).rejects.toBeInstanceOf(
      WeChatPayInputError,
    );
    expect(sim.calls.length).toBe(calls);
    expect(await shares().countBy({ orderId: order.id })).toBe(0);
  });
});
