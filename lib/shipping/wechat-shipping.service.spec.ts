import type { PayOrder } from '../entities/pay-order.entity';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import { WeChatInputError } from '../errors/wechat-input.error';
import type { MiniProgramModuleOptions } from '../interfaces';
import { resolveMiniProgramOptions } from '../options/mini-program-options.validation';
import { SIMULATOR_DEV_APP, SIMULATOR_DEV_MERCHANT } from '../testing';
import { shippingBench } from '../testing/shipping/shipping-simulator.spec-kit';
import { MemoryAccessTokenStore } from '../wechat/access-token.store';
import { WeChatApiService } from '../wechat/wechat-api.service';
import { WeChatHttpClient } from '../wechat/wechat-http.client';
import type { WeChatRequest } from '../wechat/wechat-http.client';
import { WECHAT_SHIPPING_ERRCODES } from './wechat-shipping.errcodes';
import { WeChatShippingService } from './wechat-shipping.service';

const APP_ID = 'wx4f4bc4dec97d474b';
const TX = '4200001234202603011234567890';
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const PAY = { mchId: '1900000109', apiKey: '0123456789abcdef0123456789abcdef', notifyUrl: 'https://host/mp/wechatPayCallback' };

/** A service whose HTTP client is fake: the token request gets a token, every other request the next queued answer. */
function fake(extra: Partial<MiniProgramModuleOptions> = {}) {
  const options = resolveMiniProgramOptions({
    appId: APP_ID,
    appSecret: '0123456789abcdef0123456789abcdef',
    http: { retries: 0 },
    ...extra,
  });
  const http = new WeChatHttpClient(options);
  const answers: Array<Record<string, unknown> | Error> = [];
  const sent: WeChatRequest[] = [];
  jest.spyOn(http, 'request').mockImplementation(async (req) => {
    if (req.path === '/cgi-bin/stable_token') return { access_token: 'TOKEN', expires_in: 7200 };
    sent.push(req);
    const next = answers.shift() ?? { errcode: 0, errmsg: 'ok' };
    if (next instanceof Error) throw next;
    return next;
  });
  const service = new WeChatShippingService(options, new WeChatApiService(options, new MemoryAccessTokenStore(), http));
  return { service, answers, sent };
}

/** A WeChat order as `get_order` answers it. */
const WIRE_ORDER = {
  transaction_id: TX,
  merchant_trade_no: 'ORDER0001',
  merchant_id: '1900000109',
  sub_merchant_id: '',
  description: '🍌*1',
  paid_amount: 916,
  openid: OPENID,
  trade_create_time: 1670563533,
  pay_time: '1670563534',
  in_complaint: false,
  order_state: 2,
  shipping: {
    delivery_mode: 1,
    logistics_type: 1,
    finish_shipping: true,
    finish_shipping_count: 1,
    goods_desc: '🍌*1',
    shipping_list: [
      { tracking_no: 'JT1234567890', express_company: 'JTSD', upload_time: 1670832735, contact: { receiver_contact: '138****8000' } },
    ],
  },
};

describe('WeChatShippingService (fake WeChat)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('POSTs each API to /wxa/sec/order with the access token, idempotent only where a repeat does no harm', async () => {
    const { service, answers, sent } = fake();
    await service.uploadShippingInfo({
      orderKey: { transactionId: TX },
      logisticsType: 3,
      shippingList: [{ itemDesc: 'x' }],
      payerOpenId: OPENID,
    });
    await service.uploadCombinedShippingInfo({
      orderKey: { transactionId: TX },
      subOrders: [{ orderKey: { transactionId: TX }, logisticsType: 4, shippingList: [{ itemDesc: 'x' }] }],
      payerOpenId: OPENID,
    });
    answers.push({ errcode: 0, order: WIRE_ORDER }, { errcode: 0, order_list: [] });
    await service.getOrder({ transactionId: TX });
    await service.getOrderList();
    await service.notifyConfirmReceive({ orderKey: { transactionId: TX }, receivedAt: new Date(Date.now() - 60_000) });
    await service.setMsgJumpPath('pages/order/detail');
    answers.push({ errcode: 0, is_trade_managed: true }, { errcode: 0, completed: true });
    await service.isTradeManaged();
    await service.isTradeManagementConfirmationCompleted();
    expect(sent.map((req) => [req.api, req.method, req.path, req.query, req.idempotent])).toEqual([
      ['uploadShippingInfo', 'POST', '/wxa/sec/order/upload_shipping_info', { access_token: 'TOKEN' }, false],
      ['uploadCombinedShippingInfo', 'POST', '/wxa/sec/order/upload_combined_shipping_info', { access_token: 'TOKEN' }, false],
      ['getOrder', 'POST', '/wxa/sec/order/get_order', { access_token: 'TOKEN' }, true],
      ['getOrderList', 'POST', '/wxa/sec/order/get_order_list', { access_token: 'TOKEN' }, true],
      ['notifyConfirmReceive', 'POST', '/wxa/sec/order/notify_confirm_receive', { access_token: 'TOKEN' }, false],
      ['setMsgJumpPath', 'POST', '/wxa/sec/order/set_msg_jump_path', { access_token: 'TOKEN' }, true],
      ['isTradeManaged', 'POST', '/wxa/sec/order/is_trade_managed', { access_token: 'TOKEN' }, true],
      [
        'isTradeManagementConfirmationCompleted',
        'POST',
        '/wxa/sec/order/is_trade_management_confirmation_completed',
        { access_token: 'TOKEN' },
        true,
      ],
    ]);
    expect(sent[6].body).toEqual({ appid: APP_ID });
    expect(sent[7].body).toEqual({ appid: APP_ID });
  });

  it('reads get_order into a typed order: dates from seconds, enums, empty sub-merchant left out', async () => {
    const { service, answers } = fake();
    answers.push({ errcode: 0, errmsg: 'ok', order: WIRE_ORDER });
    expect(await service.getOrder({ transactionId: TX })).toEqual({
      transactionId: TX,
      mchId: '1900000109',
      outTradeNo: 'ORDER0001',
      description: '🍌*1',
      paidAmount: 916,
      payerOpenId: OPENID,
      tradeCreatedAt: new Date(1670563533_000),
      paidAt: new Date(1670563534_000),
      state: 2,
      inComplaint: false,
      shipping: {
        deliveryMode: 1,
        logisticsType: 1,
        finishShipping: true,
        finishShippingCount: 1,
        goodsDesc: '🍌*1',
        shippingList: [
          {
            trackingNo: 'JT1234567890',
            expressCompany: 'JTSD',
            uploadedAt: new Date(1670832735_000),
            contact: { receiverContact: '138****8000' },
          },
        ],
      },
    });
  });

  it('reads a page of get_order_list; an order with nothing uploaded has no shipping', async () => {
    const { service, answers } = fake();
    answers.push({
      errcode: 0,
      order_list: [{ ...WIRE_ORDER, order_state: 1, shipping: {}, sub_merchant_id: '1900000110' }],
      last_index: 'ab12',
      has_more: true,
    });
    const page = await service.getOrderList({ state: 1 });
    expect(page).toMatchObject({ hasMore: true, lastIndex: 'ab12', orders: [{ state: 1, subMchId: '1900000110' }] });
    expect(page.orders[0].shipping).toBeUndefined();
  });

  it.each([
    ['an unknown order_state', { errcode: 0, order: { ...WIRE_ORDER, order_state: 9 } }, 'unknown order_state 9'],
    ['no order', { errcode: 0 }, 'order missing'],
    ['an order without its transaction id', { errcode: 0, order: { ...WIRE_ORDER, transaction_id: '' } }, 'an order lacks'],
    [
      'an unknown logistics_type',
      { errcode: 0, order: { ...WIRE_ORDER, shipping: { ...WIRE_ORDER.shipping, logistics_type: 7 } } },
      'unknown logistics_type 7',
    ],
  ])('refuses an answer with %s as invalid-response', async (_name, answer, detail) => {
    const { service, answers } = fake();
    answers.push(answer);
    const error = await service.getOrder({ transactionId: TX }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatUnavailableError);
    expect(error).toMatchObject({ kind: 'invalid-response' });
    expect((error as Error).message).toContain(detail);
  });

  it('answers the flags of is_trade_managed and the confirmation, and refuses an answer without them', async () => {
    const { service, answers } = fake();
    answers.push({ errcode: 0, is_trade_managed: false }, { errcode: 0, completed: true }, { errcode: 0 });
    expect(await service.isTradeManaged()).toBe(false);
    expect(await service.isTradeManagementConfirmationCompleted()).toBe(true);
    await expect(service.isTradeManaged()).rejects.toMatchObject({ kind: 'invalid-response' });
  });

  it("surfaces WeChat's refusals as WeChatApiError with its errcode, which the errcode map explains", async () => {
    const { service, answers } = fake();
    answers.push(new WeChatApiError('uploadShippingInfo', 10060003, '支付单已使用重新发货机会'));
    const error = await service
      .uploadShippingInfo({ orderKey: { transactionId: TX }, logisticsType: 3, shippingList: [{ itemDesc: 'x' }], payerOpenId: OPENID })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatApiError);
    expect(WECHAT_SHIPPING_ERRCODES[(error as WeChatApiError).errcode]).toBe('the payment has used its one re-shipment');
  });

  it('sends nothing for bad input', async () => {
    const { service, sent } = fake();
    await expect(service.setMsgJumpPath('a path')).rejects.toBeInstanceOf(WeChatInputError);
    await expect(service.getOrder({ transactionId: '' })).rejects.toBeInstanceOf(WeChatInputError);
    await expect(service.getOrderList({ pageSize: 0 })).rejects.toBeInstanceOf(WeChatInputError);
    expect(sent).toEqual([]);
  });

  it('uploads a PayOrder that needs no logistics: by transaction id once paid, else by the module’s merchant', async () => {
    const { service, sent } = fake({ pay: PAY });
    const order = { outTradeNo: 'ORDER0001', openId: OPENID, transactionId: TX } as PayOrder;
    await service.uploadForPayOrder(order, { logisticsType: 4, itemDesc: '到店自提*1' });
    await service.uploadForPayOrder({ ...order, transactionId: null } as PayOrder, { logisticsType: 3, itemDesc: '会员*1' });
    expect(sent.map((req) => req.body)).toEqual([
      expect.objectContaining({
        order_key: { order_number_type: 2, transaction_id: TX },
        logistics_type: 4,
        delivery_mode: 1,
        shipping_list: [{ item_desc: '到店自提*1' }],
        payer: { openid: OPENID },
      }),
      expect.objectContaining({ order_key: { order_number_type: 1, mchid: PAY.mchId, out_trade_no: 'ORDER0001' }, logistics_type: 3 }),
    ]);
  });

  it('refuses to upload a PayOrder with logistics, or unpaid without pay options', async () => {
    const { service, sent } = fake();
    const order = { outTradeNo: 'ORDER0001', openId: OPENID, transactionId: null } as PayOrder;
    await expect(service.uploadForPayOrder(null as never, { logisticsType: 3, itemDesc: 'x' })).rejects.toMatchObject({
      problems: ['order must be a PayOrder'],
    });
    await expect(service.uploadForPayOrder(order, { logisticsType: 1 as never, itemDesc: 'x' })).rejects.toMatchObject({
      problems: ['logisticsType must be 3 (virtual goods) or 4 (self-pickup)'],
    });
    await expect(service.uploadForPayOrder(order, { logisticsType: 3, itemDesc: 'x' })).rejects.toMatchObject({
      problems: ['the order has no transaction id and WeChat Pay is not configured: give MiniProgramModule the `pay` options'],
    });
    await expect(
      service.uploadForPayOrder({ ...order, transactionId: TX } as PayOrder, { logisticsType: 3, itemDesc: '' }),
    ).rejects.toMatchObject({
      problems: ['shippingList[0].itemDesc must be a non-empty string of at most 120 characters'],
    });
    expect(sent).toEqual([]);
  });
});

describe('WeChatShippingService against the simulator', () => {
  const { sim, paid } = shippingBench({ push: false });
  let service: WeChatShippingService;

  // A new service (and token store) per test: the simulator forgets its tokens before each.
  beforeEach(() => {
    const options = resolveMiniProgramOptions({
      ...SIMULATOR_DEV_APP,
      apiBaseUrl: sim.url,
      pay: { ...PAY, mchId: SIMULATOR_DEV_MERCHANT.mchId, apiKey: SIMULATOR_DEV_MERCHANT.apiKey },
    });
    const http = new WeChatHttpClient(options);
    service = new WeChatShippingService(options, new WeChatApiService(options, new MemoryAccessTokenStore(), http));
  });

  it('ships a paid order, reads it back shipped, and is refused a second re-shipment', async () => {
    const order = await paid();
    const payOrder = { outTradeNo: order.outTradeNo, openId: order.openId, transactionId: null } as PayOrder;
    await service.uploadForPayOrder(payOrder, { logisticsType: 3, itemDesc: '会员月卡*1', uploadTime: new Date(Date.now() - 2000) });
    const shipped = await service.getOrder({ mchId: SIMULATOR_DEV_MERCHANT.mchId, outTradeNo: order.outTradeNo });
    expect(shipped).toMatchObject({ transactionId: order.transactionId, state: 2, payerOpenId: order.openId, paidAmount: 1000 });
    expect(shipped.shipping).toMatchObject({ logisticsType: 3, finishShippingCount: 1, shippingList: [{ goodsDesc: '会员月卡*1' }] });
    await service.uploadForPayOrder({ ...payOrder, transactionId: order.transactionId } as PayOrder, {
      logisticsType: 4,
      itemDesc: '到店自提*1',
      uploadTime: new Date(Date.now() - 1000),
    });
    await expect(service.uploadForPayOrder(payOrder, { logisticsType: 3, itemDesc: 'x' })).rejects.toMatchObject({ errcode: 10060003 });
    await sim.confirmReceive({ transactionId: order.transactionId });
    const page = await service.getOrderList({ state: 4, payerOpenId: order.openId });
    expect(page.orders.map((o) => o.transactionId)).toEqual([order.transactionId]);
  });

  it('reminds receipt of an express order, sets the jump path and reads the trade-management flags', async () => {
    const order = await paid();
    await service.uploadShippingInfo({
      orderKey: { transactionId: order.transactionId },
      logisticsType: 1,
      shippingList: [{ trackingNo: 'SF1234567890', expressCompany: 'SF', itemDesc: '抱枕*1', contact: { receiverContact: '138****8000' } }],
      payerOpenId: order.openId,
    });
    await service.notifyConfirmReceive({ orderKey: { transactionId: order.transactionId }, receivedAt: new Date() });
    await expect(
      service.notifyConfirmReceive({ orderKey: { transactionId: order.transactionId }, receivedAt: new Date() }),
    ).rejects.toMatchObject({
      errcode: 10060030,
    });
    await service.setMsgJumpPath('pages/order/detail');
    expect(sim.shippingSettings().msgJumpPath).toBe('pages/order/detail');
    sim.setTradeManaged({ managed: false });
    expect(await service.isTradeManaged()).toBe(false);
    expect(await service.isTradeManagementConfirmationCompleted()).toBe(false);
  });
});
