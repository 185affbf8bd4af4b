import { waitFor } from '../pay/pay-simulator.spec-kit';
import { M, RFC3339_BJ, V3, decryptNotification, payV3Bench, verifies } from './pay-v3-simulator.spec-kit';
import type { Json } from './pay-v3-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay API v3)', () => {
  const { sim, target, control, v3, jsapiBody, createOrder, paidOrder } = payV3Bench();

  describe('orders', () => {
    it('creates, queries, pays and notifies an order (public-key mode)', async () => {
      const created = await createOrder({ attach: 'a=1', time_expire: '2099-01-01T10:00:00+08:00' });
      expect(created.prepayId).toMatch(/^wx\d{14}[0-9a-f]{20}$/);
      expect(sim.order(created.outTradeNo)).toMatchObject({ apiVersion: 'v3', notifyUrl: target.url(), tradeState: 'NOTPAY' });

      const unpaid = await v3('GET', `/v3/pay/transactions/out-trade-no/${created.outTradeNo}?mchid=${M.mchId}`);
      expect(unpaid.status).toBe(200);
      expect(unpaid.json).toEqual({
        appid: M.appId,
        mchid: M.mchId,
        out_trade_no: created.outTradeNo,
        trade_type: 'JSAPI',
        trade_state: 'NOTPAY',
        trade_state_desc: expect.any(String),
        attach: 'a=1',
        payer: { openid: created.body.payer.openid },
        amount: { total: 100, currency: 'CNY', payer_currency: 'CNY' },
      });

      const paid = await control('POST', '/__sim/pay', { prepayId: created.prepayId, bankType: 'CMB_DEBIT' });
      expect(paid.status).toBe(200);
      expect(paid.json.notification).toMatchObject({ apiVersion: 'v3', acknowledged: true, done: true, variant: 'genuine' });
      expect(paid.json.notification.attempts).toEqual([{ at: expect.any(Number), status: 204, body: '' }]);
      expect(target.received).toHaveLength(1);
      const [note] = target.received;
      expect(note.headers['content-type']).toBe('application/json');
      expect(note.headers['wechatpay-serial']).toBe(V3.publicKeyId);
      expect(note.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
      expect(verifies(note, V3.wechatPayPublicKey)).toBe(true);
      const envelope = JSON.parse(note.body) as Json;
      expect(envelope).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        create_time: expect.stringMatching(RFC3339_BJ),
        resource_type: 'encrypt-resource',
        event_type: 'TRANSACTION.SUCCESS',
        summary: '支付成功',
        resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction' },
      });
      const transaction = decryptNotification(note.body);
      expect(transaction).toEqual({
        appid: M.appId,
        mchid: M.mchId,
        out_trade_no: created.outTradeNo,
        transaction_id: paid.json.transactionId,
        trade_type: 'JSAPI',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        bank_type: 'CMB_DEBIT',
        attach: 'a=1',
        success_time: expect.stringMatching(RFC3339_BJ),
        payer: { openid: created.body.payer.openid },
        amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
      });

      const byId = await v3('GET', `/v3/pay/transactions/id/${paid.json.transactionId}?mchid=${M.mchId}`);
      expect(byId.json).toEqual(transaction);
      expect(sim.notifications.at(-1)).toMatchObject({ apiVersion: 'v3', kind: 'pay', acknowledged: true });
    });

    it('validates jsapi requests like WeChat', async () => {
      const cases: Array<[Json, number, string]> = [
        [{ out_trade_no: 'abc' }, 400, 'PARAM_ERROR'],
        [{ description: undefined }, 400, 'PARAM_ERROR'],
        [{ amount: { total: 0 } }, 400, 'PARAM_ERROR'],
        [{ amount: { total: '1' } }, 400, 'PARAM_ERROR'],
        [{ amount: { total: 1, currency: 'USD' } }, 400, 'PARAM_ERROR'],
        [{ payer: {} }, 400, 'PARAM_ERROR'],
        [{ payer: { openid: 'oNobody' } }, 400, 'PARAM_ERROR'],
        [{ notify_url: 'not a url' }, 400, 'PARAM_ERROR'],
        [{ appid: 'wxother000000001' }, 400, 'PARAM_ERROR'],
        [{ mchid: '1900000999' }, 400, 'PARAM_ERROR'],
        [{ time_expire: '20990101100000' }, 400, 'PARAM_ERROR'],
      ];
      for (const [overrides, status, code] of cases) {
        const answer = await v3('POST', '/v3/pay/transactions/jsapi', jsapiBody(overrides));
        expect([overrides, answer.status, answer.json.code]).toEqual([overrides, status, code]);
      }
      const notJson = await v3('POST', '/v3/pay/transactions/jsapi', '{not json');
      expect(notJson.status).toBe(400);
      expect(notJson.json.code).toBe('PARAM_ERROR');
    });

    it('answers the same prepay_id for the same order and 201 商户订单号重复 for different content', async () => {
      const body = jsapiBody();
      const first = await v3('POST', '/v3/pay/transactions/jsapi', body);
      const again = await v3('POST', '/v3/pay/transactions/jsapi', body);
      expect(again.json.prepay_id).toBe(first.json.prepay_id);
      const changed = await v3('POST', '/v3/pay/transactions/jsapi', { ...body, amount: { total: 101 } });
      expect(changed.status).toBe(400);
      expect(changed.json).toEqual({ code: 'INVALID_REQUEST', message: '201 商户订单号重复' });
      await control('POST', '/__sim/pay', { prepayId: first.json.prepay_id });
      const paid = await v3('POST', '/v3/pay/transactions/jsapi', body);
      expect(paid.status).toBe(400);
      expect(paid.json.code).toBe('ORDERPAID');
    });

    it('checks the mchid of queries and 404s unknown transactions', async () => {
      const { outTradeNo } = await createOrder();
      const missing = await v3('GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}`);
      expect(missing.status).toBe(400);
      expect(missing.json.code).toBe('PARAM_ERROR');
      const other = await v3('GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=1900000999`);
      expect(other.status).toBe(400);
      const unknown = await v3('GET', `/v3/pay/transactions/id/4200000000202611240000000000?mchid=${M.mchId}`);
      expect(unknown.status).toBe(404);
      expect(unknown.json.code).toBe('ORDER_NOT_EXIST');
      const noRoute = await v3('GET', '/v3/no/such/api');
      expect(noRoute.status).toBe(404);
      expect(noRoute.json.code).toBe('NOT_FOUND');
    });

    it('closes an order with 204 (empty body, signed over the empty string)', async () => {
      const created = await createOrder();
      const closed = await v3('POST', `/v3/pay/transactions/out-trade-no/${created.outTradeNo}/close`, { mchid: M.mchId });
      expect(closed.status).toBe(204);
      expect(closed.body.length).toBe(0);
      expect(sim.order(created.outTradeNo)?.tradeState).toBe('CLOSED');
      expect((await control('POST', '/__sim/pay', { prepayId: created.prepayId })).status).toBe(410);
      const query = await v3('GET', `/v3/pay/transactions/out-trade-no/${created.outTradeNo}?mchid=${M.mchId}`);
      expect(query.json.trade_state).toBe('CLOSED');

      const { outTradeNo } = await paidOrder();
      const refused = await v3('POST', `/v3/pay/transactions/out-trade-no/${outTradeNo}/close`, { mchid: M.mchId });
      expect(refused.status).toBe(400);
      expect(refused.json.code).toBe('ORDERPAID');
    });

    it('retries an unacknowledged v3 notification and stops at a 2xx answer', async () => {
      target.answers.push({ status: 500, body: '{"code":"FAIL","message":"busy"}' }, { status: 200, body: '' });
      const created = await createOrder();
      const paid = await control('POST', '/__sim/pay', { prepayId: created.prepayId });
      expect(paid.json.notification).toMatchObject({ acknowledged: false, done: false });
      await waitFor(() => sim.notifications[0]?.done === true);
      expect(sim.notifications[0]).toMatchObject({ acknowledged: true, apiVersion: 'v3' });
      expect(sim.notifications[0].attempts.map((a) => a.status)).toEqual([500, 200]);
      expect(target.received).toHaveLength(2);
      // Retries carry the same body, signed afresh.
      expect(target.received[1].body).toBe(target.received[0].body);
      expect(target.received[1].headers['wechatpay-nonce']).not.toBe(target.received[0].headers['wechatpay-nonce']);
    });

    it('does not notify a failed payment of a v3 order', async () => {
      const created = await createOrder();
      const paid = await control('POST', '/__sim/pay', { prepayId: created.prepayId, result: 'FAIL' });
      expect(paid.json.notification).toMatchObject({ attempts: [], done: true, acknowledged: false });
      expect(target.received).toHaveLength(0);
      expect(sim.notifications).toHaveLength(0);
    });
  });
});
