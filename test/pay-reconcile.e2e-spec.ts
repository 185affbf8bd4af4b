import { Injectable } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  OnPayBillMismatch,
  OnPayOrderPaid,
  OnPayRefundSettled,
  OnPayTransferSucceeded,
  PayOrder,
  PayReconciler,
  PayRefund,
  PayTransfer,
  WeChatPayInputError,
  WeChatPayService,
  WeChatPayTransferService,
} from '../lib';
import type {
  MiniProgramPayOptions,
  PayBillMismatchEvent,
  PayOrderPaidEvent,
  PayRefundSettledEvent,
  PayTransferFinishedEvent,
} from '../lib';
import { SIMULATOR_DEV_V3, simulatorDevV3Options, WeChatSimulator } from '../lib/testing';
import { until } from './src/pay-fixture';
import {
  createTestDatabase,
  freePort,
  Harness,
  simulatorPayOptions,
  startHarness,
  TestDatabase,
  testDbEngine,
  testPlatform,
} from './utils/harness';
import { registerPemSecret, registerSecret } from './utils/log-guard';

/** A host provider recording the pay events it handles (outside the transaction's manager: plain records). */
@Injectable()
class ReconcileProbe {
  readonly paid: string[] = [];
  readonly refunds: string[] = [];
  readonly transfers: string[] = [];
  readonly mismatches: PayBillMismatchEvent['mismatch'][] = [];

  @OnPayOrderPaid()
  onPaid({ order }: PayOrderPaidEvent): void {
    this.paid.push(order.outTradeNo);
  }

  @OnPayRefundSettled()
  onRefund({ refund }: PayRefundSettledEvent): void {
    this.refunds.push(refund.outRefundNo);
  }

  @OnPayTransferSucceeded()
  onTransfer({ transfer }: PayTransferFinishedEvent): void {
    this.transfers.push(transfer.outBillNo);
  }

  @OnPayBillMismatch()
  onMismatch({ mismatch }: PayBillMismatchEvent): void {
    this.mismatches.push(mismatch);
  }
}

interface Host {
  h: Harness;
  pay: WeChatPayService;
  reconciler: PayReconciler;
  probe: ReconcileProbe;
}

async function startHost(sim: WeChatSimulator, pay: (port: number) => MiniProgramPayOptions, database?: TestDatabase): Promise<Host> {
  const port = await freePort();
  const h = await startHarness({ sim, port, providers: [ReconcileProbe], options: { pay: pay(port) }, ...(database ? { database } : {}) });
  return { h, pay: h.app.get(WeChatPayService), reconciler: h.app.get(PayReconciler), probe: h.app.get(ReconcileProbe) };
}

const count = (list: string[], key: string) => list.filter((k) => k === key).length;
let seq = 0;
const unique = (prefix: string) => `${prefix}${process.pid}${Date.now().toString(36)}${++seq}`;

/** A payment whose prepay_id reached WeChat; the order stays NOTPAY until paid. */
async function newPayment(host: Host, openId: string, totalFee = 1000) {
  const { order, params } = await host.pay.createJsapiPayment({ body: '对账测试', totalFee, openId });
  return { order, prepayId: params.package.slice('prepay_id='.length) };
}

async function stored(host: Host, outTradeNo: string): Promise<PayOrder> {
  return host.h.dataSource.getRepository(PayOrder).findOneByOrFail({ outTradeNo });
}

describe(`pay reconciliation, API v2 (fixture host + simulator + ${testDbEngine()}, ${testPlatform()})`, () => {
  let sim: WeChatSimulator;
  let a: Host;
  /** A second app instance on the same database (PostgreSQL and MariaDB; SQLite runs two reconcilers in one app). */
  let b: Host | undefined;
  let database: TestDatabase;
  let dir: string | undefined;
  let openId: string;

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0005 });
    await sim.start();
    database = await createTestDatabase();
    if (database.engine === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'mp-reconcile-'));
      const file = join(dir, 'app.db');
      database = { ...database, name: file, options: { ...database.options, database: file } as TestDatabase['options'] };
    }
    a = await startHost(sim, (port) => simulatorPayOptions(sim, port), database);
    if (database.engine !== 'sqlite') b = await startHost(sim, (port) => simulatorPayOptions(sim, port), database);
    openId = (await a.h.login()).openId;
  });
  afterAll(async () => {
    await b?.h.close();
    await a?.h.close();
    await database?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    await sim.stop();
  });

  /** Two reconcilers at once: two instances on one database where there are two, else two runs in one app. */
  const twoAtOnce = () => {
    const other = b ?? a;
    return Promise.all([a.reconciler.reconcilePending({ minAgeSeconds: 0 }), other.reconciler.reconcilePending({ minAgeSeconds: 0 })]);
  };
  const paidCount = (key: string) => count(a.probe.paid, key) + (b ? count(b.probe.paid, key) : 0);
  const refundCount = (key: string) => count(a.probe.refunds, key) + (b ? count(b.probe.refunds, key) : 0);

  it('repairs a lost payment notification, the handler once though two reconcilers run at once', async () => {
    const { order, prepayId } = await newPayment(a, openId, 1200);
    sim.loseNotifications({ kind: 'pay' });
    const { notification } = await sim.pay({ prepayId });
    expect(notification).toMatchObject({ lost: true, attempts: [] });
    expect(sim.order(order.outTradeNo)?.tradeState).toBe('SUCCESS');
    expect(await stored(a, order.outTradeNo)).toMatchObject({ paid: false, status: 'NOTPAY' });
    const before = (await a.reconciler.metrics()).pending.orders;
    expect(before.under5m).toBeGreaterThanOrEqual(1);
    expect(before.under5m + before.under1h + before.under1d + before.older).toBe(before.total);
    // Seen from a day later, the same orders are a day old.
    const later = (await a.reconciler.metrics({ now: new Date(Date.now() + 2 * 86_400_000) })).pending.orders;
    expect(later).toMatchObject({ under5m: 0, under1h: 0, under1d: 0, older: before.total });

    // Not old enough yet: nothing is asked.
    const young = await a.reconciler.reconcilePending({ minAgeSeconds: 3600 });
    expect(young.orders.checked).toBe(0);

    const [first, second] = await twoAtOnce();
    // One of the two took the order; the other found it leased or final.
    expect(first.orders.checked + second.orders.checked).toBe(1);
    expect(first.failures.concat(second.failures)).toEqual([]);
    expect(await stored(a, order.outTradeNo)).toMatchObject({
      paid: true,
      status: 'SUCCESS',
      transactionId: sim.order(order.outTradeNo)?.transactionId,
    });
    expect(paidCount(order.outTradeNo)).toBe(1);
    // Once final, the order is not taken again.
    const again = await a.reconciler.reconcilePending({ minAgeSeconds: 0 });
    expect(again.orders.changed).toBe(0);
    expect(paidCount(order.outTradeNo)).toBe(1);
  });

  it('repairs a lost refund notification, the handler once', async () => {
    const { order, prepayId } = await newPayment(a, openId, 3000);
    await sim.pay({ prepayId });
    await until(async () => (await stored(a, order.outTradeNo)).paid);
    sim.loseNotifications({ kind: 'refund' });
    const refund = await a.pay.refundOrder({ order: order.id, refundFee: 1000 });
    await until(() => sim.refund(refund.outRefundNo)?.status === 'SUCCESS');
    const refunds = a.h.dataSource.getRepository(PayRefund);
    expect(await refunds.findOneByOrFail({ id: refund.id })).toMatchObject({ status: 'PROCESSING' });

    const [first, second] = await twoAtOnce();
    expect(first.refunds.checked + second.refunds.checked).toBe(1);
    expect(first.refunds.changed + second.refunds.changed).toBe(1);
    expect(await refunds.findOneByOrFail({ id: refund.id })).toMatchObject({
      status: 'SUCCESS',
      refundId: sim.refund(refund.outRefundNo)?.refundId,
    });
    expect(await stored(a, order.outTradeNo)).toMatchObject({ refundedFee: 1000, status: 'REFUND' });
    expect(refundCount(refund.outRefundNo)).toBe(1);
  });

  it('leaves an item leased by another instance to it until the lease expires', async () => {
    const { order, prepayId } = await newPayment(a, openId, 1300);
    sim.loseNotifications({ kind: 'pay' });
    await sim.pay({ prepayId });
    const orders = a.h.dataSource.getRepository(PayOrder);
    const leaseUntil = new Date(Date.now() + 60_000);
    await orders.update({ id: order.id }, { reconcileLeaseUntil: leaseUntil });
    const held = await a.reconciler.reconcilePending({ minAgeSeconds: 0 });
    expect(held.orders.checked).toBe(0);
    expect(await stored(a, order.outTradeNo)).toMatchObject({ paid: false });
    const expired = await a.reconciler.reconcilePending({ minAgeSeconds: 0, now: new Date(leaseUntil.getTime() + 1000) });
    expect(expired.orders).toMatchObject({ checked: 1, changed: 1 });
    expect(await stored(a, order.outTradeNo)).toMatchObject({ paid: true, reconcileLeaseUntil: null });
    expect(paidCount(order.outTradeNo)).toBe(1);
  });

  it('closes expired unpaid orders only when configured (a clock past the prepay_id expiry)', async () => {
    const { order } = await newPayment(a, openId, 500);
    const later = new Date(Date.now() + 3 * 3_600_000);
    const kept = await a.reconciler.reconcilePending({ minAgeSeconds: 0, now: later });
    expect(kept.orders.closed).toBe(0);
    expect(await stored(a, order.outTradeNo)).toMatchObject({ status: 'NOTPAY' });
    const closed = await a.reconciler.reconcilePending({ minAgeSeconds: 0, now: later, closeExpiredUnpaid: true });
    expect(closed.orders.closed).toBeGreaterThanOrEqual(1);
    expect(await stored(a, order.outTradeNo)).toMatchObject({ status: 'CLOSED', paid: false, prepayId: null });
    expect(sim.order(order.outTradeNo)?.tradeState).toBe('CLOSED');
  });

  it('refuses bad input with a typed error', async () => {
    await expect(a.reconciler.reconcilePending({ batchSize: 0 })).rejects.toBeInstanceOf(WeChatPayInputError);
    await expect(a.reconciler.reconcilePending({ now: new Date('x') })).rejects.toBeInstanceOf(WeChatPayInputError);
    await expect(a.reconciler.reconcileBill('2026-02-30')).rejects.toBeInstanceOf(WeChatPayInputError);
    await expect(a.reconciler.reconcileBill('yesterday')).rejects.toBeInstanceOf(WeChatPayInputError);
    await expect(a.reconciler.reconcileBill('2026-01-01', { apiVersion: 'v3' })).rejects.toThrow(/needs pay.v3/);
  });

  it('finds every planted mismatch of the day’s bill, typed, as events, and repairs the payment and refund it can', async () => {
    // A payment whose notification was lost: the bill has it paid, the row is not (repairable).
    const missed = await newPayment(a, openId, 1500);
    sim.loseNotifications({ kind: 'pay' });
    await sim.pay({ prepayId: missed.prepayId });
    // A payment WeChat has that this database lacks (made through the low-level API).
    const foreignNo = unique('F');
    const foreign = await a.pay.unifiedOrder({ outTradeNo: foreignNo, body: '外部订单', totalFee: 800, openId });
    sim.loseNotifications({ kind: 'pay' });
    await sim.pay({ prepayId: foreign.prepayId });
    // An amount that differs: paid 2000, stored as 2100.
    const differs = await newPayment(a, openId, 2000);
    await sim.pay({ prepayId: differs.prepayId });
    await until(async () => (await stored(a, differs.order.outTradeNo)).paid);
    const orders = a.h.dataSource.getRepository(PayOrder);
    await orders.update({ id: differs.order.id }, { totalFee: 2100 });
    // A refund whose notification was lost: SUCCESS in the bill, PROCESSING here (repairable).
    const refunded = await newPayment(a, openId, 900);
    await sim.pay({ prepayId: refunded.prepayId });
    const paid = await until(async () => {
      const o = await stored(a, refunded.order.outTradeNo);
      return o.paid ? o : null;
    });
    sim.loseNotifications({ kind: 'refund' });
    const refund = await a.pay.refundOrder({ order: paid.id, refundFee: 400 });
    await until(() => sim.refund(refund.outRefundNo)?.status === 'SUCCESS');
    // An order this database has paid that WeChat never saw.
    const ghost = await newPayment(a, openId, 700);
    await orders.update(
      { id: ghost.order.id },
      { paid: true, status: 'SUCCESS', transactionId: `4200${Date.now()}`.slice(0, 28), paidAt: paid.paidAt },
    );

    const day = paid.paidAt as Date;
    const report = await a.reconciler.reconcileBill(day);
    const find = (kind: string, key: string) => report.mismatches.filter((m) => m.kind === kind && (m.outRefundNo ?? m.outTradeNo) === key);
    expect(find('state', missed.order.outTradeNo)).toEqual([
      expect.objectContaining({
        entity: 'order',
        repair: 'repaired',
        local: expect.objectContaining({ status: 'NOTPAY' }),
        remote: expect.objectContaining({ status: 'SUCCESS', amount: 1500 }),
      }),
    ]);
    expect(find('missing-local', foreignNo)).toEqual([
      expect.objectContaining({ entity: 'order', repair: 'not-repairable', remote: expect.objectContaining({ amount: 800 }) }),
    ]);
    expect(find('amount', differs.order.outTradeNo)).toEqual([
      expect.objectContaining({
        entity: 'order',
        local: expect.objectContaining({ amount: 2100 }),
        remote: expect.objectContaining({ amount: 2000 }),
      }),
    ]);
    expect(find('state', refund.outRefundNo)).toEqual([
      expect.objectContaining({
        entity: 'refund',
        repair: 'repaired',
        local: expect.objectContaining({ status: 'PROCESSING', amount: 400 }),
        remote: expect.objectContaining({ status: 'SUCCESS', amount: 400 }),
      }),
    ]);
    expect(find('missing-remote', ghost.order.outTradeNo)).toEqual([
      expect.objectContaining({ entity: 'order', repair: 'not-repairable' }),
    ]);
    expect(report.counts).toEqual({ 'missing-local': 1, 'missing-remote': 1, amount: 1, state: 2 });
    expect(report.matched).toBeGreaterThanOrEqual(1);
    expect(a.probe.mismatches).toEqual(report.mismatches);

    // Repaired through the ledger: the handlers ran once.
    expect(await stored(a, missed.order.outTradeNo)).toMatchObject({ paid: true });
    expect(paidCount(missed.order.outTradeNo)).toBe(1);
    expect(refundCount(refund.outRefundNo)).toBe(1);
    const metrics = await a.reconciler.metrics();
    expect(metrics.lastBill).toMatchObject({ billDate: report.billDate, mismatches: 5, counts: report.counts });

    // Run again: what was repaired agrees now, the rest is still reported.
    const again = await a.reconciler.reconcileBill(day);
    expect(again.counts).toEqual({ 'missing-local': 1, 'missing-remote': 1, amount: 1, state: 0 });
    expect(paidCount(missed.order.outTradeNo)).toBe(1);
  });
});

describe(`pay reconciliation, API v3 (fixture host + simulator + ${testDbEngine()}, ${testPlatform()})`, () => {
  let sim: WeChatSimulator;
  let host: Host;
  let openId: string;

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0005, payV3Mode: 'public-key' });
    await sim.start();
    registerSecret(SIMULATOR_DEV_V3.apiV3Key);
    registerPemSecret(SIMULATOR_DEV_V3.merchantPrivateKey);
    host = await startHost(sim, (port) =>
      simulatorPayOptions(sim, port, {
        apiVersion: 'v3',
        clientCert: { cert: SIMULATOR_DEV_V3.merchantCertificate, key: SIMULATOR_DEV_V3.merchantPrivateKey },
        v3: simulatorDevV3Options('public-key'),
      }),
    );
    openId = (await host.h.login()).openId;
  });
  afterAll(async () => {
    await host?.h.close();
    await sim.stop();
  });

  it('repairs a lost transfer notification and a lost payment notification, handlers once with two runs at once', async () => {
    const transfers = host.h.app.get(WeChatPayTransferService);
    const outBillNo = unique('TB');
    await transfers.createTransfer({
      outBillNo,
      openId,
      amount: 300,
      transferSceneId: '1000',
      remark: '活动奖励',
      userRecvPerception: '活动奖励',
      reportInfos: [
        { infoType: '活动名称', infoContent: '新会员有礼' },
        { infoType: '奖励说明', infoContent: '注册会员抽奖一等奖' },
      ],
    });
    sim.loseNotifications({ kind: 'transfer' });
    await sim.confirmTransfer({ outBillNo });
    expect(sim.transfer(outBillNo)?.state).toBe('SUCCESS');
    const rows = host.h.dataSource.getRepository(PayTransfer);
    expect((await rows.findOneByOrFail({ outBillNo })).state).not.toBe('SUCCESS');

    const { order, prepayId } = await newPayment(host, openId, 1100);
    sim.loseNotifications({ kind: 'pay' });
    expect((await sim.pay({ prepayId })).notification).toMatchObject({ lost: true });

    const runs = await Promise.all([0, 1].map(() => host.reconciler.reconcilePending({ minAgeSeconds: 0 })));
    expect(runs.flatMap((r) => r.failures)).toEqual([]);
    expect(runs[0].transfers.changed + runs[1].transfers.changed).toBe(1);
    expect(await rows.findOneByOrFail({ outBillNo })).toMatchObject({ state: 'SUCCESS' });
    expect(count(host.probe.transfers, outBillNo)).toBe(1);
    expect(await stored(host, order.outTradeNo)).toMatchObject({ paid: true });
    expect(count(host.probe.paid, order.outTradeNo)).toBe(1);
  });

  it('repairs a lost v3 refund notification through the v3 refund query', async () => {
    const { order, prepayId } = await newPayment(host, openId, 2000);
    await sim.pay({ prepayId });
    await until(async () => (await stored(host, order.outTradeNo)).paid);
    sim.loseNotifications({ kind: 'refund' });
    const refund = await host.pay.refundOrder({ order: order.id, refundFee: 500 });
    await until(() => sim.refund(refund.outRefundNo)?.status === 'SUCCESS');
    const refunds = host.h.dataSource.getRepository(PayRefund);
    expect((await refunds.findOneByOrFail({ id: refund.id })).status).toBe('PROCESSING');
    const summary = await host.reconciler.reconcilePending({ minAgeSeconds: 0 });
    expect(summary.refunds).toMatchObject({ checked: 1, changed: 1, failed: 0 });
    expect(await refunds.findOneByOrFail({ id: refund.id })).toMatchObject({ status: 'SUCCESS' });
    expect(count(host.probe.refunds, refund.outRefundNo)).toBe(1);
  });

  it('compares the v3 trade bill: a matching day has no mismatch, an amount planted is found', async () => {
    const { order, prepayId } = await newPayment(host, openId, 600);
    await sim.pay({ prepayId });
    const paid = await until(async () => {
      const o = await stored(host, order.outTradeNo);
      return o.paid ? o : null;
    });
    const clean = await host.reconciler.reconcileBill(paid.paidAt as Date);
    expect(clean).toMatchObject({ apiVersion: 'v3', mismatches: [] });
    expect(clean.matched).toBe(clean.billRows);
    await host.h.dataSource.getRepository(PayOrder).update({ id: order.id }, { totalFee: 601 });
    const planted = await host.reconciler.reconcileBill(paid.paidAt as Date);
    expect(planted.mismatches).toEqual([
      expect.objectContaining({
        kind: 'amount',
        entity: 'order',
        outTradeNo: order.outTradeNo,
        local: expect.objectContaining({ amount: 601 }),
      }),
    ]);
  });
});
