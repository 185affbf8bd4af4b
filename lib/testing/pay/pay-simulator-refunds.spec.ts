import { Fields, payBench, waitFor } from './pay-simulator.spec-kit';

// The order APIs are in pay-simulator-orders.spec.ts, under the same describe (so the tests keep their full names).
describe('WeChatSimulator (WeChat Pay side): orders and refunds', () => {
  const bench = payBench();
  const { sim, call, order, paidOrder, refundCall, control } = bench;

  describe('/secapi/pay/refund and /pay/refundquery', () => {
    it('accepts a refund as PROCESSING, settles it after the scaled delay, and retries are idempotent', async () => {
      const { outTradeNo, transactionId } = await paidOrder();
      const request = { out_trade_no: outTradeNo, out_refund_no: 'R-1', total_fee: '1000', refund_fee: '300', refund_desc: '缺货' };
      const answer = await refundCall(request, { signType: 'HMAC-SHA256' });
      expect(answer).toMatchObject({
        return_code: 'SUCCESS',
        result_code: 'SUCCESS',
        transaction_id: transactionId,
        out_trade_no: outTradeNo,
        out_refund_no: 'R-1',
        refund_id: expect.stringMatching(/^\d{29}$/),
        refund_fee: '300',
        total_fee: '1000',
        cash_fee: '1000',
        cash_refund_fee: '300',
      });
      expect(sim.refund('R-1')).toMatchObject({ status: 'PROCESSING', refundDesc: '缺货', refundId: answer.refund_id });
      const again = await refundCall(request);
      expect(again.refund_id).toBe(answer.refund_id);
      expect(await refundCall({ ...request, refund_fee: '301' })).toMatchObject({
        result_code: 'FAIL',
        err_code: 'INVALID_REQUEST',
        err_code_des: '订单金额或退款金额与之前请求不一致',
      });
      const processing = await call('/pay/refundquery', { out_refund_no: 'R-1' });
      expect(processing).toMatchObject({ refund_count: '1', refund_status_0: 'PROCESSING' });
      expect(processing.refund_success_time_0).toBeUndefined();
      await waitFor(() => sim.refund('R-1')?.status === 'SUCCESS');
      expect(sim.order(outTradeNo)?.tradeState).toBe('REFUND');
      expect(await call('/pay/orderquery', { out_trade_no: outTradeNo })).toMatchObject({ trade_state: 'REFUND' });
      const settled = await call('/pay/refundquery', { refund_id: answer.refund_id });
      expect(settled).toMatchObject({
        result_code: 'SUCCESS',
        transaction_id: transactionId,
        out_trade_no: outTradeNo,
        total_fee: '1000',
        cash_fee: '1000',
        total_refund_count: '1',
        refund_count: '1',
        out_refund_no_0: 'R-1',
        refund_id_0: answer.refund_id,
        refund_fee_0: '300',
        refund_status_0: 'SUCCESS',
        refund_channel_0: 'ORIGINAL',
        refund_recv_accout_0: '支付用户的零钱',
        refund_account_0: 'REFUND_SOURCE_RECHARGE_FUNDS',
        refund_success_time_0: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/),
      });
      expect(settled.refund_success_time_0).toBe(sim.refund('R-1')?.successTime);
      expect((await control('GET', '/__sim/refund?outRefundNo=R-1')).json).toEqual(sim.refund('R-1'));
    });

    it('limits refunds to what is left, counting closed refunds out', async () => {
      const { outTradeNo } = await paidOrder();
      const r = (no: string, fee: string, total = '1000'): Promise<Fields> =>
        refundCall({ out_trade_no: outTradeNo, out_refund_no: no, total_fee: total, refund_fee: fee });
      expect((await r('A', '600')).result_code).toBe('SUCCESS');
      expect(await r('B', '401')).toMatchObject({
        result_code: 'FAIL',
        err_code: 'INVALID_REQUEST',
        err_code_des: '累计退款金额大于支付金额',
      });
      expect(await r('C', '100', '999')).toMatchObject({ result_code: 'FAIL', err_code: 'INVALID_REQUEST' });
      expect((await r('D', '400')).result_code).toBe('SUCCESS');
      expect(await r('E', '1')).toMatchObject({ err_code: 'INVALID_REQUEST' });
      const closed = await sim.settleRefund({ outRefundNo: 'D', status: 'REFUNDCLOSE' });
      expect(closed.refund.status).toBe('REFUNDCLOSE');
      expect((await r('E', '400')).result_code).toBe('SUCCESS');
      expect(await r('A', '600', '1000')).toMatchObject({ result_code: 'SUCCESS' });
      const other = await paidOrder();
      expect(await refundCall({ out_trade_no: other.outTradeNo, out_refund_no: 'A', total_fee: '1000', refund_fee: '600' })).toMatchObject({
        err_code: 'INVALID_REQUEST',
      });
      expect((await control('POST', '/__sim/settleRefund', { outRefundNo: 'D' })).status).toBe(409);
      expect((await control('POST', '/__sim/settleRefund', { outRefundNo: 'nope' })).status).toBe(404);
    });

    it('refuses refunds of unpaid and unknown orders, and bad fields', async () => {
      const created = await order();
      const request = { out_trade_no: created.out_trade_no, out_refund_no: 'X1', total_fee: '1000', refund_fee: '1' };
      expect(await refundCall(request)).toMatchObject({ result_code: 'FAIL', err_code: 'TRADE_STATE_ERROR' });
      expect(await refundCall({ ...request, out_trade_no: 'T7777777' })).toMatchObject({ result_code: 'FAIL', err_code: 'ORDERNOTEXIST' });
      expect(await refundCall({ ...request, refund_fee: '0' })).toEqual({ return_code: 'FAIL', return_msg: 'refund_fee参数格式错误' });
      expect(await refundCall({ ...request, out_refund_no: 'x'.repeat(65) })).toEqual({
        return_code: 'FAIL',
        return_msg: 'out_refund_no参数格式错误',
      });
      expect(await refundCall({ ...request, out_refund_no: '' })).toEqual({ return_code: 'FAIL', return_msg: 'out_refund_no参数缺失' });
      expect(await refundCall({ ...request, notify_url: 'javascript:alert(1)' })).toEqual({
        return_code: 'FAIL',
        return_msg: 'notify_url参数格式错误',
      });
    });

    it('lists refunds with indexed fields, ten per page from offset, and REFUNDNOTEXIST otherwise', async () => {
      const { outTradeNo, transactionId } = await paidOrder({ total_fee: '10000' });
      for (let i = 0; i < 12; i++) {
        expect(
          (await refundCall({ transaction_id: transactionId, out_refund_no: `P${i}`, total_fee: '10000', refund_fee: String(i + 1) }))
            .result_code,
        ).toBe('SUCCESS');
      }
      const first = await call('/pay/refundquery', { out_trade_no: outTradeNo });
      expect(first).toMatchObject({ total_refund_count: '12', refund_count: '10', out_refund_no_0: 'P0', refund_fee_9: '10' });
      expect(first.out_refund_no_10).toBeUndefined();
      const second = await call('/pay/refundquery', { transaction_id: transactionId, offset: '10' });
      expect(second).toMatchObject({
        total_refund_count: '12',
        refund_count: '2',
        out_refund_no_0: 'P10',
        out_refund_no_1: 'P11',
        refund_fee: '23',
      });
      // refund_id > out_refund_no > transaction_id > out_trade_no.
      const byPriority = await call('/pay/refundquery', {
        out_refund_no: 'P3',
        transaction_id: transactionId,
        refund_id: sim.refund('P5')?.refundId as string,
      });
      expect(byPriority).toMatchObject({ refund_count: '1', out_refund_no_0: 'P5' });
      const unpaid = await order();
      expect(await call('/pay/refundquery', { out_trade_no: unpaid.out_trade_no })).toMatchObject({
        result_code: 'FAIL',
        err_code: 'REFUNDNOTEXIST',
      });
      expect(await call('/pay/refundquery', { out_refund_no: 'nope' })).toMatchObject({ err_code: 'REFUNDNOTEXIST' });
      expect(await call('/pay/refundquery', { out_trade_no: outTradeNo, offset: '12' })).toMatchObject({ err_code: 'REFUNDNOTEXIST' });
    });
  });
});
