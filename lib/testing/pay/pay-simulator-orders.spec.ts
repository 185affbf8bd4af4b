import { verifyPayV2Sign } from '../../crypto/pay-sign.crypto';
import type { SimOrder } from '../index';
import { Fields, M, independentSign, payBench } from './pay-simulator.spec-kit';

// The refund APIs are in pay-simulator-refunds.spec.ts, under the same describe (so the tests keep their full names).
describe('WeChatSimulator (WeChat Pay side): orders and refunds', () => {
  const bench = payBench();
  const { sim, target, call, newOutTradeNo, user, order, paidOrder, control } = bench;

  describe('/pay/unifiedorder', () => {
    it('creates a NOTPAY order and answers a prepay_id, signed MD5 like the request (checked independently)', async () => {
      const openid = user();
      const outTradeNo = newOutTradeNo();
      const before = Date.now();
      const answer = await call('/pay/unifiedorder', {
        body: '模拟商品 & <特价>',
        out_trade_no: outTradeNo,
        total_fee: '1',
        spbill_create_ip: '::1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
        openid,
        attach: 'a=1&b=2',
        device_info: 'WEB',
        time_start: '20260101080000',
        time_expire: '20991231235959',
        detail: '{"goods_detail":[]}',
      });
      expect(answer).toEqual({
        return_code: 'SUCCESS',
        return_msg: 'OK',
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: expect.any(String),
        sign: expect.stringMatching(/^[0-9A-F]{32}$/),
        result_code: 'SUCCESS',
        device_info: 'WEB',
        trade_type: 'JSAPI',
        prepay_id: expect.stringMatching(/^wx\d{14}[0-9a-f]{20}$/),
      });
      expect(answer.sign).toBe(independentSign(answer, M.apiKey, 'MD5'));
      const stored = sim.order(outTradeNo);
      expect(stored).toMatchObject({
        appId: M.appId,
        mchId: M.mchId,
        outTradeNo,
        body: '模拟商品 & <特价>',
        totalFee: 1,
        tradeType: 'JSAPI',
        openId: openid,
        attach: 'a=1&b=2',
        signType: 'MD5',
        prepayId: answer.prepay_id,
        tradeState: 'NOTPAY',
        refunds: [],
      });
      // 2 hours, scaled.
      expect(stored?.prepayExpiresAt).toBeGreaterThanOrEqual(before + 7200);
      expect(stored?.prepayExpiresAt).toBeLessThanOrEqual(Date.now() + 7200);
      expect((await control('GET', `/__sim/order?outTradeNo=${outTradeNo}`)).json).toEqual(stored);
    });

    it('answers an HMAC-SHA256 request with an HMAC-SHA256 signature (checked independently)', async () => {
      const { out_trade_no: outTradeNo, ...answer } = await order({}, { signType: 'HMAC-SHA256' });
      expect(answer.sign).toMatch(/^[0-9A-F]{64}$/);
      expect(answer.sign).toBe(independentSign(answer, M.apiKey, 'HMAC-SHA256'));
      expect(answer.sign_type).toBeUndefined();
      expect(verifyPayV2Sign(answer, M.apiKey, 'MD5')).toBe(false);
      expect(sim.order(outTradeNo)?.signType).toBe('HMAC-SHA256');
    });

    it('answers NATIVE and MWEB orders with their URLs', async () => {
      const native = await order({ trade_type: 'NATIVE', product_id: 'p1', openid: '' });
      expect(native.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
      const mweb = await order({ trade_type: 'MWEB', openid: '' });
      expect(mweb.mweb_url).toContain(mweb.prepay_id);
    });

    it.each([
      ['body', { body: '' }, 'body参数缺失'],
      ['body', { body: 'x'.repeat(128) }, 'body参数格式错误'],
      ['out_trade_no', { out_trade_no: '' }, 'out_trade_no参数缺失'],
      ['out_trade_no', { out_trade_no: 'abc' }, 'out_trade_no参数格式错误'],
      ['out_trade_no', { out_trade_no: 'a'.repeat(33) }, 'out_trade_no参数格式错误'],
      ['out_trade_no', { out_trade_no: 'has space1' }, 'out_trade_no参数格式错误'],
      ['total_fee', { total_fee: '' }, 'total_fee参数缺失'],
      ['total_fee', { total_fee: '0' }, 'total_fee参数格式错误'],
      ['total_fee', { total_fee: '1.5' }, 'total_fee参数格式错误'],
      ['total_fee', { total_fee: '-1' }, 'total_fee参数格式错误'],
      ['spbill_create_ip', { spbill_create_ip: '' }, 'spbill_create_ip参数缺失'],
      ['spbill_create_ip', { spbill_create_ip: 'localhost' }, 'spbill_create_ip参数格式错误'],
      ['notify_url', { notify_url: '' }, 'notify_url参数缺失'],
      ['notify_url', { notify_url: 'ftp://127.0.0.1/x' }, 'notify_url参数格式错误'],
      ['trade_type', { trade_type: '' }, 'trade_type参数缺失'],
      ['trade_type', { trade_type: 'MICROPAY' }, 'trade_type参数格式错误'],
      ['openid', { openid: '' }, 'openid参数缺失'],
      ['time_expire', { time_expire: '20261301000000' }, 'time_expire参数格式错误'],
      ['fee_type', { fee_type: 'USD' }, 'fee_type参数格式错误'],
    ])('answers FAIL for a bad %s (%j)', async (_name, override, returnMsg) => {
      const request: Fields = {
        body: 'b',
        out_trade_no: newOutTradeNo(),
        total_fee: '1',
        spbill_create_ip: '127.0.0.1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
        openid: user(),
        ...override,
      };
      expect(await call('/pay/unifiedorder', request)).toEqual({ return_code: 'FAIL', return_msg: returnMsg });
    });

    it('refuses an openid the simulator does not know for the app with PARAM_ERROR, signed', async () => {
      const answer = await call('/pay/unifiedorder', {
        body: 'b',
        out_trade_no: newOutTradeNo(),
        total_fee: '1',
        spbill_create_ip: '127.0.0.1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
        openid: 'oNeverLoggedIn',
      });
      expect(answer).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'FAIL',
        err_code: 'PARAM_ERROR',
        err_code_des: 'appid和openid不匹配',
      });
      expect(answer.prepay_id).toBeUndefined();
    });

    it('reuses an out_trade_no only for the same order while unpaid', async () => {
      const openid = user();
      const first = await order({ openid, total_fee: '100', body: 'b' });
      const request = { openid, total_fee: '100', body: 'b', out_trade_no: first.out_trade_no };
      expect((await order(request)).prepay_id).toBe(first.prepay_id);
      for (const changed of [{ total_fee: '101' }, { body: 'other' }, { openid: user() }]) {
        expect(await call('/pay/unifiedorder', { ...baseOrder(), ...request, ...changed })).toMatchObject({
          return_code: 'SUCCESS',
          result_code: 'FAIL',
          err_code: 'OUT_TRADE_NO_USED',
          err_code_des: '商户订单号重复',
        });
      }
      await sim.pay({ prepayId: first.prepay_id });
      expect(await call('/pay/unifiedorder', { ...baseOrder(), ...request })).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERPAID' });
      const closed = await order({ openid });
      expect((await call('/pay/closeorder', { out_trade_no: closed.out_trade_no })).result_code).toBe('SUCCESS');
      expect(await call('/pay/unifiedorder', { ...baseOrder(), openid, out_trade_no: closed.out_trade_no })).toMatchObject({
        result_code: 'FAIL',
        err_code: 'ORDERCLOSED',
      });
    });

    it('expires a prepay_id after 2 scaled hours; ordering again gives a new one', async () => {
      const openid = user();
      const first = await order({ openid });
      const realNow = Date.now.bind(Date);
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 7300);
      const expired = await control('POST', '/__sim/pay', { prepayId: first.prepay_id });
      expect(expired.status).toBe(410);
      expect(expired.json.error).toMatch(/expired/);
      const again = await order({ openid, out_trade_no: first.out_trade_no });
      expect(again.prepay_id).not.toBe(first.prepay_id);
      expect((await control('POST', '/__sim/pay', { prepayId: first.prepay_id })).status).toBe(410);
      const paid = await control('POST', '/__sim/pay', { prepayId: again.prepay_id });
      expect(paid.status).toBe(200);
      expect(paid.json.outTradeNo).toBe(first.out_trade_no);
    });

    it('refuses to pay after time_expire', async () => {
      const created = await order({ time_expire: '20200101000000' });
      await expect(sim.pay({ prepayId: created.prepay_id })).rejects.toMatchObject({ status: 410 });
    });

    function baseOrder(): Fields {
      return {
        body: 'b',
        out_trade_no: newOutTradeNo(),
        total_fee: '1',
        spbill_create_ip: '127.0.0.1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
      };
    }
  });

  describe('/__sim/pay', () => {
    it('answers 404 for an unknown prepay_id, 409 when paid, 400 for bad input', async () => {
      expect((await control('POST', '/__sim/pay', { prepayId: 'wxnope' })).status).toBe(404);
      expect((await control('POST', '/__sim/pay', {})).status).toBe(400);
      const created = await order();
      expect((await control('POST', '/__sim/pay', { prepayId: created.prepay_id, result: 'MAYBE' })).status).toBe(400);
      expect((await control('POST', '/__sim/pay', { prepayId: created.prepay_id, bankType: 'cmb debit' })).status).toBe(400);
      expect((await control('POST', '/__sim/pay', { prepayId: created.prepay_id, bankType: 'CMB_DEBIT' })).status).toBe(200);
      const again = await control('POST', '/__sim/pay', { prepayId: created.prepay_id });
      expect(again).toEqual({ status: 409, json: { error: 'the order is already paid' } });
      expect(sim.order(created.out_trade_no)?.bankType).toBe('CMB_DEBIT');
    });
  });

  describe('/pay/orderquery and /pay/closeorder', () => {
    it('reports NOTPAY, then SUCCESS with the payment fields; transaction_id wins over out_trade_no', async () => {
      const created = await order({ attach: 'att' });
      const notPaid = await call('/pay/orderquery', { out_trade_no: created.out_trade_no });
      expect(notPaid).toMatchObject({ result_code: 'SUCCESS', trade_state: 'NOTPAY', trade_state_desc: '订单未支付', attach: 'att' });
      expect(notPaid.transaction_id).toBeUndefined();
      expect(notPaid.time_end).toBeUndefined();

      const before = Date.now();
      const paid = await sim.pay({ prepayId: created.prepay_id });
      expect(paid.transactionId).toMatch(/^\d{28}$/);
      const other = await order();
      const answer = await call('/pay/orderquery', { transaction_id: paid.transactionId, out_trade_no: other.out_trade_no });
      const stored = sim.order(created.out_trade_no) as SimOrder;
      expect(answer).toMatchObject({
        result_code: 'SUCCESS',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        out_trade_no: created.out_trade_no,
        transaction_id: paid.transactionId,
        openid: stored.openId,
        is_subscribe: 'N',
        trade_type: 'JSAPI',
        bank_type: 'OTHERS',
        total_fee: '1000',
        fee_type: 'CNY',
        cash_fee: '1000',
        attach: 'att',
        time_end: stored.timeEnd,
      });
      // time_end is Beijing time.
      const beijing = new Date(before + 8 * 3600 * 1000).toISOString().replace(/[-T:]/g, '').slice(0, 12);
      expect(answer.time_end.slice(0, 12) >= beijing).toBe(true);
      expect(answer.time_end).toMatch(/^\d{14}$/);
    });

    it('reports PAYERROR after a failed payment, and ORDERNOTEXIST for unknown orders', async () => {
      const created = await order();
      const failed = await sim.pay({ prepayId: created.prepay_id, result: 'FAIL' });
      expect(failed.notification.acknowledged).toBe(true);
      expect(await call('/pay/orderquery', { out_trade_no: created.out_trade_no })).toMatchObject({ trade_state: 'PAYERROR' });
      expect(await call('/pay/orderquery', { out_trade_no: 'T9999999' })).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'FAIL',
        err_code: 'ORDERNOTEXIST',
      });
      expect(await call('/pay/orderquery', { transaction_id: '4200000000000000000000000000' })).toMatchObject({
        err_code: 'ORDERNOTEXIST',
      });
      expect(await call('/pay/orderquery', {})).toEqual({ return_code: 'FAIL', return_msg: 'transaction_id或out_trade_no参数缺失' });
      // A failed payment can be retried.
      expect((await sim.pay({ prepayId: created.prepay_id })).transactionId).toBe(failed.transactionId);
    });

    it('closes an unpaid order once; never a paid one', async () => {
      const created = await order();
      expect(await call('/pay/closeorder', { out_trade_no: created.out_trade_no })).toMatchObject({
        result_code: 'SUCCESS',
        result_msg: 'OK',
      });
      expect(await call('/pay/orderquery', { out_trade_no: created.out_trade_no })).toMatchObject({ trade_state: 'CLOSED' });
      expect(await call('/pay/closeorder', { out_trade_no: created.out_trade_no })).toMatchObject({
        result_code: 'FAIL',
        err_code: 'ORDERCLOSED',
      });
      const closedPay = await control('POST', '/__sim/pay', { prepayId: created.prepay_id });
      expect(closedPay.status).toBe(410);
      const { outTradeNo } = await paidOrder();
      expect(await call('/pay/closeorder', { out_trade_no: outTradeNo })).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERPAID' });
      expect(await call('/pay/closeorder', { out_trade_no: 'T8888888' })).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERNOTEXIST' });
      expect(await call('/pay/closeorder', {})).toEqual({ return_code: 'FAIL', return_msg: 'out_trade_no参数缺失' });
    });
  });
});
