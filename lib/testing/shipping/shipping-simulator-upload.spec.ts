import { DAY_S, M, expectError, expressUpload, shippingBench, uploadTime, virtualUpload } from './shipping-simulator.spec-kit';
import type { Json, Paid } from './shipping-simulator.spec-kit';

describe('WeChatSimulator (order shipping): uploads', () => {
  const { sim, api, paid, ship, refundCall } = shippingBench({ push: false });

  it('ships a paid order by transaction id: state 1 → 2, the money frozen, get_order shows what was uploaded', async () => {
    const order = await paid();
    const before = sim.shipping({ transactionId: order.transactionId });
    expect(before).toMatchObject({ orderState: 1, fundsFrozen: true, reshipped: false, history: [{ state: 1 }] });
    expect(before?.shipping).toBeUndefined();
    await ship(virtualUpload(order));
    const after = sim.shipping({ transactionId: order.transactionId });
    expect(after).toMatchObject({
      orderState: 2,
      fundsFrozen: true,
      shipping: { logisticsType: 3, deliveryMode: 1, finishShipping: true },
    });
    expect(after?.history.map((entry) => entry.state)).toEqual([1, 2]);
    // Virtual goods settle 2 days after shipping when the user does nothing.
    expect(((after?.estimatedSettlementAt as number) - (after?.shippedAt as number)) / 1000).toBe(2 * DAY_S);

    const { json } = await api('get_order', { transaction_id: order.transactionId });
    const now = Math.floor(Date.now() / 1000);
    expect(json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      order: {
        transaction_id: order.transactionId,
        merchant_trade_no: order.outTradeNo,
        merchant_id: M.mchId,
        sub_merchant_id: '',
        description: '会员月卡*1',
        paid_amount: 1000,
        openid: order.openId,
        trade_create_time: expect.any(Number),
        pay_time: expect.any(Number),
        in_complaint: false,
        order_state: 2,
        shipping: {
          delivery_mode: 1,
          logistics_type: 3,
          finish_shipping: true,
          finish_shipping_count: 1,
          goods_desc: '会员月卡*1',
          shipping_list: [{ goods_desc: '会员月卡*1', upload_time: expect.any(Number) }],
        },
      },
    });
    expect(Math.abs(json.order.pay_time - now)).toBeLessThan(5);
    expect(Math.abs(json.order.shipping.shipping_list[0].upload_time - now)).toBeLessThan(5);
  });

  it('finds the order by mchid and out_trade_no, and ships SF express with a masked contact (10 days to settle)', async () => {
    const order = await paid();
    await ship(expressUpload(order, { order_key: { order_number_type: 1, mchid: M.mchId, out_trade_no: order.outTradeNo } }));
    const view = sim.shipping({ outTradeNo: order.outTradeNo });
    expect(view?.shipping?.parcels).toEqual([
      {
        trackingNo: 'SF1234567890',
        expressCompany: 'SF',
        itemDesc: '抱枕*1',
        receiverContact: '138****8000',
        uploadedAt: expect.any(Number),
      },
    ]);
    expect(((view?.estimatedSettlementAt as number) - (view?.shippedAt as number)) / 1000).toBe(10 * DAY_S);
    const { json } = await api('get_order', { merchant_id: M.mchId, merchant_trade_no: order.outTradeNo });
    expect(json.order.shipping.shipping_list[0]).toEqual({
      tracking_no: 'SF1234567890',
      express_company: 'SF',
      goods_desc: '抱枕*1',
      upload_time: expect.any(Number),
      contact: { receiver_contact: '138****8000' },
    });
  });

  it('ships in parcels: the order stays to ship until is_all_delivered, then counts one finished shipping', async () => {
    const order = await paid();
    const parcel = (n: number) => ({ tracking_no: `YT00${n}`, express_company: 'YTO', item_desc: `第${n}件` });
    await ship(
      expressUpload(order, { delivery_mode: 2, is_all_delivered: false, shipping_list: [parcel(1)], upload_time: uploadTime(-1000) }),
    );
    expect(sim.shipping({ transactionId: order.transactionId })).toMatchObject({
      orderState: 1,
      shipping: { finishShipping: false, finishShippingCount: 0 },
    });
    await ship(expressUpload(order, { delivery_mode: 2, is_all_delivered: true, shipping_list: [parcel(1), parcel(2)] }));
    const view = sim.shipping({ transactionId: order.transactionId });
    expect(view).toMatchObject({ orderState: 2, reshipped: false, shipping: { finishShipping: true, finishShippingCount: 1 } });
    expect(view?.shipping?.parcels.map((p) => p.trackingNo)).toEqual(['YT001', 'YT002']);
    const { json } = await api('get_order', { transaction_id: order.transactionId });
    expect(json.order.description).toBe('第1件;第2件');
  });

  it('allows one re-shipment of a shipped order (10060003 after), none after receipt (10060002), never an older upload (10060023)', async () => {
    const order = await paid();
    await ship(virtualUpload(order, { upload_time: uploadTime(-2000) }));
    const older = await api('upload_shipping_info', virtualUpload(order, { upload_time: uploadTime(-3000) }));
    expectError(older.json, 10060023, '发货信息未更新');
    await ship(virtualUpload(order, { logistics_type: 4, upload_time: uploadTime(-1000) }));
    expect(sim.shipping({ transactionId: order.transactionId })).toMatchObject({
      orderState: 2,
      reshipped: true,
      shipping: { logisticsType: 4, finishShippingCount: 2 },
    });
    expectError((await api('upload_shipping_info', virtualUpload(order))).json, 10060003, '支付单已使用重新发货机会');

    const other = await paid();
    await ship(virtualUpload(other, { upload_time: uploadTime(-1000) }));
    await sim.confirmReceive({ transactionId: other.transactionId });
    expectError((await api('upload_shipping_info', virtualUpload(other))).json, 10060002, '支付单已完成发货，无法继续发货');
  });

  it('refuses what WeChat refuses about the payment: unknown or unpaid (10060001), another payer (10060031), refunded (10060004)', async () => {
    const order = await paid();
    const unknown = { ...order, transactionId: '4200000000000000000000000000' };
    expectError((await api('upload_shipping_info', virtualUpload(unknown))).json, 10060001, '支付单不存在');
    const unpaid = await api(
      'upload_shipping_info',
      virtualUpload(order, { order_key: { order_number_type: 1, mchid: M.mchId, out_trade_no: 'NOPE000001' } }),
    );
    expectError(unpaid.json, 10060001, '支付单不存在');
    const otherPayer = await api('upload_shipping_info', virtualUpload({ ...order, openId: 'oSomebodyElse' }));
    expectError(otherPayer.json, 10060031, '该笔支付单不属于 openid 所指定的用户');

    const refund = await refundCall({
      out_trade_no: order.outTradeNo,
      out_refund_no: `R${order.outTradeNo}`,
      total_fee: '1000',
      refund_fee: '1000',
    });
    expect(refund.result_code).toBe('SUCCESS');
    await sim.settleRefund({ outRefundNo: `R${order.outTradeNo}` });
    expect(sim.shipping({ transactionId: order.transactionId })?.orderState).toBe(5);
    expectError((await api('upload_shipping_info', virtualUpload(order))).json, 10060004, '支付单处于不可发货的状态');
    expect(sim.shipping({ transactionId: order.transactionId })?.shipping).toBeUndefined();
  });

  const tooLongDesc = '好'.repeat(121);
  const cases: Array<[string, (order: Paid) => Json, number, string]> = [
    ['a shipping_list that is not a list', (o) => virtualUpload(o, { shipping_list: { item_desc: 'x' } }), 47001, 'data format error'],
    ['a logistics_type that is text', (o) => virtualUpload(o, { logistics_type: '3' }), 47001, 'data format error'],
    ['no payer', (o) => virtualUpload(o, { payer: undefined }), 47001, 'data format error'],
    ['order_number_type 3', (o) => virtualUpload(o, { order_key: { order_number_type: 3 } }), 268485194, '订单单号类型非法'],
    [
      'type 2 without transaction_id',
      (o) => virtualUpload(o, { order_key: { order_number_type: 2 } }),
      268485195,
      '微信支付单号形式下 transaction_id 字段不能为空',
    ],
    [
      'type 1 without mchid',
      (o) => virtualUpload(o, { order_key: { order_number_type: 1, out_trade_no: o.outTradeNo } }),
      268485196,
      '商户侧单号形式下 mchid 字段不能为空',
    ],
    [
      'type 1 without out_trade_no',
      (o) => virtualUpload(o, { order_key: { order_number_type: 1, mchid: M.mchId } }),
      268485197,
      '商户侧单号形式下 out_trade_no 字段不能为空',
    ],
    [
      'an upload_time without a zone',
      (o) => virtualUpload(o, { upload_time: '2022-12-15T13:29:35' }),
      268485216,
      '上传时间非法，请按照 RFC 3339 格式填写',
    ],
    [
      'an upload_time on 31 February',
      (o) => virtualUpload(o, { upload_time: '2025-02-31T13:29:35+08:00' }),
      268485216,
      '上传时间非法，请按照 RFC 3339 格式填写',
    ],
    ['logistics_type 5', (o) => virtualUpload(o, { logistics_type: 5 }), 10060005, '物流类型有误'],
    ['delivery_mode 3', (o) => virtualUpload(o, { delivery_mode: 3 }), 268485224, '发货模式非法'],
    [
      'split delivery of virtual goods',
      (o) => virtualUpload(o, { delivery_mode: 2, is_all_delivered: true }),
      10060006,
      '非快递发货时不允许分拆发货',
    ],
    [
      'split delivery without is_all_delivered',
      (o) => expressUpload(o, { delivery_mode: 2 }),
      10060007,
      '分拆发货模式下必须填写 is_all_delivered 字段',
    ],
    ['an empty shipping_list', (o) => virtualUpload(o, { shipping_list: [] }), 10060014, '参数错误: shipping_list is empty'],
    [
      '16 parcels',
      (o) =>
        expressUpload(o, {
          delivery_mode: 2,
          is_all_delivered: true,
          shipping_list: Array(16).fill({ tracking_no: 'T1', express_company: 'YTO', item_desc: 'x' }),
        }),
      10060024,
      '物流信息列表太长',
    ],
    [
      'two parcels in unified delivery',
      (o) => virtualUpload(o, { shipping_list: [{ item_desc: 'a' }, { item_desc: 'b' }] }),
      268485228,
      '统一发货模式下，物流信息列表长度必须为 1',
    ],
    ['no item_desc', (o) => virtualUpload(o, { shipping_list: [{ item_desc: '' }] }), 10060008, '商品描述 item_desc 字段不能为空'],
    [
      '121 characters of item_desc',
      (o) => virtualUpload(o, { shipping_list: [{ item_desc: tooLongDesc }] }),
      10060009,
      '商品描述 item_desc 字段太长',
    ],
    [
      'express without tracking_no',
      (o) => expressUpload(o, { shipping_list: [{ express_company: 'YTO', item_desc: 'x' }] }),
      268485226,
      '物流单号不能为空',
    ],
    [
      'express without express_company',
      (o) => expressUpload(o, { shipping_list: [{ tracking_no: 'T1', item_desc: 'x' }] }),
      268485227,
      '物流公司编码不能为空',
    ],
    [
      'a tracking_no of 129 bytes',
      (o) => expressUpload(o, { shipping_list: [{ tracking_no: 'T'.repeat(129), express_company: 'YTO', item_desc: 'x' }] }),
      10060026,
      '物流单号太长',
    ],
    [
      'an express_company of 129 bytes',
      (o) => expressUpload(o, { shipping_list: [{ tracking_no: 'T1', express_company: 'Y'.repeat(129), item_desc: 'x' }] }),
      10060025,
      '物流公司编码太长',
    ],
    [
      'SF without a contact',
      (o) => expressUpload(o, { shipping_list: [{ tracking_no: 'SF1', express_company: 'SF', item_desc: 'x' }] }),
      10060014,
      '参数错误: contact is required with SF',
    ],
    [
      'a contact whose last digits are masked',
      (o) =>
        expressUpload(o, {
          shipping_list: [{ tracking_no: 'SF1', express_company: 'SF', item_desc: 'x', contact: { consignor_contact: '1380013****' } }],
        }),
      10060014,
      '参数错误: consignor_contact must keep its last 4 digits unmasked',
    ],
  ];

  it.each(cases)('refuses %s', async (_name, body, errcode, wording) => {
    const order = await paid();
    const { status, json } = await api('upload_shipping_info', body(order));
    expect(status).toBe(200);
    expectError(json, errcode, wording);
    expect(sim.shipping({ transactionId: order.transactionId })?.orderState).toBe(1);
  });

  it('ships combined payments sub-order by sub-order, and changes nothing when one sub-order is refused', async () => {
    const [a, b] = [await paid(), await paid()];
    const sub = (order: Paid) => ({
      order_key: { order_number_type: 2, transaction_id: order.transactionId },
      logistics_type: 3,
      delivery_mode: 1,
      shipping_list: [{ item_desc: '点卡*1' }],
    });
    const combined = (subs: Json[], payer = a.openId) => ({
      order_key: { order_number_type: 2, transaction_id: '4200000000000000000000009999' },
      sub_orders: subs,
      upload_time: uploadTime(),
      payer: { openid: payer },
    });
    // b was paid by another user: the whole upload is refused, a stays to ship.
    expectError(
      (await api('upload_combined_shipping_info', combined([sub(a), sub(b)]))).json,
      10060031,
      '该笔支付单不属于 openid 所指定的用户',
    );
    expect(sim.shipping({ transactionId: a.transactionId })?.orderState).toBe(1);
    const mixed = { ...sub(b), order_key: { order_number_type: 1, mchid: M.mchId, out_trade_no: b.outTradeNo } };
    expectError((await api('upload_combined_shipping_info', combined([sub(a), mixed]))).json, 268485194, '订单单号类型非法');
    expectError((await api('upload_combined_shipping_info', combined([]))).json, 10060014, '参数错误: sub_orders is empty');

    const c = await paid(a.openId);
    expect((await api('upload_combined_shipping_info', combined([sub(a), sub(c)]))).json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(sim.shipping({ transactionId: a.transactionId })?.orderState).toBe(2);
    expect(sim.shipping({ transactionId: c.transactionId })?.orderState).toBe(2);
    expect(sim.shipping({ transactionId: b.transactionId })?.orderState).toBe(1);
  });
});
