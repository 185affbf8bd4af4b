import { APP, M, expectError, expressUpload, shippingBench, virtualUpload } from './shipping-simulator.spec-kit';

describe('WeChatSimulator (order shipping): queries, reminders and settings', () => {
  const { sim, api, paid, ship, accessToken, control } = shippingBench({ push: false });

  it('lists the paid orders page by page, filtered by pay time, state and payer', async () => {
    const [a, b, c] = [await paid(), await paid(), await paid()];
    await ship(virtualUpload(b));
    const first = await api('get_order_list', { page_size: 2 });
    expect(first.json).toMatchObject({ errcode: 0, errmsg: 'ok', has_more: true, last_index: expect.stringMatching(/^[0-9a-f]+$/) });
    expect(first.json.order_list.map((o: { transaction_id: string }) => o.transaction_id)).toEqual([a.transactionId, b.transactionId]);
    const second = await api('get_order_list', { page_size: 2, last_index: first.json.last_index });
    expect(second.json).toMatchObject({ has_more: false, order_list: [{ transaction_id: c.transactionId, order_state: 1, shipping: {} }] });

    const shipped = await api('get_order_list', { order_state: 2 });
    expect(shipped.json.order_list.map((o: { transaction_id: string }) => o.transaction_id)).toEqual([b.transactionId]);
    const byPayer = await api('get_order_list', { openid: c.openId });
    expect(byPayer.json.order_list.map((o: { openid: string }) => o.openid)).toEqual([c.openId]);
    const now = Math.floor(Date.now() / 1000);
    expect((await api('get_order_list', { pay_time_range: { begin_time: now + 60 } })).json.order_list).toEqual([]);
    expect((await api('get_order_list', { pay_time_range: { end_time: now + 60 } })).json.order_list).toHaveLength(3);

    expectError((await api('get_order_list', { last_index: 'zz' })).json, 10060011, 'last_index不合法');
    expectError((await api('get_order_list', { page_size: 0 })).json, 10060014, '参数错误: page_size must be a positive integer');
    expectError((await api('get_order_list', { pay_time_range: 'today' })).json, 47001, 'data format error');
  });

  it('answers get_order by either key, and 10060001 for an order it does not know', async () => {
    const order = await paid();
    const byTransaction = await api('get_order', { transaction_id: order.transactionId });
    const byTradeNo = await api('get_order', { merchant_id: M.mchId, merchant_trade_no: order.outTradeNo });
    expect(byTradeNo.json).toEqual(byTransaction.json);
    expect(byTransaction.json.order).toMatchObject({ order_state: 1, shipping: {}, description: '' });
    expectError((await api('get_order', { transaction_id: '4200000000000000000000000000' })).json, 10060001, '支付单不存在');
    expectError(
      (await api('get_order', { merchant_id: M.mchId })).json,
      10060014,
      '参数错误: give transaction_id, or merchant_id and merchant_trade_no',
    );
  });

  it('reminds the user to confirm receipt once, for express orders shipped before the delivery (10060029/30/32)', async () => {
    const order = await paid();
    const key = { transaction_id: order.transactionId };
    const now = Math.floor(Date.now() / 1000);
    expectError(
      (await api('notify_confirm_receive', { ...key, received_time: now })).json,
      10060014,
      '参数错误: the payment is not shipped, or its receipt is confirmed',
    );
    await ship(expressUpload(order));
    expectError((await api('notify_confirm_receive', { ...key, received_time: now - 3600 })).json, 10060029, '签收时间不合理');
    expectError((await api('notify_confirm_receive', { ...key, received_time: Date.now() })).json, 10060029, '签收时间不合理');
    expectError((await api('notify_confirm_receive', { ...key, received_time: '1700000000' })).json, 47001, 'data format error');
    expect((await api('notify_confirm_receive', { ...key, received_time: Math.floor(Date.now() / 1000) })).json).toEqual({
      errcode: 0,
      errmsg: 'ok',
    });
    expect(sim.shipping({ transactionId: order.transactionId })?.receiptRemindedWith).toEqual(expect.any(Number));
    expectError((await api('notify_confirm_receive', { ...key, received_time: now })).json, 10060030, '支付单已使用提醒收货机会');

    const virtual = await paid();
    await ship(virtualUpload(virtual));
    const reminder = await api('notify_confirm_receive', {
      transaction_id: virtual.transactionId,
      received_time: Math.floor(Date.now() / 1000),
    });
    expectError(reminder.json, 10060032, '只有物流快递发货时允许提醒用户确认收货');
  });

  it('records the message jump path, and answers is_trade_managed and its confirmation as set', async () => {
    expect((await api('set_msg_jump_path', { path: 'pages/order/detail?from=wechat' })).json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(sim.shippingSettings()).toEqual({
      appId: APP.appId,
      tradeManaged: true,
      confirmationCompleted: true,
      msgJumpPath: 'pages/order/detail?from=wechat',
    });
    expectError((await api('set_msg_jump_path', {})).json, 47001, 'data format error');

    expect((await api('is_trade_managed', { appid: APP.appId })).json).toEqual({ errcode: 0, errmsg: 'ok', is_trade_managed: true });
    expect(sim.setTradeManaged({ managed: false })).toEqual({
      appId: APP.appId,
      tradeManaged: false,
      confirmationCompleted: false,
      msgJumpPath: 'pages/order/detail?from=wechat',
    });
    expect((await api('is_trade_managed', { appid: APP.appId })).json.is_trade_managed).toBe(false);
    expect((await control('POST', '/__sim/tradeManaged', { managed: true, completed: false })).status).toBe(200);
    expect((await api('is_trade_managed', { appid: APP.appId })).json.is_trade_managed).toBe(true);
    const confirmation = await api('is_trade_management_confirmation_completed', { appid: APP.appId });
    expect(confirmation.json).toEqual({ errcode: 0, errmsg: 'ok', completed: false });
    expect((await control('GET', '/__sim/shipping')).json).toMatchObject({
      appId: APP.appId,
      tradeManaged: true,
      confirmationCompleted: false,
    });

    expectError((await api('is_trade_managed', {})).json, 40097, 'invalid args');
    expectError((await api('is_trade_managed', { appid: 'wx0123456789abcdef' })).json, 40013, 'invalid appid');
    expect((await control('POST', '/__sim/tradeManaged', { managed: 'yes' })).status).toBe(400);
  });

  it('checks the access token as the other APIs do, answers 47001 for a body that is not JSON and 43002 for GET', async () => {
    expectError((await api('get_order_list', {}, null)).json, 41001, 'access_token missing');
    expectError((await api('get_order_list', {}, 'not-a-token')).json, 40001, 'invalid credential, access_token is invalid or not latest');
    expectError((await api('get_order_list', 'not json')).json, 47001, 'data format error');
    const res = await fetch(`${sim.url}/wxa/sec/order/get_order_list?access_token=${await accessToken()}`);
    expectError((await res.json()) as Record<string, unknown>, 43002, 'require POST method');
  });

  it('applies faults like the other routes, and logs the calls with their app and errcode', async () => {
    sim.clearCalls();
    sim.addFault({ path: '/wxa/sec/order/get_order', errcode: -1, count: 1 });
    const order = await paid();
    expect((await api('get_order', { transaction_id: order.transactionId })).json.errcode).toBe(-1);
    expect((await api('get_order', { transaction_id: order.transactionId })).json.errcode).toBe(0);
    await api('upload_shipping_info', virtualUpload(order, { logistics_type: 9 }));
    const calls = sim.calls.filter((call) => call.path.startsWith('/wxa/sec/order/'));
    expect(calls.map((call) => [call.path, call.errcode, call.faultId !== undefined])).toEqual([
      ['/wxa/sec/order/get_order', -1, true],
      ['/wxa/sec/order/get_order', 0, false],
      ['/wxa/sec/order/upload_shipping_info', 10060005, false],
    ]);
    expect(calls[1].appId).toBe(APP.appId);
  });
});
