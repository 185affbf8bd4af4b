import { createServer as createHttpServer } from 'node:http';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { decryptRefundReqInfo, verifyPayV2Sign } from '../../crypto/pay-sign.crypto';
import { parsePayXml } from '../../crypto/pay-xml.codec';
import { PayCryptoError } from '../../errors/pay-crypto.error';
import type { SimOrder, SimRefund } from '../index';
import { M, independentSign, payBench, sleep, waitFor } from './pay-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay side): notifications', () => {
  const bench = payBench();
  const { sim, target, call, order, paidOrder, refundCall, control } = bench;

  describe('payment notifications', () => {
    it('delivers the signed payment notification (checked independently) and reports the first attempt', async () => {
      const created = await order({ attach: '附加' });
      const result = await control('POST', '/__sim/pay', { prepayId: created.prepay_id });
      expect(result.status).toBe(200);
      expect(target.received).toHaveLength(1);
      const received = target.received[0];
      expect(received.headers['content-type']).toBe('text/xml');
      const fields = await parsePayXml(received.body);
      const stored = sim.order(created.out_trade_no) as SimOrder;
      expect(fields).toEqual({
        return_code: 'SUCCESS',
        return_msg: 'OK',
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
        result_code: 'SUCCESS',
        openid: stored.openId,
        is_subscribe: 'N',
        trade_type: 'JSAPI',
        bank_type: 'OTHERS',
        total_fee: '1000',
        fee_type: 'CNY',
        cash_fee: '1000',
        transaction_id: stored.transactionId,
        out_trade_no: created.out_trade_no,
        attach: '附加',
        time_end: stored.timeEnd,
        sign: expect.stringMatching(/^[0-9A-F]{32}$/),
      });
      expect(fields.sign).toBe(independentSign(fields, M.apiKey, 'MD5'));
      expect(result.json).toEqual({
        outTradeNo: created.out_trade_no,
        transactionId: stored.transactionId,
        notification: {
          id: expect.any(String),
          kind: 'pay',
          mchId: M.mchId,
          outTradeNo: created.out_trade_no,
          url: target.url(),
          variant: 'genuine',
          attempts: [{ at: expect.any(Number), status: 200, body: expect.stringContaining('SUCCESS') }],
          acknowledged: true,
          done: true,
          refused: false,
        },
      });
      expect(sim.notifications).toEqual([result.json.notification]);
      expect((await control('GET', '/__sim/notifications')).json.notifications).toEqual(sim.notifications);
      expect((await control('DELETE', '/__sim/notifications')).status).toBe(200);
      expect(sim.notifications).toEqual([]);
    });

    it('signs the notification of an HMAC-SHA256 order with HMAC-SHA256 and says so in sign_type', async () => {
      const created = await order({}, { signType: 'HMAC-SHA256' });
      await sim.pay({ prepayId: created.prepay_id });
      const fields = await parsePayXml(target.received[0].body);
      expect(fields.sign_type).toBe('HMAC-SHA256');
      expect(fields.sign).toBe(independentSign(fields, M.apiKey, 'HMAC-SHA256'));
    });

    it('notifies a failed payment with result_code FAIL', async () => {
      const created = await order();
      await sim.pay({ prepayId: created.prepay_id, result: 'FAIL' });
      const fields = await parsePayXml(target.received[0].body);
      expect(fields).toMatchObject({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'PAYERROR' });
      expect(verifyPayV2Sign(fields, M.apiKey)).toBe(true);
    });

    it('retries on the scaled schedule until the app answers SUCCESS, then stops', async () => {
      const created = await order({ notify_url: target.url('/retry?x=1') });
      target.answers.push({ status: 200, body: '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg>busy</return_msg></xml>' });
      target.answers.push({ status: 200, body: '<xml><return_code>SUCCESS</return_code></xml>' });
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(paid.notification).toMatchObject({
        acknowledged: false,
        done: false,
        attempts: [{ status: 200, body: expect.stringContaining('FAIL') }],
      });
      await waitFor(() => sim.notifications[0].done);
      const [report] = sim.notifications;
      expect(report).toMatchObject({ acknowledged: true, done: true });
      expect(report.attempts).toHaveLength(2);
      // 15 s scaled by 0.001.
      expect(report.attempts[1].at - report.attempts[0].at).toBeGreaterThanOrEqual(15);
      expect(target.received).toHaveLength(2);
      expect(target.received[1].body).toBe(target.received[0].body);
      await sleep(60);
      expect(target.received).toHaveLength(2);
    });

    it.each([
      ['a non-XML answer', { status: 200, body: 'success' }],
      ['HTTP 500 with SUCCESS XML', { status: 500, body: '<xml><return_code>SUCCESS</return_code></xml>' }],
      ['a FAIL answer', { status: 200, body: '<xml><return_code>FAIL</return_code></xml>' }],
    ])('does not count %s as acknowledged', async (_name, answer) => {
      const created = await order();
      target.answers.push(answer);
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(paid.notification).toMatchObject({ acknowledged: false, done: false });
      expect(paid.notification.attempts[0]).toEqual({ at: expect.any(Number), status: answer.status, body: answer.body });
      await waitFor(() => sim.notifications[0].acknowledged);
    });

    it('records refused connections and retries them', async () => {
      const closed = createHttpServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const created = await order({ notify_url: `http://localhost:${port}/gone` });
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(paid.notification.attempts[0]).toEqual({
        at: expect.any(Number),
        status: 0,
        body: '',
        error: expect.stringMatching(/ECONNREFUSED/),
      });
      expect(paid.notification.done).toBe(false);
      await waitFor(() => sim.notifications[0].attempts.length >= 2);
      sim.clearNotifications();
    });

    it('refuses a notify_url that is not loopback without connecting', async () => {
      const created = await order({ notify_url: 'http://192.0.2.1/notify' });
      // Any connection to 192.0.2.1 would go through Socket#connect: make it fail loudly instead.
      const original = Socket.prototype.connect;
      const connect = jest.spyOn(Socket.prototype, 'connect').mockImplementation(function (this: Socket, ...args: unknown[]) {
        if (JSON.stringify(args).includes('192.0.2.1')) throw new Error('the simulator tried to connect to 192.0.2.1');
        return (original as (...a: unknown[]) => Socket).apply(this, args);
      });
      const tried = (): boolean => connect.mock.calls.some((args) => JSON.stringify(args).includes('192.0.2.1'));
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(tried()).toBe(false);
      expect(paid.notification).toEqual({
        id: expect.any(String),
        kind: 'pay',
        mchId: M.mchId,
        outTradeNo: created.out_trade_no,
        url: 'http://192.0.2.1/notify',
        variant: 'genuine',
        attempts: [{ at: expect.any(Number), status: 0, body: '', error: expect.stringMatching(/^refused: .*loopback/) }],
        acknowledged: false,
        done: true,
        refused: true,
      });
      expect((await sim.notify({ outTradeNo: created.out_trade_no, kind: 'duplicate' }))[0].refused).toBe(true);
      await sleep(30);
      expect(tried()).toBe(false);
      expect(sim.notifications.every((n) => n.attempts.length === 1)).toBe(true);
    });

    it('sends notification variants once each, concurrently, with the app answers', async () => {
      const created = await order();
      await sim.pay({ prepayId: created.prepay_id });
      const genuineBody = target.received[0].body;
      const genuine = await parsePayXml(genuineBody);
      target.reset();
      const variants = [
        'duplicate',
        'forged-sign',
        'wrong-key',
        'wrong-amount',
        'wrong-appid',
        'wrong-mchid',
        'fail-return-code',
        'unsigned',
      ] as const;
      for (const kind of variants) {
        target.reset();
        const res = await control('POST', '/__sim/notify', { outTradeNo: created.out_trade_no, kind });
        expect(res.status).toBe(200);
        expect(res.json.notifications).toEqual([expect.objectContaining({ kind: 'pay', variant: kind, acknowledged: true, done: true })]);
        expect(res.json.notifications[0].attempts).toEqual([
          { at: expect.any(Number), status: 200, body: expect.stringContaining('SUCCESS') },
        ]);
        expect(target.received).toHaveLength(1);
        const body = target.received[0].body;
        const fields = await parsePayXml(body);
        const verifies = verifyPayV2Sign(fields, M.apiKey);
        switch (kind) {
          case 'duplicate':
            expect(body).toBe(genuineBody);
            break;
          case 'forged-sign':
          case 'wrong-key':
            expect(verifies).toBe(false);
            expect({ ...fields, sign: '' }).toEqual({ ...genuine, sign: '' });
            break;
          case 'wrong-amount':
            expect(verifies).toBe(true);
            expect(fields.total_fee).toBe('1001');
            break;
          case 'wrong-appid':
            expect(verifies).toBe(true);
            expect(fields.appid).not.toBe(M.appId);
            break;
          case 'wrong-mchid':
            expect(verifies).toBe(true);
            expect(fields.mch_id).not.toBe(M.mchId);
            break;
          case 'fail-return-code':
            expect(fields).toEqual({ return_code: 'FAIL', return_msg: expect.any(String) });
            break;
          case 'unsigned':
            expect(fields.sign).toBeUndefined();
            expect(fields.transaction_id).toBe(genuine.transaction_id);
            break;
        }
      }
      target.reset();
      const copies = await sim.notify({ transactionId: genuine.transaction_id, kind: 'duplicate', copies: 3 });
      expect(copies).toHaveLength(3);
      expect(new Set(copies.map((c) => c.id)).size).toBe(3);
      expect(target.received.map((r) => r.body)).toEqual([genuineBody, genuineBody, genuineBody]);
    });

    it('forges notifications for an unpaid order without paying it', async () => {
      const created = await order();
      const sent = await sim.notify({ outTradeNo: created.out_trade_no, kind: 'wrong-key' });
      expect(sent[0]).toMatchObject({ variant: 'wrong-key', done: true });
      const fields = await parsePayXml(target.received[0].body);
      expect(fields).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'SUCCESS',
        out_trade_no: created.out_trade_no,
        total_fee: '1000',
      });
      expect(fields.transaction_id).toMatch(/^\d{28}$/);
      expect(verifyPayV2Sign(fields, M.apiKey)).toBe(false);
      target.reset();
      await sim.notify({ outTradeNo: created.out_trade_no, kind: 'wrong-amount' });
      const amount = await parsePayXml(target.received[0].body);
      expect(verifyPayV2Sign(amount, M.apiKey)).toBe(true);
      expect(amount.total_fee).toBe('1001');
      expect(sim.order(created.out_trade_no)).toMatchObject({ tradeState: 'NOTPAY' });
      expect(sim.order(created.out_trade_no)?.transactionId).toBeUndefined();
      expect(await call('/pay/orderquery', { out_trade_no: created.out_trade_no })).toMatchObject({ trade_state: 'NOTPAY' });
    });

    it('validates notify requests', async () => {
      const created = await order();
      expect((await control('POST', '/__sim/notify', { outTradeNo: created.out_trade_no, kind: 'duplicate' })).status).toBe(409);
      expect((await control('POST', '/__sim/notify', { outTradeNo: 'T404404', kind: 'duplicate' })).status).toBe(404);
      expect((await control('POST', '/__sim/notify', { outTradeNo: created.out_trade_no, kind: 'bogus' })).status).toBe(400);
      expect((await control('POST', '/__sim/notify', { outTradeNo: created.out_trade_no, kind: 'duplicate', copies: 0 })).status).toBe(400);
      expect((await control('POST', '/__sim/notify', { kind: 'duplicate' })).status).toBe(400);
    });
  });

  describe('refund notifications', () => {
    it('delivers an unsigned notification whose req_info decrypts to the documented fields', async () => {
      const { outTradeNo, transactionId } = await paidOrder();
      target.reset();
      await refundCall({
        out_trade_no: outTradeNo,
        out_refund_no: 'RN1',
        total_fee: '1000',
        refund_fee: '250',
        notify_url: target.url('/refund'),
      });
      await waitFor(() => target.received.length === 1, 2000);
      const outer = await parsePayXml(target.received[0].body);
      expect(outer).toEqual({
        return_code: 'SUCCESS',
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: expect.any(String),
        req_info: expect.any(String),
      });
      const inner = await parsePayXml(decryptRefundReqInfo(outer.req_info, M.apiKey), { root: 'root' });
      const refund = sim.refund('RN1') as SimRefund;
      expect(inner).toEqual({
        transaction_id: transactionId,
        out_trade_no: outTradeNo,
        refund_id: refund.refundId,
        out_refund_no: 'RN1',
        total_fee: '1000',
        settlement_total_fee: '1000',
        refund_fee: '250',
        settlement_refund_fee: '250',
        refund_status: 'SUCCESS',
        success_time: refund.successTime,
        refund_recv_accout: '支付用户的零钱',
        refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
        refund_request_source: 'API',
      });
      expect(inner.success_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      await waitFor(() => sim.notifications.some((n) => n.kind === 'refund' && n.done));
      expect(sim.notifications.find((n) => n.kind === 'refund')).toMatchObject({
        outTradeNo,
        outRefundNo: 'RN1',
        variant: 'genuine',
        acknowledged: true,
        url: target.url('/refund'),
      });
    });

    it('sends refund notification variants', async () => {
      const { outTradeNo } = await paidOrder();
      await refundCall({ out_trade_no: outTradeNo, out_refund_no: 'RV1', total_fee: '1000', refund_fee: '1', notify_url: target.url() });
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo: 'RV1', kind: 'duplicate' })).status).toBe(409);
      const settled = await sim.settleRefund({ outRefundNo: 'RV1' });
      expect(settled.notification).toMatchObject({ kind: 'refund', acknowledged: true });
      const genuineBody = target.received.at(-1)?.body as string;
      const genuine = await parsePayXml(genuineBody);

      target.reset();
      const duplicate = await control('POST', '/__sim/refundNotify', { outRefundNo: 'RV1', kind: 'duplicate', copies: 2 });
      expect(duplicate.json.notifications).toHaveLength(2);
      expect(target.received.map((r) => r.body)).toEqual([genuineBody, genuineBody]);

      target.reset();
      await sim.refundNotify({ outRefundNo: 'RV1', kind: 'garbage-req-info' });
      const garbage = await parsePayXml(target.received[0].body);
      expect(() => decryptRefundReqInfo(garbage.req_info, M.apiKey)).toThrow(PayCryptoError);

      target.reset();
      await sim.refundNotify({ outRefundNo: 'RV1', kind: 'wrong-key' });
      const wrongKey = await parsePayXml(target.received[0].body);
      expect(wrongKey.req_info).not.toBe(genuine.req_info);
      expect(() => decryptRefundReqInfo(wrongKey.req_info, M.apiKey)).toThrow(PayCryptoError);

      target.reset();
      await sim.refundNotify({ outRefundNo: 'RV1', kind: 'wrong-appid' });
      const wrongApp = await parsePayXml(target.received[0].body);
      expect(wrongApp.appid).not.toBe(M.appId);
      expect(decryptRefundReqInfo(wrongApp.req_info, M.apiKey)).toBe(decryptRefundReqInfo(genuine.req_info, M.apiKey));

      expect(sim.notifications.filter((n) => n.kind === 'refund').map((n) => n.variant)).toEqual([
        'genuine',
        'duplicate',
        'duplicate',
        'garbage-req-info',
        'wrong-key',
        'wrong-appid',
      ]);
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo: 'RV1', kind: 'nope' })).status).toBe(400);
      await refundCall({ out_trade_no: outTradeNo, out_refund_no: 'RV2', total_fee: '1000', refund_fee: '1' });
      await sim.settleRefund({ outRefundNo: 'RV2' });
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo: 'RV2', kind: 'duplicate' })).status).toBe(409);
    });
  });
});
