import {
  PayOrder,
  PayOrderStateError,
  PayRefund,
  WeChatAccount,
  WeChatPayError,
  WeChatPayInputError,
  WeChatPayService,
  buildPayXml,
  parsePayXml,
} from '../lib';
import { SIMULATOR_DEV_MERCHANT, WeChatSimulator } from '../lib/testing';
import { PayEventsProbe } from './src/pay-events.probe';
import { signV2 } from './src/pay-notifications';
import type { SignType } from './src/pay-notifications';
import { freePort, Harness, simulatorPayOptions, startHarness, testDbEngine } from './utils/harness';

async function until<T>(probe: () => T | Promise<T>, ms = 5000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

type Delivery = { attempts: Array<{ status: number; body: string }> };

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

describe(`WeChat Pay v2 (fixture host + simulator + ${testDbEngine()})`, () => {
  let sim: WeChatSimulator;
  let h: Harness;
  let pay: WeChatPayService;
  let probe: PayEventsProbe;
  let openId: string;

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0005, refundDelayMs: 200 });
    await sim.start();
    const port = await freePort();
    h = await startHarness({ sim, port, providers: [PayEventsProbe], options: { pay: simulatorPayOptions(sim, port) } });
    pay = h.app.get(WeChatPayService);
    probe = h.app.get(PayEventsProbe);
    openId = (await h.login()).openId;
  });
  afterAll(async () => {
    await h.close();
    await sim.stop();
  });
  beforeEach(() => {
    probe.failPaid = 0;
    probe.delayMs = 0;
  });

  const orders = () => h.dataSource.getRepository(PayOrder);
  const newOrder = (totalFee = 101, body = 'Pickup order') => pay.createJsapiPayment({ body, totalFee, openId });

  describe('createJsapiPayment and jsapiParams', () => {
    it('returns exactly what wx.requestPayment takes, signed over its five fields', async () => {
      const { order, params, reusedPrepayId } = await newOrder();
      expect(reusedPrepayId).toBe(false);
      expect(Object.keys(params).sort()).toEqual(['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
      expect(params.timeStamp).toMatch(/^\d{10}$/);
      expect(Math.abs(Number(params.timeStamp) - Date.now() / 1000)).toBeLessThan(5);
      expect(params.package).toBe(`prepay_id=${order.prepayId}`);
      const { paySign, ...signed } = params;
      expect(paySign).toBe(signV2(signed, SIMULATOR_DEV_MERCHANT.apiKey));
      expect(await orders().findOneByOrFail({ id: order.id })).toMatchObject({ status: 'NOTPAY', paid: false, totalFee: 101 });
    });

    it('reuses a valid prepay_id without asking WeChat again', async () => {
      const first = await newOrder(202);
      const calls = sim.calls.length;
      const again = await pay.createJsapiPayment({ order: first.order, body: 'Pickup order', totalFee: 202, openId });
      expect(again.reusedPrepayId).toBe(true);
      expect(again.order.id).toBe(first.order.id);
      expect(again.params.package).toBe(first.params.package);
      expect(sim.calls.length).toBe(calls);
    });

    it('closes the old out_trade_no and issues a fresh one on the same PayOrder when the amount changes', async () => {
      const first = await newOrder(303);
      const oldNo = first.order.outTradeNo;
      const changed = await pay.createJsapiPayment({ order: first.order.id, body: 'Pickup order', totalFee: 404, openId });
      expect(changed.order.id).toBe(first.order.id);
      expect(changed.order.outTradeNo).not.toBe(oldNo);
      expect(sim.order(oldNo)?.tradeState).toBe('CLOSED');
      expect(await orders().findOneByOrFail({ id: first.order.id })).toMatchObject({ totalFee: 404, outTradeNo: changed.order.outTradeNo });
    });

    it('continues with a new out_trade_no when WeChat says OUT_TRADE_NO_USED', async () => {
      const outTradeNo = `used${Date.now()}`;
      await pay.unifiedOrder({ outTradeNo, body: 'Other terms', totalFee: 999, openId }); // WeChat knows it with other terms
      const row = await orders().save(
        orders().create({ outTradeNo, body: 'Pickup order', totalFee: 100, openId, status: 'NOTPAY', paid: false }),
      );
      await expect(pay.unifiedOrder({ outTradeNo, body: 'Pickup order', totalFee: 100, openId })).rejects.toMatchObject({
        errCode: 'OUT_TRADE_NO_USED',
      });
      const { order, reusedPrepayId } = await pay.createJsapiPayment({ order: row, body: 'Pickup order', totalFee: 100, openId });
      expect(reusedPrepayId).toBe(false);
      expect(order.id).toBe(row.id);
      expect(order.outTradeNo).not.toBe(outTradeNo);
      expect(sim.order(order.outTradeNo)).toMatchObject({ totalFee: 100, tradeState: 'NOTPAY' });
    });

    it('continues with a new out_trade_no when the old one was closed at WeChat', async () => {
      const { order: first } = await newOrder(111);
      await pay.closeOrder(first.outTradeNo); // closed behind the PayOrder's back
      await orders().update({ id: first.id }, { prepayExpiresAt: new Date(Date.now() - 1000) });
      const { order } = await pay.createJsapiPayment({ order: first.id, body: 'Pickup order', totalFee: 111, openId });
      expect(order.outTradeNo).not.toBe(first.outTradeNo);
      expect(sim.order(order.outTradeNo)?.tradeState).toBe('NOTPAY');
    });

    it('refuses to pay an order twice', async () => {
      const { order, params } = await newOrder(505);
      await sim.pay({ prepayId: params.package.slice('prepay_id='.length) });
      await until(async () => (await orders().findOneByOrFail({ id: order.id })).paid);
      await expect(pay.createJsapiPayment({ order, body: 'Pickup order', totalFee: 505, openId })).rejects.toBeInstanceOf(
        PayOrderStateError,
      );
    });

    it.each([
      ['a fractional amount', { totalFee: 1.5 }],
      ['NaN', { totalFee: NaN }],
      ['a zero amount', { totalFee: 0 }],
      ['an amount as a string', { totalFee: '100' }],
      ['a bad out_trade_no', { outTradeNo: 'no' }],
      ['an empty body', { body: '' }],
      ['U+0000 in the body', { body: 'Pickup\u0000order' }],
      ['ESC in the body', { body: 'Pickup \u001b[31morder' }],
      ['a control character in attach', { attach: 'a\u0007b' }],
      ['a lone surrogate in the openid', { openId: 'o\ud800' }],
      ['an impossible timeExpire', { timeExpire: '20260230120000' }],
    ])('sends nothing and stores nothing for %s', async (_name, patch) => {
      const calls = sim.calls.length;
      const stored = await orders().count();
      await expect(pay.createJsapiPayment({ body: 'x', totalFee: 1, openId, ...(patch as object) })).rejects.toBeInstanceOf(
        WeChatPayInputError,
      );
      expect(sim.calls.length).toBe(calls);
      expect(await orders().count()).toBe(stored);
    });

    it.each([
      ['U+0000 in the body', { body: 'a\u0000b' }],
      ['ESC in the detail', { detail: '{"goods_detail":"\u001b"}' }],
    ])('refuses %s in unifiedOrder with WeChatPayInputError before sending', async (_name, patch) => {
      const calls = sim.calls.length;
      const request = { outTradeNo: 'CTRL000001', body: 'x', totalFee: 1, openId, ...patch };
      await expect(pay.unifiedOrder(request)).rejects.toBeInstanceOf(WeChatPayInputError);
      expect(sim.calls.length).toBe(calls);
    });
  });

  describe('payment notifications', () => {
    it('marks the order paid once and runs the handler once', async () => {
      const { order, params } = await newOrder(606);
      const report = await sim.pay({ prepayId: params.package.slice(10) });
      const paid = await until(async () => {
        const o = await orders().findOneByOrFail({ id: order.id });
        return o.paid ? o : null;
      });
      expect(paid).toMatchObject({ status: 'SUCCESS', transactionId: report.transactionId, paid: true });
      expect(probe.paid.filter((e) => e.order.id === order.id)).toHaveLength(1);
      expect(probe.paid.find((e) => e.order.id === order.id)).toMatchObject({ source: 'notify', notification: { totalFee: 606 } });
      const account = await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ openId });
      expect(account.city).toBe(`paid:${order.outTradeNo}`);
    });

    it('answers 50 concurrent duplicates SUCCESS with one transition and one handler call', async () => {
      const { order, params } = await newOrder(707);
      probe.delayMs = 20;
      await sim.pay({ prepayId: params.package.slice(10) });
      await until(async () => (await orders().findOneByOrFail({ id: order.id })).paid);
      const res = await control(sim, '/__sim/notify', { outTradeNo: order.outTradeNo, kind: 'duplicate', copies: 50 });
      expect(res.status).toBe(200);
      const reports = res.body;
      expect(reports).toHaveLength(50);
      for (const r of reports) expect(r.attempts[0].body).toContain('SUCCESS');
      expect(probe.paid.filter((e) => e.order.id === order.id)).toHaveLength(1);
      expect((await orders().findOneByOrFail({ id: order.id })).version).toBe(order.version + 2); // prepay stored, then paid
    });

    it('processes 50 concurrent first deliveries exactly once', async () => {
      const { order, params } = await newOrder(808);
      probe.delayMs = 5;
      probe.failPaid = 1; // the genuine delivery fails, so the order is still unpaid when the copies arrive
      await sim.pay({ prepayId: params.package.slice(10) });
      expect((await orders().findOneByOrFail({ id: order.id })).paid).toBe(false);
      const res = await control(sim, '/__sim/notify', { outTradeNo: order.outTradeNo, kind: 'duplicate', copies: 50 });
      expect(res.status).toBe(200);
      await until(async () => (await orders().findOneByOrFail({ id: order.id })).paid);
      expect(probe.paid.filter((e) => e.order.id === order.id)).toHaveLength(1);
    });

    it.each(['forged-sign', 'wrong-key', 'wrong-amount', 'wrong-appid', 'wrong-mchid', 'fail-return-code', 'unsigned'])(
      'answers FAIL to a %s notification and changes nothing',
      async (kind) => {
        const { order } = await newOrder(909);
        const before = await orders().findOneByOrFail({ id: order.id });
        const res = await control(sim, '/__sim/notify', { outTradeNo: order.outTradeNo, kind });
        expect(res.status).toBe(200);
        const reports = res.body;
        expect(reports[0].attempts[0].body).toContain('FAIL');
        expect(await orders().findOneByOrFail({ id: order.id })).toEqual(before);
        expect(probe.paid.filter((e) => e.order.id === order.id)).toHaveLength(0);
      },
    );

    it('answers FAIL when the handler throws, rolls back its writes, and succeeds on redelivery', async () => {
      const { order, params } = await newOrder(1001);
      probe.failPaid = 1;
      await sim.pay({ prepayId: params.package.slice(10) });
      await until(() => sim.notifications.find((n) => n.outTradeNo === order.outTradeNo && n.kind === 'pay')?.acknowledged);
      expect((await orders().findOneByOrFail({ id: order.id })).paid).toBe(true);
      expect(probe.paid.filter((e) => e.order.id === order.id)).toHaveLength(1);
      const delivery = sim.notifications.find((n) => n.outTradeNo === order.outTradeNo && n.kind === 'pay');
      expect(delivery?.attempts.length).toBeGreaterThanOrEqual(2);
      expect(delivery?.attempts[0].body).toContain('FAIL');
      expect(delivery?.acknowledged).toBe(true);
    });

    it('keeps the order unpaid, and the handler’s writes undone, while the handler keeps failing', async () => {
      const { order, params } = await newOrder(1002);
      probe.failPaid = 1000;
      await sim.pay({ prepayId: params.package.slice(10) });
      await until(() => (sim.notifications.find((n) => n.outTradeNo === order.outTradeNo)?.attempts.length ?? 0) >= 3);
      expect((await orders().findOneByOrFail({ id: order.id })).paid).toBe(false);
      const account = await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ openId });
      expect(account.city).not.toBe(`paid:${order.outTradeNo}`);
      probe.failPaid = 0;
      await until(async () => (await orders().findOneByOrFail({ id: order.id })).paid, 10_000);
    });

    describe('forged notifications for an unpaid order (built here, independently of the simulator)', () => {
      const key = SIMULATOR_DEV_MERCHANT.apiKey;
      async function genuineFields(totalFee: number) {
        const { order } = await newOrder(totalFee);
        const fields: Record<string, string> = {
          return_code: 'SUCCESS',
          result_code: 'SUCCESS',
          appid: SIMULATOR_DEV_MERCHANT.appId,
          mch_id: SIMULATOR_DEV_MERCHANT.mchId,
          nonce_str: 'forgedNonce123',
          openid: openId,
          out_trade_no: order.outTradeNo,
          transaction_id: `42000000${Date.now()}`.slice(0, 28),
          total_fee: String(totalFee),
          time_end: '20261124120000',
          trade_type: 'JSAPI',
        };
        return { order, fields };
      }
      const post = (xml: string) => h.http().post('/miniprogram_auth/wechatPayCallback').set('content-type', 'text/xml').send(xml);

      it.each([
        ['signed with another key', (f: Record<string, string>) => ({ ...f, sign: signV2(f, 'y'.repeat(32)) })],
        ['without a sign', (f: Record<string, string>) => f],
        ['with a tampered amount after signing', (f: Record<string, string>) => ({ ...f, sign: signV2(f, key), total_fee: '1' })],
        [
          'correctly signed but for another amount',
          (f: Record<string, string>) => {
            const g = { ...f, total_fee: '1' };
            return { ...g, sign: signV2(g, key) };
          },
        ],
        [
          'correctly signed for another appid',
          (f: Record<string, string>) => {
            const g = { ...f, appid: 'wx0000000000000000' };
            return { ...g, sign: signV2(g, key) };
          },
        ],
        [
          'correctly signed for another mch_id',
          (f: Record<string, string>) => {
            const g = { ...f, mch_id: '1900000999' };
            return { ...g, sign: signV2(g, key) };
          },
        ],
        [
          'claiming HMAC-SHA256 with an MD5 sign',
          (f: Record<string, string>) => ({ ...f, sign_type: 'HMAC-SHA256', sign: signV2(f, key) }),
        ],
        [
          'with return_code FAIL',
          (f: Record<string, string>) => {
            const g = { ...f, return_code: 'FAIL' };
            return { ...g, sign: signV2(g, key) };
          },
        ],
      ])('refuses one %s', async (_name, forge) => {
        const { order, fields } = await genuineFields(1500);
        const res = await post(buildPayXml(forge(fields)));
        expect((await parsePayXml(res.text)).return_code).toBe('FAIL');
        expect(await orders().findOneByOrFail({ id: order.id })).toMatchObject({ paid: false, status: 'NOTPAY', transactionId: null });
        expect(probe.paid.filter((e) => e.order.id === order.id)).toHaveLength(0);
      });

      it('accepts the same notification correctly signed (MD5 and HMAC-SHA256)', async () => {
        for (const type of ['MD5', 'HMAC-SHA256'] as const) {
          const { order, fields } = await genuineFields(1600);
          const signed = type === 'MD5' ? fields : { ...fields, sign_type: type };
          const res = await post(buildPayXml({ ...signed, sign: signV2(signed, key, type) }));
          expect((await parsePayXml(res.text)).return_code).toBe('SUCCESS');
          expect(await orders().findOneByOrFail({ id: order.id })).toMatchObject({ paid: true, transactionId: fields.transaction_id });
        }
      });
    });

    it.each([
      ['malformed XML', 'text/xml', '<xml><return_code>SUCCESS'],
      ['XXE', 'text/xml', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>'],
      ['billion laughs', 'text/xml', '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><xml><x>&b;</x></xml>'],
      ['an oversized body', 'text/xml', `<xml><a>${'x'.repeat(200_000)}</a></xml>`],
      ['JSON', 'application/json', '{"return_code":"SUCCESS"}'],
      ['an empty body', 'text/xml', ''],
    ])('answers XML FAIL with text/xml for %s', async (_name, type, body) => {
      const res = await h.http().post('/miniprogram_auth/wechatPayCallback').set('content-type', type).send(body);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/xml/);
      expect((await parsePayXml(res.text)).return_code).toBe('FAIL');
    });

    it('answers FAIL for an unknown order even when correctly signed', async () => {
      const params = {
        return_code: 'SUCCESS',
        result_code: 'SUCCESS',
        appid: SIMULATOR_DEV_MERCHANT.appId,
        mch_id: SIMULATOR_DEV_MERCHANT.mchId,
        nonce_str: 'n0nce',
        out_trade_no: 'nosuchorder123',
        transaction_id: '4200000000000000000000000001',
        total_fee: '1',
      };
      const xml = buildPayXml({ ...params, sign: signV2(params, SIMULATOR_DEV_MERCHANT.apiKey) });
      const res = await h.http().post('/miniprogram_auth/wechatPayCallback/').set('content-type', 'text/xml').send(xml);
      expect((await parsePayXml(res.text)).return_code).toBe('FAIL');
    });
  });

  describe('queries, closing and syncOrder', () => {
    it('queries an order by out_trade_no and by transaction id', async () => {
      const { order, params } = await newOrder(1111);
      expect(await pay.orderQuery({ outTradeNo: order.outTradeNo })).toMatchObject({ tradeState: 'NOTPAY', outTradeNo: order.outTradeNo });
      const { transactionId } = await sim.pay({ prepayId: params.package.slice(10) });
      const byId = await pay.orderQuery({ transactionId });
      expect(byId).toMatchObject({ tradeState: 'SUCCESS', totalFee: 1111, transactionId, openId });
      expect(byId.timeEnd).toBeInstanceOf(Date);
    });

    it('syncOrder applies a payment the notification never delivered, running the handler once', async () => {
      const { order, params } = await newOrder(1212);
      probe.failPaid = 1000; // every notification fails: only the query can tell
      await sim.pay({ prepayId: params.package.slice(10) });
      probe.failPaid = 0;
      const synced = await pay.syncOrder(order.outTradeNo);
      expect(synced).toMatchObject({ paid: true, status: 'SUCCESS' });
      await new Promise((resolve) => setTimeout(resolve, 100)); // let redeliveries arrive
      expect(probe.paid.filter((e) => e.order.id === order.id)).toHaveLength(1);
      expect(probe.paid.find((e) => e.order.id === order.id)?.source).toBe('query');
    });

    it('retries SYSTEMERROR and 5xx with the same request, and reports them typed when they persist', async () => {
      const { order } = await newOrder(1414);
      sim.addFault({ path: '/pay/orderquery', payErrCode: 'SYSTEMERROR', count: 1 });
      sim.addFault({ path: '/pay/orderquery', status: 503, count: 1 });
      const before = sim.calls.filter((c) => c.path === '/pay/orderquery').length;
      await expect(pay.orderQuery({ outTradeNo: order.outTradeNo })).resolves.toMatchObject({ tradeState: 'NOTPAY' });
      expect(sim.calls.filter((c) => c.path === '/pay/orderquery').length - before).toBe(3);
      sim.addFault({ path: '/pay/orderquery', payErrCode: 'SYSTEMERROR', count: 10 });
      await expect(pay.orderQuery({ outTradeNo: order.outTradeNo })).rejects.toMatchObject({
        name: 'WeChatPayError',
        errCode: 'SYSTEMERROR',
      });
      sim.clearFaults();
    });

    it('closes an unpaid order and reports unknown orders as typed errors', async () => {
      const { order } = await newOrder(1313);
      await pay.closeOrder(order.outTradeNo);
      expect((await pay.syncOrder(order.id)).status).toBe('CLOSED');
      await expect(pay.orderQuery({ outTradeNo: 'nosuchorder999' })).rejects.toMatchObject({
        name: 'WeChatPayError',
        errCode: 'ORDERNOTEXIST',
      });
    });
  });

  describe('the generic signed request (pay.v2.request), for APIs the library does not wrap', () => {
    it('signs any v2 call, verifies the answer and retries like the wrapped calls', async () => {
      const { order } = await newOrder(1515);
      sim.addFault({ path: '/pay/orderquery', payErrCode: 'SYSTEMERROR', count: 1 });
      const before = sim.calls.filter((c) => c.path === '/pay/orderquery').length;
      const answer = await pay.v2.request('/pay/orderquery', { out_trade_no: order.outTradeNo });
      expect(sim.calls.filter((c) => c.path === '/pay/orderquery').length - before).toBe(2);
      expect(answer).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'SUCCESS',
        trade_state: 'NOTPAY',
        out_trade_no: order.outTradeNo,
      });
      const { sign, ...fields } = answer;
      expect(sign).toBe(signV2(fields, SIMULATOR_DEV_MERCHANT.apiKey, (answer.sign_type as SignType | undefined) ?? 'MD5'));
      const hmac = await pay.v2.request('/pay/orderquery', { out_trade_no: order.outTradeNo }, { signType: 'HMAC-SHA256' });
      expect(hmac.trade_state).toBe('NOTPAY');
    });

    it('reports WeChat’s refusals as WeChatPayError with the API named, and refuses paths that are not the pay API’s', async () => {
      await expect(pay.v2.request('/pay/orderquery', { out_trade_no: 'nosuchorder998' }, { api: 'myQuery' })).rejects.toMatchObject({
        name: 'WeChatPayError',
        errCode: 'ORDERNOTEXIST',
        api: 'myQuery',
      });
      const calls = sim.calls.length;
      for (const path of [
        'pay/orderquery',
        '/pay/../secapi/pay/refund',
        '//evil.example/pay',
        '/pay/orderquery?x=1',
        'https://evil.example/pay',
      ]) {
        await expect(pay.v2.request(path, {})).rejects.toBeInstanceOf(WeChatPayInputError);
      }
      expect(sim.calls.length).toBe(calls);
    });
  });

  describe('refunds', () => {
    async function paidOrder(totalFee: number): Promise<PayOrder> {
      const { order, params } = await newOrder(totalFee);
      await sim.pay({ prepayId: params.package.slice(10) });
      return until(async () => {
        const o = await orders().findOneByOrFail({ id: order.id });
        return o.paid ? o : null;
      });
    }

    it('persists the refund, settles it once from the refund notification, and queries it', async () => {
      const order = await paidOrder(2000);
      const refund = await pay.refundOrder({ order, refundFee: 500 });
      expect(refund).toMatchObject({ status: 'PROCESSING', refundFee: 500, orderId: order.id });
      const settled = await until(async () => {
        const r = await h.dataSource.getRepository(PayRefund).findOneByOrFail({ id: refund.id });
        return r.status === 'SUCCESS' ? r : null;
      });
      expect(settled.refundId).toBeTruthy();
      expect(await orders().findOneByOrFail({ id: order.id })).toMatchObject({ refundedFee: 500, status: 'REFUND', paid: true });
      expect(probe.refunds.filter((e) => e.refund.id === refund.id)).toHaveLength(1);

      const dup = await control(sim, '/__sim/refundNotify', { outRefundNo: refund.outRefundNo, kind: 'duplicate', copies: 10 });
      expect(dup.status).toBe(200);
      expect(probe.refunds.filter((e) => e.refund.id === refund.id)).toHaveLength(1);
      expect((await orders().findOneByOrFail({ id: order.id })).refundedFee).toBe(500);

      const query = await pay.refundQuery({ outTradeNo: order.outTradeNo });
      expect(query.refundCount).toBe(1);
      expect(query.refunds[0]).toMatchObject({ outRefundNo: refund.outRefundNo, refundFee: 500, refundStatus: 'SUCCESS' });
      expect(query.refunds[0].refundSuccessTime).toBeInstanceOf(Date);
    });

    it('records a PayRefund for the low-level refund() of a PayOrder, and keeps none when WeChat refuses', async () => {
      const order = await paidOrder(2500);
      const result = await pay.refund({ outTradeNo: order.outTradeNo, outRefundNo: `low${Date.now()}`, totalFee: 2500, refundFee: 700 });
      expect(result.record).toMatchObject({ orderId: order.id, refundFee: 700, refundId: result.refundId });
      sim.addFault({ path: '/secapi/pay/refund', payErrCode: 'NOTENOUGH', count: 1 });
      await expect(
        pay.refund({ outTradeNo: order.outTradeNo, outRefundNo: 'refused-1', totalFee: 2500, refundFee: 100 }),
      ).rejects.toMatchObject({
        errCode: 'NOTENOUGH',
      });
      expect(await h.dataSource.getRepository(PayRefund).findOneBy({ outRefundNo: 'refused-1' })).toBeNull();
    });

    it('is safe to repeat with the same outRefundNo and refuses to refund more than was paid', async () => {
      const order = await paidOrder(3000);
      const first = await pay.refundOrder({ order, refundFee: 1000, outRefundNo: 'refund-repeat-1' });
      const again = await pay.refundOrder({ order, refundFee: 1000, outRefundNo: 'refund-repeat-1' });
      expect(again.id).toBe(first.id);
      expect(await h.dataSource.getRepository(PayRefund).countBy({ orderId: order.id })).toBe(1);
      await expect(pay.refundOrder({ order, refundFee: 2001 })).rejects.toBeInstanceOf(PayOrderStateError);
      await expect(pay.refundOrder({ order: (await newOrder(10)).order })).rejects.toBeInstanceOf(PayOrderStateError);
    });

    describe('concurrent refunds of one order', () => {
      const refundCalls = () => sim.calls.filter((call) => call.path === '/secapi/pay/refund').length;
      const refundedSum = async (order: PayOrder) =>
        (await h.dataSource.getRepository(PayRefund).findBy({ orderId: order.id })).reduce((sum, r) => sum + r.refundFee, 0);

      /** Runs the refunds at once; checks that each one refused was refused locally, as PayOrderStateError. */
      async function race(order: PayOrder, fees: Array<number | undefined>): Promise<{ accepted: PayRefund[]; sent: number }> {
        const calls = refundCalls();
        const results = await Promise.allSettled(fees.map((refundFee) => pay.refundOrder({ order, refundFee })));
        for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(PayOrderStateError);
        const accepted = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
        return { accepted, sent: refundCalls() - calls };
      }

      it('accepts one of 7 + 6 + 5 fen of a 10 fen order and refuses the others before WeChat is asked', async () => {
        const order = await paidOrder(10);
        const { accepted, sent } = await race(order, [7, 6, 5]);
        expect(accepted).toHaveLength(1);
        expect(sent).toBe(1);
        expect(await refundedSum(order)).toBe(accepted[0].refundFee);
      });

      it('refunds "the rest" once when it is asked for twice at once', async () => {
        const order = await paidOrder(10);
        const { accepted, sent } = await race(order, [undefined, undefined]);
        expect(accepted.map((r) => r.refundFee)).toEqual([10]);
        expect(sent).toBe(1);
        expect(await refundedSum(order)).toBe(10);
      });

      it('never lets 40 concurrent refunds of 2 fen add up to more than a 30 fen payment', async () => {
        const order = await paidOrder(30);
        const { accepted, sent } = await race(
          order,
          Array.from({ length: 40 }, () => 2),
        );
        expect(accepted).toHaveLength(15);
        expect(sent).toBe(15);
        expect(await refundedSum(order)).toBe(30);
        await expect(pay.refundOrder({ order, refundFee: 1 })).rejects.toBeInstanceOf(PayOrderStateError);
      });
    });

    it.each(['garbage-req-info', 'wrong-key', 'wrong-appid'])('answers FAIL to a %s refund notification', async (kind) => {
      const order = await paidOrder(4000);
      const refund = await pay.refundOrder({ order, refundFee: 100 });
      await until(async () => (await h.dataSource.getRepository(PayRefund).findOneByOrFail({ id: refund.id })).status === 'SUCCESS');
      const before = probe.refunds.length;
      const res = await control(sim, '/__sim/refundNotify', { outRefundNo: refund.outRefundNo, kind });
      const reports = res.body;
      expect(reports[0].attempts[0].body).toContain('FAIL');
      expect(probe.refunds.length).toBe(before);
    });
  });

  describe('bills, report and comments', () => {
    it('downloads and parses the trade bill, also gzipped', async () => {
      const { params } = await newOrder(1414);
      await sim.pay({ prepayId: params.package.slice(10) });
      const bill = await pay.downloadBill({ billDate: new Date() });
      expect(bill.rows.length).toBeGreaterThan(0);
      expect(bill.header).toContain('商户订单号');
      expect(bill.rows.every((row) => !Object.values(row).some((v) => v.startsWith('`')))).toBe(true);
      expect(Object.keys(bill.summary).length).toBeGreaterThan(0);
      const gz = await pay.downloadBill({ billDate: new Date(), gzip: true });
      expect(gz.rows).toEqual(bill.rows);
    });

    it('reports a missing bill as a typed error', async () => {
      await expect(pay.downloadBill({ billDate: '20000101' })).rejects.toBeInstanceOf(WeChatPayError);
    });

    it('downloads the fund flow with the client certificate', async () => {
      const flow = await pay.downloadFundFlow({ billDate: new Date(), accountType: 'Basic' });
      expect(flow.rows.length).toBeGreaterThan(0);
    });

    it('sends a report', async () => {
      await expect(
        pay.report({
          interfaceUrl: 'https://api.mch.weixin.qq.com/pay/unifiedorder',
          executeTimeMs: 120,
          returnCode: 'SUCCESS',
          resultCode: 'SUCCESS',
          userIp: '127.0.0.1',
        }),
      ).resolves.toBeDefined();
    });

    it('reads comments on paid orders', async () => {
      const result = await pay.batchQueryComment({ beginTime: new Date(Date.now() - 3600_000), endTime: new Date(Date.now() + 60_000) });
      expect(result.comments.length).toBeGreaterThan(0);
      expect(result.comments[0]).toMatchObject({ transactionId: expect.stringMatching(/^\d+$/), score: expect.any(Number) });
    });
  });
});
