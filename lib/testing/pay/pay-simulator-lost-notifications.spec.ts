import { billDateOf, payBench } from './pay-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay side): notifications lost on purpose', () => {
  const bench = payBench();
  const { sim, target, download, order, paidOrder, refundCall, control } = bench;

  it('loses the next genuine payment notification: the order is paid, nothing is sent or retried', async () => {
    expect(sim.loseNotifications({ kind: 'pay' })).toEqual({ pending: 1 });
    const created = await order({ total_fee: '1200' });
    const paid = await sim.pay({ prepayId: created.prepay_id });
    expect(paid.notification).toMatchObject({ kind: 'pay', lost: true, done: true, acknowledged: false, attempts: [] });
    expect(sim.order(created.out_trade_no)?.tradeState).toBe('SUCCESS');
    expect(target.received).toHaveLength(0);
    expect(sim.notifications).toHaveLength(0);
    // Only the next one: the following payment is delivered.
    await paidOrder();
    expect(target.received).toHaveLength(1);
  });

  it('loses only the kind asked for, as many as asked, and DELETE forgets the rest', async () => {
    sim.loseNotifications({ kind: 'refund', count: 2 });
    const a = await paidOrder({ total_fee: '500' });
    expect(target.received).toHaveLength(1);
    await refundCall({ out_trade_no: a.outTradeNo, out_refund_no: 'LR1', total_fee: '500', refund_fee: '100', notify_url: target.url() });
    const settled = await sim.settleRefund({ outRefundNo: 'LR1' });
    expect(settled.refund.status).toBe('SUCCESS');
    expect(settled.notification).toMatchObject({ kind: 'refund', lost: true, attempts: [] });
    expect(target.received).toHaveLength(1);
    const res = await control('DELETE', '/__sim/loseNotifications');
    expect(res.status).toBe(200);
    await refundCall({ out_trade_no: a.outTradeNo, out_refund_no: 'LR2', total_fee: '500', refund_fee: '100', notify_url: target.url() });
    const second = await sim.settleRefund({ outRefundNo: 'LR2' });
    expect(second.notification?.lost).toBeUndefined();
    expect(second.notification?.attempts).toHaveLength(1);
  });

  it('is steered over HTTP too, and refuses bad input with 400', async () => {
    const ok = await control('POST', '/__sim/loseNotifications', { kind: 'pay', count: 1 });
    expect(ok).toMatchObject({ status: 200, json: { pending: 1 } });
    for (const bad of [{ kind: 'sms' }, { count: 0 }, { count: 1.5 }, { count: '2' }]) {
      expect((await control('POST', '/__sim/loseNotifications', bad)).status).toBe(400);
    }
    const created = await order();
    expect((await sim.pay({ prepayId: created.prepay_id })).notification.lost).toBe(true);
  });

  it('bills what happened at WeChat, whether or not its notification was delivered', async () => {
    sim.loseNotifications({ kind: 'pay' });
    const lost = await paidOrder({ total_fee: '1234' });
    const delivered = await paidOrder({ total_fee: '99' });
    const answer = await download('/pay/downloadbill', { bill_date: billDateOf(sim.order(lost.outTradeNo)), bill_type: 'SUCCESS' });
    expect(answer.status).toBe(200);
    expect(answer.text.startsWith('<xml')).toBe(false);
    const rows = answer.text.split('\r\n').filter((line) => line.includes(lost.outTradeNo) || line.includes(delivered.outTradeNo));
    expect(rows).toHaveLength(2);
    expect(rows.find((line) => line.includes(lost.outTradeNo))).toContain('`12.34');
  });
});
