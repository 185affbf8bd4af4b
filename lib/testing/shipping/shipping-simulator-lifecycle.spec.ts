import { APP, DAY_S, M, expressUpload, shippingBench, virtualUpload, waitFor } from './shipping-simulator.spec-kit';
import type { Json, Paid } from './shipping-simulator.spec-kit';

/** The fields every push about an order carries, as the app reads them. */
function orderFields(order: Paid): Json {
  return {
    transaction_id: order.transactionId,
    merchant_id: M.mchId,
    sub_merchant_id: '',
    merchant_trade_no: order.outTradeNo,
    pay_time: expect.any(Number),
  };
}

/** The header WeChat's system pushes carry: the app's original id, a system sender, an event. */
const HEADER = {
  ToUserName: expect.stringMatching(/^gh_/),
  FromUserName: expect.any(String),
  CreateTime: expect.any(Number),
  MsgType: 'event',
};

describe('WeChatSimulator (order shipping): the settlement and its pushes', () => {
  const { sim, paid, ship, pushed, receiver, control } = shippingBench();

  it('pushes trade_manage_order_settlement with the estimated settlement when an order ships', async () => {
    const order = await paid();
    await ship(expressUpload(order));
    await waitFor(() => receiver.received.length === 1);
    const [push] = pushed();
    expect(push).toEqual({
      ...HEADER,
      Event: 'trade_manage_order_settlement',
      ...orderFields(order),
      shipped_time: expect.any(Number),
      estimated_settlement_time: expect.any(Number),
    });
    expect(push.FromUserName).not.toBe(order.openId);
    expect(push.estimated_settlement_time - push.shipped_time).toBe(10 * DAY_S);
    expect(Math.abs(push.shipped_time - Date.now() / 1000)).toBeLessThan(5);
    expect(receiver.received[0].query.get('openid')).toBe(push.FromUserName);
    await waitFor(() => sim.pushes[0]?.acknowledged === true);
  });

  it('plays the user confirming receipt: state 3, then settled (4), the money released and the second push sent', async () => {
    const order = await paid();
    await ship(virtualUpload(order));
    await waitFor(() => receiver.received.length === 1);
    const { order: view, push } = await sim.confirmReceive({ transactionId: order.transactionId });
    expect(view).toMatchObject({ orderState: 4, fundsFrozen: false, confirmReceiveMethod: 1 });
    expect(view?.history.map((entry) => entry.state)).toEqual([1, 2, 3, 4]);
    expect(push).toMatchObject({ acknowledged: true, kind: 'genuine' });
    const settlement = pushed()[1];
    expect(settlement).toEqual({
      ...HEADER,
      Event: 'trade_manage_order_settlement',
      ...orderFields(order),
      shipped_time: pushed()[0].shipped_time,
      confirm_receive_method: 1,
      confirm_receive_time: expect.any(Number),
      settlement_time: expect.any(Number),
    });
    expect(settlement.settlement_time).toBeGreaterThanOrEqual(settlement.confirm_receive_time);
    expect(view?.settledAt).toBeGreaterThanOrEqual(view?.confirmedAt as number);
  });

  it('confirms receipt over HTTP too, by out_trade_no, automatically with method 2', async () => {
    const order = await paid();
    await ship(virtualUpload(order));
    await waitFor(() => receiver.received.length === 1);
    const res = await control('POST', '/__sim/confirmReceive', { outTradeNo: order.outTradeNo, method: 2 });
    expect(res.status).toBe(200);
    expect(res.json.order).toMatchObject({ transactionId: order.transactionId, orderState: 4, confirmReceiveMethod: 2 });
    expect(res.json.push.message).toMatchObject({ confirm_receive_method: 2 });
    const shown = await control('GET', `/__sim/shipping?transactionId=${order.transactionId}`);
    expect(shown.json).toEqual(res.json.order);
  });

  it('refuses to confirm what is not shipped (409), an unknown order (404) and a bad method (400)', async () => {
    const order = await paid();
    const notShipped = await control('POST', '/__sim/confirmReceive', { transactionId: order.transactionId });
    expect(notShipped).toEqual({ status: 409, json: { error: 'the order is in state 1, not 2 (shipped)' } });
    const unknown = await control('POST', '/__sim/confirmReceive', { transactionId: '4200000000000000000000000000' });
    expect(unknown.status).toBe(404);
    expect((await control('POST', '/__sim/confirmReceive', { transactionId: order.transactionId, method: 3 })).status).toBe(400);
    expect((await control('POST', '/__sim/confirmReceive', {})).status).toBe(400);
    expect((await control('GET', '/__sim/shipping?transactionId=4200000000000000000000000000')).status).toBe(404);
    expect(receiver.received).toEqual([]);
  });

  it('pushes trade_manage_remind_shipping for an order still to ship, and nothing for a shipped one (409)', async () => {
    const order = await paid();
    const res = await control('POST', '/__sim/remindShipping', { transactionId: order.transactionId });
    expect(res.status).toBe(200);
    expect(res.json.order).toMatchObject({ orderState: 1 });
    expect(pushed()).toEqual([{ ...HEADER, Event: 'trade_manage_remind_shipping', ...orderFields(order), msg: expect.any(String) }]);
    await ship(virtualUpload(order));
    await waitFor(() => receiver.received.length === 2); // the shipment's push
    expect((await control('POST', '/__sim/remindShipping', { transactionId: order.transactionId })).status).toBe(409);
  });

  it('pushes trade_manage_remind_access_api to the app', async () => {
    const res = await control('POST', '/__sim/remindAccessApi', { msg: '请接入发货信息管理服务' });
    expect(res.status).toBe(200);
    expect(res.json.push).toMatchObject({ appId: APP.appId, acknowledged: true });
    expect(pushed()).toEqual([{ ...HEADER, Event: 'trade_manage_remind_access_api', msg: '请接入发货信息管理服务' }]);
    expect((await sim.remindAccessApi()).push?.message).toMatchObject({ msg: expect.any(String) });
    expect((await control('POST', '/__sim/remindAccessApi', { msg: 3 })).status).toBe(400);
  });
});

describe('WeChatSimulator (order shipping) without a message push', () => {
  const { sim, paid, ship, receiver } = shippingBench({ push: false });

  it('changes the state alone: no push is sent or reported', async () => {
    const order = await paid();
    await ship(virtualUpload(order));
    const result = await sim.confirmReceive({ transactionId: order.transactionId });
    expect(result.order?.orderState).toBe(4);
    expect(result.push).toBeUndefined();
    expect(await sim.remindAccessApi()).toEqual({});
    expect(sim.pushes).toEqual([]);
    expect(receiver.received).toEqual([]);
  });
});
