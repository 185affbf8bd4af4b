import { DataSource } from 'typeorm';
import { PayTransfer } from '../lib';
import type { SimNotification, SimTransfer } from '../lib/testing';
import { startSampleApp } from '../sample-app/src/bootstrap';
import type { SampleApp } from '../sample-app/src/bootstrap';
import { loadConfig } from '../sample-app/src/config';
import { createTestDatabase } from './utils/database';
import type { TestDatabase } from './utils/database';
import { sampleAppEnv } from './utils/platform';
import { miniProgramUser, post } from './utils/sample-user';

const pad = (id: number) => String(id).padStart(6, '0');

/**
 * The money of the sample app after a payment, with WeChat Pay API v3 on the database TEST_DB names: cash back (a
 * merchant transfer), the partner's split (profit sharing) and the console's reconciliation of a lost notification.
 * Called by test/sample-app.e2e-spec.ts.
 */
export function describeSampleAppMoney(): void {
  describe('sample app: cash back, the partner split and reconciliation (WeChat Pay API v3)', () => {
    let sample: SampleApp;
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase();
      const config = loadConfig(sampleAppEnv({ WECHAT_PAY_API_VERSION: 'v3' }));
      sample = await startSampleApp({ ...config, database: { ...db.options, autoLoadEntities: true } }, false);
    });
    afterAll(async () => {
      await sample?.close();
      await db?.drop();
    });

    /** A user with a paid order of `totalFee` fen (the notification applied). */
    async function paid(totalFee: number) {
      const user = await miniProgramUser(sample);
      const id = await user.paidOrder('Money order', totalFee);
      expect(await user.orderWhen(id, (o) => o.paid)).toMatchObject({ paid: true, status: 'FULFILLED', cashbackState: null });
      const call = (path: string, body: unknown = {}) => post(`${sample.appUrl}/orders/${id}/${path}`, body, user.token);
      return { user, id, call };
    }

    it('cash back: wx.requestMerchantTransfer params → the user confirms → SUCCESS on the order, applied once', async () => {
      const { user, id, call } = await paid(1234);
      const outBillNo = `CB${pad(id)}`;
      const created = await call('cashback');
      expect(created).toMatchObject({
        status: 200,
        body: {
          outBillNo,
          amount: 12, // 1% of 1234 fen, rounded down
          state: 'WAIT_USER_CONFIRM',
          requestMerchantTransfer: { mchId: '1900000109', appId: 'wxdevsimulator0001', package: expect.any(String), openId: user.openId },
        },
      });
      expect(await user.order(id)).toMatchObject({ cashbackAmount: 12, cashbackState: 'WAIT_USER_CONFIRM' });
      const bill = await user.sim<SimTransfer>('GET', `transfer?outBillNo=${outBillNo}`);
      expect(bill.body).toMatchObject({ transferAmount: 12, transferSceneId: '1000', state: 'WAIT_USER_CONFIRM', openId: user.openId });
      expect(bill.body.packageInfo).toBe((created.body.requestMerchantTransfer as { package: string }).package);
      expect(bill.body.reportInfos.map((r) => r.infoType)).toEqual(['活动名称', '奖励说明']);

      // wx.requestMerchantTransfer: the user confirms; WeChat transfers and notifies the app, which records it.
      const confirmed = await user.sim<{ transfer: SimTransfer; notification: SimNotification }>('POST', 'transferConfirm', { outBillNo });
      expect(confirmed.status).toBe(200);
      expect(confirmed.body.transfer.history).toEqual(['ACCEPTED', 'WAIT_USER_CONFIRM', 'TRANSFERING', 'SUCCESS']);
      expect(confirmed.body.notification).toMatchObject({ kind: 'transfer', acknowledged: true });
      expect(await user.orderWhen(id, (o) => o.cashbackState === 'SUCCESS')).toMatchObject({
        cashbackState: 'SUCCESS',
        cashbackAmount: 12,
      });

      // Once: the user cannot confirm again, duplicates change nothing, a new request is answered from the final transfer.
      expect((await user.sim('POST', 'transferConfirm', { outBillNo })).status).toBe(409);
      const duplicates = await user.sim<{ notifications: SimNotification[] }>('POST', 'transferNotify', {
        outBillNo,
        kind: 'duplicate',
        copies: 3,
      });
      expect(duplicates.body.notifications.map((n) => n.acknowledged)).toEqual([true, true, true]);
      expect(await call('cashback')).toMatchObject({ status: 200, body: { outBillNo, state: 'SUCCESS', requestMerchantTransfer: null } });
      expect(await user.order(id)).toMatchObject({ cashbackState: 'SUCCESS' });
      expect(await transfers(outBillNo)).toEqual([expect.objectContaining({ state: 'SUCCESS', transferAmount: 12 })]);
    });

    it('cash back: a double tap makes one transfer; a declined one is recorded CANCELLED and not offered again', async () => {
      const { user, id, call } = await paid(1);
      const taps = await Promise.all([call('cashback'), call('cashback')]);
      expect(taps.map((t) => t.status)).toEqual([200, 200]);
      expect(taps[0].body).toMatchObject({ outBillNo: `CB${pad(id)}`, amount: 1, state: 'WAIT_USER_CONFIRM' });
      expect(taps[1].body).toEqual(taps[0].body);
      expect(await transfers(`CB${pad(id)}`)).toHaveLength(1);

      const declined = await user.sim('POST', 'transferConfirm', { outBillNo: `CB${pad(id)}`, action: 'decline' });
      expect(declined.status).toBe(200);
      expect(await user.orderWhen(id, (o) => o.cashbackState === 'CANCELLED')).toMatchObject({ cashbackState: 'CANCELLED' });
      expect(await call('cashback')).toMatchObject({ status: 200, body: { state: 'CANCELLED', requestMerchantTransfer: null } });
    });

    it('refuses cash back and splits of orders it cannot pay from: unpaid or refunded 409, not yours 404, bad id 400, no token 401', async () => {
      const { user, id, call } = await paid(100);
      const other = await miniProgramUser(sample);
      const unpaid = (await post(`${sample.appUrl}/orders`, { description: 'Unpaid', totalFee: 100 }, user.token)).body.id as number;
      for (const path of ['cashback', 'split']) {
        expect((await post(`${sample.appUrl}/orders/${unpaid}/${path}`, {}, user.token)).status).toBe(409);
        expect((await post(`${sample.appUrl}/orders/${id}/${path}`, {}, other.token)).status).toBe(404);
        expect((await post(`${sample.appUrl}/orders/abc/${path}`, {}, user.token)).status).toBe(400);
        expect((await post(`${sample.appUrl}/orders/${id}/${path}`, {})).status).toBe(401);
      }
      expect((await call('split', { amount: 0 })).status).toBe(400);
      expect((await call('split', { amount: 'ten' })).status).toBe(400);
      expect((await call('refund')).status).toBe(200);
      expect(await user.orderWhen(id, (o) => o.status === 'REFUNDED')).toMatchObject({ status: 'REFUNDED' });
      expect(await call('cashback')).toMatchObject({ status: 409, body: { message: `order ${id} was refunded` } });
      expect(await user.order(id)).toMatchObject({ cashbackState: null, splitState: null });
    });

    it('splits a share within the 30% limit to the partner, refuses one over it (409, what is left), finished once by WeChat', async () => {
      const { user, id, call } = await paid(1000);
      const over = await call('split', { amount: 301 });
      expect(over).toMatchObject({
        status: 409,
        body: { left: 300, message: `301 fen is over what order ${id} still allows to split (300 fen)` },
      });
      expect(await user.order(id)).toMatchObject({ splitState: null, splitAmount: null });

      const outOrderNo = `SP${pad(id)}`;
      const split = await call('split');
      expect(split).toMatchObject({
        status: 200,
        body: { outOrderNo, amount: 100, state: 'PROCESSING', receiver: { type: 'MERCHANT_ID', account: '1900000110' } },
      });
      // A repeated request is the same split.
      expect(await call('split')).toMatchObject({ status: 200, body: { outOrderNo, amount: 100 } });
      const finished = await user.orderWhen(id, (o) => o.splitState === 'FINISHED');
      expect(finished).toMatchObject({ splitState: 'FINISHED', splitAmount: 100, splitResult: 'SUCCESS' });
      const atWeChat = sample.simulator!.profitSharingOrder(outOrderNo);
      expect(atWeChat).toMatchObject({ state: 'FINISHED' });
      expect(sample.simulator!.profitSharingReceiver('MERCHANT_ID', '1900000110')).toMatchObject({ name: '示例合作门店' });
      expect(await call('split')).toMatchObject({ status: 200, body: { state: 'FINISHED', amount: 100 } });
    });

    it('reconciles a payment whose notification was lost: POST /console/reconcile pays and fulfils the order once', async () => {
      const user = await miniProgramUser(sample);
      const id = (await post(`${sample.appUrl}/orders`, { description: 'Lost notification', totalFee: 300 }, user.token)).body.id as number;
      const params = (await post(`${sample.appUrl}/orders/${id}/pay`, {}, user.token)).body as { package: string };
      expect((await user.sim('POST', 'loseNotifications', { kind: 'pay' })).status).toBe(200);
      const payment = await user.sim<{ notification: SimNotification }>('POST', 'pay', {
        prepayId: params.package.slice('prepay_id='.length),
      });
      expect(payment.body.notification).toMatchObject({ lost: true });
      expect(await user.order(id)).toMatchObject({ paid: false, status: 'CREATED', fulfilledCount: 0 });

      const run = async () => {
        const res = await fetch(`${sample.appUrl}/console/reconcile`, { method: 'POST' });
        expect(res.status).toBe(200);
        return (await res.json()) as { pending: { orders: { changed: number } }; bill: { billDate: string; apiVersion: string } };
      };
      const report = await run();
      expect(report.pending.orders.changed).toBe(1);
      expect(report.bill).toMatchObject({ billDate: expect.stringMatching(/^\d{4}-\d\d-\d\d$/), apiVersion: 'v3' });
      expect(await user.order(id)).toMatchObject({ paid: true, status: 'FULFILLED', fulfilledCount: 1, payStatus: 'SUCCESS' });
      // Nothing is left to repair; the handler ran once.
      expect((await run()).pending.orders.changed).toBe(0);
      expect(await user.order(id)).toMatchObject({ fulfilledCount: 1 });
    });

    /** The PayTransfer rows of a bill number. */
    function transfers(outBillNo: string): Promise<PayTransfer[]> {
      return sample.app.get(DataSource).getRepository(PayTransfer).findBy({ outBillNo });
    }
  });
}
