import { payV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../../crypto/pay-xml.codec';
import { createNonceStr } from '../../crypto/random.util';
import { M, RFC3339_BJ, V3, decryptNotification, payV3Bench, rawHttps, verifies } from './pay-v3-simulator.spec-kit';
import type { Json } from './pay-v3-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay API v3)', () => {
  const { sim, target, control, urls, v3, nextSeq, newOutTradeNo, paidOrder } = payV3Bench();
  let payBase = '';
  beforeAll(() => {
    ({ payBase } = urls());
  });

  describe('refunds', () => {
    it('refunds a v3 order, settles it and sends REFUND.SUCCESS', async () => {
      const { outTradeNo, transactionId } = await paidOrder();
      target.reset();
      const body = {
        out_trade_no: outTradeNo,
        out_refund_no: `R${outTradeNo}`,
        reason: '不想要了',
        notify_url: target.url('/refund'),
        amount: { refund: 40, total: 100, currency: 'CNY' },
      };
      const answer = await v3('POST', '/v3/refund/domestic/refunds', body);
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        refund_id: expect.stringMatching(/^\d{29}$/),
        out_refund_no: body.out_refund_no,
        transaction_id: transactionId,
        out_trade_no: outTradeNo,
        channel: 'ORIGINAL',
        user_received_account: expect.any(String),
        create_time: expect.stringMatching(RFC3339_BJ),
        status: 'PROCESSING',
        amount: { total: 100, refund: 40, payer_total: 100, payer_refund: 40, currency: 'CNY' },
      });
      expect(answer.json.success_time).toBeUndefined();
      const again = await v3('POST', '/v3/refund/domestic/refunds', body);
      expect(again.json.refund_id).toBe(answer.json.refund_id);
      const tooMuch = await v3('POST', '/v3/refund/domestic/refunds', {
        ...body,
        out_refund_no: 'R2',
        amount: { refund: 61, total: 100, currency: 'CNY' },
      });
      expect(tooMuch.status).toBe(400);
      expect(tooMuch.json.code).toBe('INVALID_REQUEST');

      const settled = await control('POST', '/__sim/settleRefund', { outRefundNo: body.out_refund_no });
      expect(settled.status).toBe(200);
      expect(settled.json.notification).toMatchObject({ kind: 'refund', apiVersion: 'v3', acknowledged: true });
      expect(target.received).toHaveLength(1);
      const note = target.received[0];
      expect(verifies(note, V3.wechatPayPublicKey)).toBe(true);
      const envelope = JSON.parse(note.body) as Json;
      expect(envelope).toMatchObject({ event_type: 'REFUND.SUCCESS', resource: { original_type: 'refund', associated_data: 'refund' } });
      expect(decryptNotification(note.body)).toEqual({
        mchid: M.mchId,
        out_trade_no: outTradeNo,
        transaction_id: transactionId,
        out_refund_no: body.out_refund_no,
        refund_id: answer.json.refund_id,
        refund_status: 'SUCCESS',
        success_time: expect.stringMatching(RFC3339_BJ),
        user_received_account: expect.any(String),
        amount: { total: 100, refund: 40, payer_total: 100, payer_refund: 40 },
      });
      const query = await v3('GET', `/v3/refund/domestic/refunds/${body.out_refund_no}`);
      expect(query.json).toMatchObject({ status: 'SUCCESS', success_time: expect.stringMatching(RFC3339_BJ) });
      const order = await v3('GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${M.mchId}`);
      expect(order.json.trade_state).toBe('REFUND');
      const unknown = await v3('GET', '/v3/refund/domestic/refunds/NOSUCHREFUND');
      expect(unknown.status).toBe(404);
      expect(unknown.json.code).toBe('RESOURCE_NOT_EXISTS');
    });

    it('sends REFUND.CLOSED and REFUND.ABNORMAL, and shows CLOSED/ABNORMAL', async () => {
      const { outTradeNo } = await paidOrder();
      target.reset();
      for (const [status, event, shown] of [
        ['CLOSED', 'REFUND.CLOSED', 'CLOSED'],
        ['ABNORMAL', 'REFUND.ABNORMAL', 'ABNORMAL'],
      ]) {
        const outRefundNo = `R${status}${outTradeNo}`;
        await v3('POST', '/v3/refund/domestic/refunds', {
          out_trade_no: outTradeNo,
          out_refund_no: outRefundNo,
          notify_url: target.url(),
          amount: { refund: 10, total: 100, currency: 'CNY' },
        });
        await control('POST', '/__sim/settleRefund', { outRefundNo, status });
        expect(JSON.parse(target.received.at(-1)?.body as string)).toMatchObject({ event_type: event });
        expect((await v3('GET', `/v3/refund/domestic/refunds/${outRefundNo}`)).json.status).toBe(shown);
      }
    });

    it('refunds a v2 order through v3 and a v3 order through v2, queried both ways', async () => {
      // A v2 order, paid.
      const openid = sim.login({ openId: `oV2User${nextSeq()}` }).openId;
      const outTradeNo = newOutTradeNo();
      const fields: Record<string, string> = {
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: createNonceStr(),
        body: 'v2 商品',
        out_trade_no: outTradeNo,
        total_fee: '300',
        spbill_create_ip: '127.0.0.1',
        notify_url: 'http://127.0.0.1:1/v2',
        trade_type: 'JSAPI',
        openid,
      };
      fields.sign = payV2Sign(fields, M.apiKey, 'MD5');
      const created = await parsePayXml(
        (await rawHttps(payBase, 'POST', '/pay/unifiedorder', buildPayXml(fields), { 'content-type': 'text/xml' })).body,
      );
      expect(created.result_code).toBe('SUCCESS');
      const paid = await control('POST', '/__sim/pay', { prepayId: created.prepay_id });
      const transactionId = paid.json.transactionId as string;

      const v3Query = await v3('GET', `/v3/pay/transactions/id/${transactionId}?mchid=${M.mchId}`);
      expect(v3Query.json).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'SUCCESS', amount: { total: 300 } });
      const refund = await v3('POST', '/v3/refund/domestic/refunds', {
        transaction_id: transactionId,
        out_refund_no: `RV3${outTradeNo}`,
        amount: { refund: 100, total: 300, currency: 'CNY' },
      });
      expect(refund.status).toBe(200);
      expect(sim.refund(`RV3${outTradeNo}`)).toMatchObject({ apiVersion: 'v3', refundFee: 100, status: 'PROCESSING' });

      // v2 refundquery sees the v3 refund.
      const q: Record<string, string> = { appid: M.appId, mch_id: M.mchId, nonce_str: createNonceStr(), out_refund_no: `RV3${outTradeNo}` };
      q.sign = payV2Sign(q, M.apiKey, 'MD5');
      const v2Refund = await parsePayXml((await rawHttps(payBase, 'POST', '/pay/refundquery', buildPayXml(q), {})).body);
      expect(v2Refund).toMatchObject({ result_code: 'SUCCESS', refund_id_0: refund.json.refund_id, refund_fee_0: '100' });

      // A v3 order, queried with v2 orderquery.
      const v3Order = await paidOrder();
      const oq: Record<string, string> = { appid: M.appId, mch_id: M.mchId, nonce_str: createNonceStr(), out_trade_no: v3Order.outTradeNo };
      oq.sign = payV2Sign(oq, M.apiKey, 'MD5');
      const v2Order = await parsePayXml((await rawHttps(payBase, 'POST', '/pay/orderquery', buildPayXml(oq), {})).body);
      expect(v2Order).toMatchObject({ trade_state: 'SUCCESS', transaction_id: v3Order.transactionId, total_fee: '100' });
    });
  });
});
