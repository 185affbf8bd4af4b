import { Injectable } from '@nestjs/common';
import {
  OnPayTransferFailed,
  OnPayTransferSucceeded,
  PayTransfer,
  WeChatAccount,
  WeChatPayInputError,
  WeChatPayTransferService,
} from '../lib';
import type { CreateTransferRequest, MiniProgramPayOptions, PayTransferFinishedEvent } from '../lib';
import { SIMULATOR_DEV_V3, simulatorDevV3Options, WeChatSimulator } from '../lib/testing';
import type { SimNotification, SimPayV3Mode } from '../lib/testing';
import { until } from './src/pay-fixture';
import { freePort, Harness, simulatorPayOptions, startHarness, testDbEngine, testPlatform } from './utils/harness';
import { registerPemSecret, registerSecret } from './utils/log-guard';

/** A host provider with transfer handlers: records each call, writes through the transaction, can be told to fail. */
@Injectable()
class TransferProbe {
  readonly succeeded: Array<Omit<PayTransferFinishedEvent, 'manager' | 'afterCommit'>> = [];
  readonly failed: Array<Omit<PayTransferFinishedEvent, 'manager' | 'afterCommit'>> = [];
  readonly committed: string[] = [];
  /** How many of the next handler calls throw (after writing through the manager). */
  failNext = 0;

  @OnPayTransferSucceeded()
  async onSucceeded({ manager, afterCommit, ...event }: PayTransferFinishedEvent): Promise<void> {
    await manager.getRepository(WeChatAccount).update({ openId: event.transfer.openId }, { city: `paid-out:${event.transfer.outBillNo}` });
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('the host handler failed');
    }
    afterCommit(() => this.committed.push(event.transfer.outBillNo));
    this.succeeded.push(event);
  }

  @OnPayTransferFailed()
  onFailed({ manager: _manager, afterCommit: _afterCommit, ...event }: PayTransferFinishedEvent): void {
    this.failed.push(event);
  }
}

function payOptions(sim: WeChatSimulator, port: number, mode: SimPayV3Mode): MiniProgramPayOptions {
  registerSecret(SIMULATOR_DEV_V3.apiV3Key);
  registerPemSecret(SIMULATOR_DEV_V3.merchantPrivateKey);
  return simulatorPayOptions(sim, port, {
    apiVersion: 'v3',
    clientCert: { cert: SIMULATOR_DEV_V3.merchantCertificate, key: SIMULATOR_DEV_V3.merchantPrivateKey },
    v3: simulatorDevV3Options(mode),
  });
}

async function startTransferHarness(mode: SimPayV3Mode) {
  const sim = new WeChatSimulator({ timeScale: 0.0005, payV3Mode: mode });
  await sim.start();
  try {
    const port = await freePort();
    const h = await startHarness({ sim, port, providers: [TransferProbe], options: { pay: payOptions(sim, port, mode) } });
    return { sim, h, transfers: h.app.get(WeChatPayTransferService), probe: h.app.get(TransferProbe) };
  } catch (error) {
    await sim.stop();
    throw error;
  }
}

let seq = 0;
function billNo(): string {
  return `TB${process.pid}${Date.now()}${++seq}`;
}

function transferRequest(openId: string, overrides: Partial<CreateTransferRequest> = {}): CreateTransferRequest {
  return {
    outBillNo: billNo(),
    openId,
    amount: 888,
    transferSceneId: '1000',
    remark: '活动奖励',
    userRecvPerception: '活动奖励',
    reportInfos: [
      { infoType: '活动名称', infoContent: '新会员有礼' },
      { infoType: '奖励说明', infoContent: '注册会员抽奖一等奖' },
    ],
    ...overrides,
  };
}

describe(`merchant transfers (fixture host + simulator + ${testDbEngine()}, ${testPlatform()})`, () => {
  let sim: WeChatSimulator;
  let h: Harness;
  let transfers: WeChatPayTransferService;
  let probe: TransferProbe;
  let openId: string;

  beforeAll(async () => {
    ({ sim, h, transfers, probe } = await startTransferHarness('public-key'));
    openId = (await h.login()).openId;
  });
  afterAll(async () => {
    await h.close();
    await sim.stop();
  });

  const rows = () => h.dataSource.getRepository(PayTransfer);
  const deliveries = (outBillNo: string): SimNotification[] => sim.notifications.filter((n) => n.outBillNo === outBillNo);
  const row = (outBillNo: string) => rows().findOneByOrFail({ outBillNo });

  it('create → package_info → the user confirms → notification → SUCCESS, the handler once in the transaction', async () => {
    const req = transferRequest(openId);
    const created = await transfers.createTransfer(req);
    expect(created.transfer).toMatchObject({ outBillNo: req.outBillNo, state: 'WAIT_USER_CONFIRM', transferAmount: 888, openId });
    const bill = sim.transfer(req.outBillNo);
    expect(created.transfer.transferBillNo).toBe(bill?.transferBillNo);
    expect(created.requestMerchantTransfer).toEqual({
      mchId: sim.merchants[0].mchId,
      appId: sim.apps[0].appId,
      package: bill?.packageInfo,
      openId,
    });
    const { notification } = await sim.confirmTransfer({ outBillNo: req.outBillNo });
    expect(notification?.attempts.map((a) => a.status)).toEqual([204]);
    const done = await row(req.outBillNo);
    expect(done).toMatchObject({ state: 'SUCCESS', failReason: null });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(probe.succeeded.filter((e) => e.transfer.outBillNo === req.outBillNo)).toEqual([
      expect.objectContaining({ source: 'notify', transfer: expect.objectContaining({ state: 'SUCCESS' }) }),
    ]);
    expect(await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ openId })).toMatchObject({
      city: `paid-out:${req.outBillNo}`,
    });
    await until(() => probe.committed.includes(req.outBillNo));
    // A create retried after the end changes nothing and asks WeChat nothing.
    const calls = sim.calls.length;
    expect((await transfers.createTransfer(req)).transfer.state).toBe('SUCCESS');
    expect(sim.calls.length).toBe(calls);
  });

  it('a declined transfer ends CANCELLED with the failed handler once; a failed one FAIL with its reason', async () => {
    const declined = transferRequest(openId);
    await transfers.createTransfer(declined);
    await sim.confirmTransfer({ outBillNo: declined.outBillNo, action: 'decline' });
    expect(await row(declined.outBillNo)).toMatchObject({ state: 'CANCELLED' });
    const failed = transferRequest(openId);
    await transfers.createTransfer(failed);
    await sim.confirmTransfer({ outBillNo: failed.outBillNo, action: 'fail', failReason: 'ACCOUNT_FROZEN' });
    expect(await row(failed.outBillNo)).toMatchObject({ state: 'FAIL', failReason: 'ACCOUNT_FROZEN' });
    expect(probe.failed.map((e) => [e.transfer.outBillNo, e.transfer.state])).toEqual(
      expect.arrayContaining([
        [declined.outBillNo, 'CANCELLED'],
        [failed.outBillNo, 'FAIL'],
      ]),
    );
    expect(probe.failed.filter((e) => [declined.outBillNo, failed.outBillNo].includes(e.transfer.outBillNo))).toHaveLength(2);
    expect(probe.succeeded.some((e) => [declined.outBillNo, failed.outBillNo].includes(e.transfer.outBillNo))).toBe(false);
  });

  it('the same out_bill_no created 10 times at once: one bill at WeChat, one row, the same answer to all', async () => {
    const req = transferRequest(openId);
    const results = await Promise.all(Array.from({ length: 10 }, () => transfers.createTransfer({ ...req })));
    expect(new Set(results.map((r) => r.transfer.id)).size).toBe(1);
    expect(new Set(results.map((r) => r.transfer.transferBillNo)).size).toBe(1);
    expect(new Set(results.map((r) => r.packageInfo)).size).toBe(1);
    expect(await rows().countBy({ outBillNo: req.outBillNo })).toBe(1);
    const bill = sim.transfer(req.outBillNo);
    expect(bill?.transferBillNo).toBe(results[0].transfer.transferBillNo);
    expect(bill?.creates).toBe(10);
  });

  it('a retry with other content is refused before WeChat is asked', async () => {
    const req = transferRequest(openId);
    await transfers.createTransfer(req);
    const calls = sim.calls.length;
    await expect(transfers.createTransfer({ ...req, amount: req.amount + 1 })).rejects.toThrow(WeChatPayInputError);
    await expect(transfers.createTransfer({ ...req, remark: '另一笔' })).rejects.toThrow(/was used for another transfer/);
    expect(sim.calls.length).toBe(calls);
    expect(sim.transfer(req.outBillNo)).toMatchObject({ creates: 1, transferAmount: req.amount });
  });

  it('duplicated and replayed notifications, 10 at once, are applied once', async () => {
    const req = transferRequest(openId);
    await transfers.createTransfer(req);
    await sim.confirmTransfer({ outBillNo: req.outBillNo, notify: false });
    const copies = await sim.transferNotify({ outBillNo: req.outBillNo, kind: 'duplicate', copies: 10 });
    expect(copies.map((c) => c.attempts[0].status)).toEqual(Array(10).fill(204));
    const replays = await sim.transferNotify({ outBillNo: req.outBillNo, kind: 'replay', copies: 2 });
    expect(replays.map((c) => c.attempts[0].status)).toEqual([204, 204]);
    expect(await row(req.outBillNo)).toMatchObject({ state: 'SUCCESS' });
    expect(probe.succeeded.filter((e) => e.transfer.outBillNo === req.outBillNo)).toHaveLength(1);
  });

  it('refuses a forged signature (401, nothing changes); syncTransfer repairs the lost notification, handlers once', async () => {
    const req = transferRequest(openId);
    await transfers.createTransfer(req);
    await sim.confirmTransfer({ outBillNo: req.outBillNo, notify: false });
    expect(deliveries(req.outBillNo)).toEqual([]);
    const [forged] = await sim.transferNotify({ outBillNo: req.outBillNo, kind: 'forged-signature' });
    expect(forged.attempts[0].status).toBe(401);
    expect(await row(req.outBillNo)).toMatchObject({ state: 'WAIT_USER_CONFIRM' });
    const synced = await transfers.syncTransfer(req.outBillNo);
    expect(synced).toMatchObject({ state: 'SUCCESS' });
    const [late] = await sim.transferNotify({ outBillNo: req.outBillNo, kind: 'duplicate' });
    expect(late.attempts[0].status).toBe(204);
    const events = probe.succeeded.filter((e) => e.transfer.outBillNo === req.outBillNo);
    expect(events.map((e) => e.source)).toEqual(['query']);
  });

  it('a failing handler rolls back and WeChat delivers again; then the handler runs once', async () => {
    const req = transferRequest(openId);
    await transfers.createTransfer(req);
    probe.failNext = 1;
    const { notification } = await sim.confirmTransfer({ outBillNo: req.outBillNo });
    expect(notification?.attempts[0].status).toBe(500);
    await until(() => deliveries(req.outBillNo)[0]?.acknowledged);
    expect(await row(req.outBillNo)).toMatchObject({ state: 'SUCCESS' });
    expect(probe.succeeded.filter((e) => e.transfer.outBillNo === req.outBillNo)).toHaveLength(1);
  });

  it('cancels a waiting transfer: CANCELLED once, whichever of the answer and the notification comes first', async () => {
    const req = transferRequest(openId);
    await transfers.createTransfer(req);
    const cancelled = await transfers.cancelTransfer(req.outBillNo);
    expect(cancelled.state).toBe('CANCELLED');
    await until(() => deliveries(req.outBillNo)[0]?.acknowledged);
    expect(probe.failed.filter((e) => e.transfer.outBillNo === req.outBillNo)).toHaveLength(1);
    expect((await transfers.queryTransfer({ transferBillNo: cancelled.transferBillNo! })).state).toBe('CANCELLED');
  });

  it('encrypts the user name from 2,000 yuan on; the simulator decrypts it with the WeChat Pay private key', async () => {
    const req = transferRequest(openId, { amount: 200_000, userName: '张三' });
    await transfers.createTransfer(req);
    expect(sim.transfer(req.outBillNo)).toMatchObject({ userName: '张三', userNameSerial: SIMULATOR_DEV_V3.publicKeyId });
    expect(JSON.stringify(await row(req.outBillNo))).not.toContain('张三');
  });
});

describe(`merchant transfers in platform-certificate mode (${testDbEngine()})`, () => {
  it('sends user_name encrypted with the newest platform certificate, named by its serial', async () => {
    const { sim, h, transfers } = await startTransferHarness('certificate');
    try {
      const { openId } = await h.login();
      const req = transferRequest(openId, { amount: 250_000, userName: '李四' });
      const created = await transfers.createTransfer(req);
      expect(created.transfer.state).toBe('WAIT_USER_CONFIRM');
      expect(sim.transfer(req.outBillNo)).toMatchObject({ userName: '李四', userNameSerial: SIMULATOR_DEV_V3.platformSerialNo });
    } finally {
      await h.close();
      await sim.stop();
    }
  });
});
