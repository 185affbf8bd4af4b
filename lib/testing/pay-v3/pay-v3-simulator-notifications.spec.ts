import type { IncomingHttpHeaders } from 'node:http';
import { M, V3, decryptNotification, payV3Bench, verifies } from './pay-v3-simulator.spec-kit';
import type { Json } from './pay-v3-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay API v3)', () => {
  const { sim, target, control, v3, createOrder, paidOrder } = payV3Bench();

  describe('notification variants', () => {
    it('sends every payment variant as described', async () => {
      const { outTradeNo } = await paidOrder();
      const genuine = target.received[0];
      const genuineId = (JSON.parse(genuine.body) as Json).id as string;
      const send = async (kind: string): Promise<{ body: string; headers: IncomingHttpHeaders }> => {
        target.reset();
        const res = await control('POST', '/__sim/notify', { outTradeNo, kind });
        expect(res.status).toBe(200);
        expect(res.json.notifications[0]).toMatchObject({ variant: kind, apiVersion: 'v3', acknowledged: true, done: true });
        expect(target.received).toHaveLength(1);
        return target.received[0];
      };
      const now = Math.floor(Date.now() / 1000);

      const duplicate = await send('duplicate');
      expect(duplicate.body).toBe(genuine.body);
      expect(duplicate.headers['wechatpay-nonce']).not.toBe(genuine.headers['wechatpay-nonce']);
      expect(verifies(duplicate)).toBe(true);

      const replay = await send('replay');
      expect(replay.body).toBe(genuine.body);
      for (const name of ['wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-signature', 'wechatpay-serial']) {
        expect(replay.headers[name]).toBe(genuine.headers[name]);
      }

      const forged = await send('forged-signature');
      expect(forged.body).toBe(genuine.body);
      expect(forged.headers['wechatpay-signature']).toBeDefined();
      expect(verifies(forged)).toBe(false);

      const missing = await send('missing-signature');
      expect(missing.headers['wechatpay-signature']).toBeUndefined();
      expect(missing.headers['wechatpay-timestamp']).toBeDefined();

      const stale = await send('stale-timestamp');
      expect(verifies(stale)).toBe(true);
      expect(now - Number(stale.headers['wechatpay-timestamp'])).toBeGreaterThanOrEqual(590);

      const serial = await send('unknown-serial');
      expect(verifies(serial)).toBe(true);
      expect(serial.headers['wechatpay-serial']).toMatch(/^PUB_KEY_ID_/);
      expect(serial.headers['wechatpay-serial']).not.toBe(V3.publicKeyId);

      const wrongKey = await send('wrong-key');
      expect(verifies(wrongKey)).toBe(true);
      expect(() => decryptNotification(wrongKey.body)).toThrow();
      expect((JSON.parse(wrongKey.body) as Json).id).not.toBe(genuineId);

      const amount = await send('wrong-amount');
      expect(verifies(amount)).toBe(true);
      expect(decryptNotification(amount.body).amount).toMatchObject({ total: 101, payer_total: 101 });

      const mchid = await send('wrong-mchid');
      expect(verifies(mchid)).toBe(true);
      expect(decryptNotification(mchid.body).mchid).not.toBe(M.mchId);

      // v2 variants do not apply to v3 orders, nor v3-only variants to v2 orders.
      expect((await control('POST', '/__sim/notify', { outTradeNo, kind: 'forged-sign' })).status).toBe(400);
    });

    it('builds forgeries for an unpaid v3 order, refuses duplicate/replay of it', async () => {
      const { outTradeNo } = await createOrder();
      expect((await control('POST', '/__sim/notify', { outTradeNo, kind: 'replay' })).status).toBe(409);
      const res = await control('POST', '/__sim/notify', { outTradeNo, kind: 'wrong-amount', copies: 2 });
      expect(res.json.notifications).toHaveLength(2);
      expect(decryptNotification(target.received[0].body)).toMatchObject({ trade_state: 'SUCCESS', amount: { total: 101 } });
      expect(sim.order(outTradeNo)?.tradeState).toBe('NOTPAY');
    });

    it('sends refund variants in certificate mode', async () => {
      sim.setPayV3({ mode: 'certificate' });
      const { outTradeNo } = await paidOrder();
      const outRefundNo = `R${outTradeNo}`;
      await v3('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: outTradeNo,
        out_refund_no: outRefundNo,
        notify_url: target.url(),
        amount: { refund: 30, total: 100, currency: 'CNY' },
      });
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'duplicate' })).status).toBe(409);
      await control('POST', '/__sim/settleRefund', { outRefundNo });
      const genuine = target.received.at(-1) as { body: string; headers: IncomingHttpHeaders };
      expect(verifies(genuine, V3.platformCertificate)).toBe(true);
      target.reset();
      await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'wrong-amount' });
      expect(verifies(target.received[0], V3.platformCertificate)).toBe(true);
      expect(decryptNotification(target.received[0].body).amount).toMatchObject({ refund: 31, payer_refund: 31 });
      target.reset();
      await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'unknown-serial' });
      expect(target.received[0].headers['wechatpay-serial']).toMatch(/^[0-9A-F]{40}$/);
      expect(target.received[0].headers['wechatpay-serial']).not.toBe(V3.platformSerialNo);
      target.reset();
      await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'replay' });
      expect(target.received[0].headers['wechatpay-signature']).toBe(genuine.headers['wechatpay-signature']);
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'garbage-req-info' })).status).toBe(400);
    });
  });
});
