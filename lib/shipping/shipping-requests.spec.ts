import { WeChatInputError } from '../errors/wechat-input.error';
import { maskShippingContact } from './shipping-input';
import {
  getOrderBody,
  getOrderListBody,
  msgJumpPathBody,
  notifyConfirmReceiveBody,
  rfc3339Beijing,
  uploadCombinedShippingBody,
  uploadShippingBody,
} from './shipping-requests';
import type { UploadCombinedShippingInfoRequest, UploadShippingInfoRequest } from './wechat-shipping.interfaces';

const NOW = new Date('2026-03-01T04:05:06.789Z');
const TX = '4200001234202603011234567890';
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';

/** The problems of a build that must refuse. */
function problemsOf(build: () => unknown): string[] {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(WeChatInputError);
    return (error as WeChatInputError).problems;
  }
  throw new Error('the input was accepted');
}

const virtual = (overrides: Partial<UploadShippingInfoRequest> = {}): UploadShippingInfoRequest => ({
  orderKey: { transactionId: TX },
  logisticsType: 3,
  shippingList: [{ itemDesc: '会员月卡*1' }],
  payerOpenId: OPENID,
  ...overrides,
});

/** An input as a JavaScript caller might pass it, past the types. */
const loose = (value: unknown) => value as UploadShippingInfoRequest;

describe('shipping request bodies', () => {
  it('writes upload_time in RFC 3339, Beijing time, with milliseconds', () => {
    expect(rfc3339Beijing(NOW)).toBe('2026-03-01T12:05:06.789+08:00');
    expect(rfc3339Beijing(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01T00:00:00.000+08:00');
  });

  it('maps an upload by transaction id to snake_case, unified by default, uploaded now', () => {
    expect(uploadShippingBody(virtual(), NOW)).toEqual({
      order_key: { order_number_type: 2, transaction_id: TX },
      logistics_type: 3,
      delivery_mode: 1,
      shipping_list: [{ item_desc: '会员月卡*1' }],
      upload_time: '2026-03-01T12:05:06.789+08:00',
      payer: { openid: OPENID },
    });
  });

  it('maps an express upload in parcels by merchant order, with contacts and a given upload time', () => {
    const body = uploadShippingBody(
      {
        orderKey: { mchId: '1900000109', outTradeNo: 'ORDER-2026|03*01' },
        logisticsType: 1,
        deliveryMode: 2,
        isAllDelivered: false,
        shippingList: [
          { trackingNo: 'SF1234567890', expressCompany: 'SF', itemDesc: '抱枕*1', contact: { receiverContact: '+86-177****1234' } },
          { trackingNo: 'YT9876543210', expressCompany: 'YTO', itemDesc: '杯子*2', contact: { consignorContact: '021-****1234' } },
        ],
        payerOpenId: OPENID,
        uploadTime: new Date('2022-12-15T05:29:35.120Z'),
      },
      NOW,
    );
    expect(body).toEqual({
      order_key: { order_number_type: 1, mchid: '1900000109', out_trade_no: 'ORDER-2026|03*01' },
      logistics_type: 1,
      delivery_mode: 2,
      is_all_delivered: false,
      shipping_list: [
        { tracking_no: 'SF1234567890', express_company: 'SF', item_desc: '抱枕*1', contact: { receiver_contact: '+86-177****1234' } },
        { tracking_no: 'YT9876543210', express_company: 'YTO', item_desc: '杯子*2', contact: { consignor_contact: '021-****1234' } },
      ],
      upload_time: '2022-12-15T13:29:35.120+08:00',
      payer: { openid: OPENID },
    });
  });

  it.each([
    ['a same-city delivery with its company', 2, { expressCompany: '闪送', itemDesc: '蛋糕*1' }],
    ['self-pickup', 4, { itemDesc: '到店自提*1' }],
  ])('takes %s without a tracking number', (_name, logisticsType, item) => {
    const body = uploadShippingBody(virtual({ logisticsType: logisticsType as 2 | 4, shippingList: [item] }), NOW);
    expect(body.logistics_type).toBe(logisticsType);
  });

  it('names every problem of an upload at once', () => {
    const problems = problemsOf(() =>
      uploadShippingBody(
        loose({
          orderKey: { transactionId: 'not a transaction id' },
          logisticsType: 5,
          deliveryMode: 0,
          shippingList: [],
          payerOpenId: 'o user',
          uploadTime: new Date('nonsense'),
        }),
        NOW,
      ),
    );
    expect(problems).toEqual([
      'orderKey.transactionId must be a WeChat Pay transaction id: 1–32 letters or digits',
      'logisticsType must be one of 1, 2, 3, 4',
      'deliveryMode must be one of 1, 2',
      'shippingList must be a list of exactly one parcel in unified delivery',
      'uploadTime must be a valid Date',
      'payerOpenId must be an openid: 1–128 characters of [A-Za-z0-9_-]',
    ]);
  });

  it.each<[string, Partial<UploadShippingInfoRequest> | Record<string, unknown>, string[]]>([
    [
      'both kinds of order key',
      { orderKey: { transactionId: TX, mchId: '1900000109' } },
      ['orderKey: give transactionId, or mchId and outTradeNo, not both'],
    ],
    [
      'a merchant key with bad values',
      { orderKey: { mchId: 'mch-1', outTradeNo: 'short' } },
      [
        'orderKey.mchId must be a merchant id: 1–32 digits',
        'orderKey.outTradeNo must be an out_trade_no: 6–32 characters of [0-9A-Za-z_-|*]',
      ],
    ],
    ['no order key', { orderKey: undefined }, ['orderKey must be an object']],
    [
      'an empty item_desc',
      { shippingList: [{ itemDesc: '' }] },
      ['shippingList[0].itemDesc must be a non-empty string of at most 120 characters'],
    ],
    [
      '121 characters of item_desc',
      { shippingList: [{ itemDesc: '好'.repeat(121) }] },
      ['shippingList[0].itemDesc must be at most 120 characters'],
    ],
    [
      'a control character in item_desc',
      { shippingList: [{ itemDesc: 'cup\u0000' }] },
      ['shippingList[0].itemDesc must not contain control characters, lone surrogates or U+FFFE/U+FFFF'],
    ],
    [
      'a lone surrogate in item_desc',
      { shippingList: [{ itemDesc: 'cup\ud800' }] },
      ['shippingList[0].itemDesc must not contain control characters, lone surrogates or U+FFFE/U+FFFF'],
    ],
    [
      'express without tracking number and carrier',
      { logisticsType: 1, shippingList: [{ itemDesc: 'x' }] },
      [
        'shippingList[0].trackingNo is required for express logistics (logisticsType 1)',
        'shippingList[0].expressCompany is required for express logistics (logisticsType 1)',
      ],
    ],
    [
      'a tracking number of 129 bytes and a carrier of 129 bytes',
      { logisticsType: 1, shippingList: [{ itemDesc: 'x', trackingNo: 'T'.repeat(129), expressCompany: '顺'.repeat(43) }] },
      ['shippingList[0].trackingNo must be at most 128 bytes', 'shippingList[0].expressCompany must be at most 128 bytes'],
    ],
    [
      'SF Express without a contact',
      { logisticsType: 1, shippingList: [{ itemDesc: 'x', trackingNo: 'SF1', expressCompany: 'SF' }] },
      ['shippingList[0].contact (consignorContact or receiverContact) is required with SF Express (expressCompany SF)'],
    ],
    [
      'contacts that are not masked, or masked in their last four digits',
      { shippingList: [{ itemDesc: 'x', contact: { consignorContact: '13800138000', receiverContact: '1380013****' } }] },
      [
        'shippingList[0].contact.consignorContact must be a masked phone number with its last four digits visible, e.g. 138****8000 or 021-****1234',
        'shippingList[0].contact.receiverContact must be a masked phone number with its last four digits visible, e.g. 138****8000 or 021-****1234',
      ],
    ],
    [
      'split delivery of virtual goods without isAllDelivered',
      { deliveryMode: 2 },
      [
        'deliveryMode: split delivery (2) is only allowed with express logistics (logisticsType 1)',
        'isAllDelivered is required with split delivery (a boolean)',
      ],
    ],
    ['isAllDelivered that is not a boolean', { isAllDelivered: 'yes' as unknown as boolean }, ['isAllDelivered must be a boolean']],
    [
      'two parcels in unified delivery',
      { shippingList: [{ itemDesc: 'a' }, { itemDesc: 'b' }] },
      ['shippingList must be a list of exactly one parcel in unified delivery'],
    ],
    [
      '16 parcels',
      {
        logisticsType: 1,
        deliveryMode: 2,
        isAllDelivered: true,
        shippingList: Array(16).fill({ itemDesc: 'x', trackingNo: 'T', expressCompany: 'YTO' }),
      },
      ['shippingList must be a list of 1 to 15 parcels'],
    ],
    [
      'a shipping list that is not a list',
      { shippingList: 'parcel' as never },
      ['shippingList must be a list of exactly one parcel in unified delivery'],
    ],
    ['a parcel that is not an object', { shippingList: [null as never] }, ['shippingList[0] must be an object']],
    ['an openid of 129 characters', { payerOpenId: 'o'.repeat(129) }, ['payerOpenId must be an openid: 1–128 characters of [A-Za-z0-9_-]']],
  ])('refuses %s', (_name, overrides, problems) => {
    expect(problemsOf(() => uploadShippingBody(virtual(overrides as Partial<UploadShippingInfoRequest>), NOW))).toEqual(problems);
  });

  it('refuses a request that is not an object', () => {
    expect(problemsOf(() => uploadShippingBody(loose(null), NOW))).toEqual(['the request must be an object']);
    expect(problemsOf(() => getOrderListBody([] as never))).toEqual(['the request must be an object']);
  });

  it('maps a combined upload, every sub-order keyed like the combined order', () => {
    const request: UploadCombinedShippingInfoRequest = {
      orderKey: { mchId: '1900000109', outTradeNo: 'COMBINED001' },
      subOrders: [
        { orderKey: { mchId: '1900000109', outTradeNo: 'SUB0000001' }, logisticsType: 3, shippingList: [{ itemDesc: '点卡*1' }] },
        {
          orderKey: { mchId: '1900000109', outTradeNo: 'SUB0000002' },
          logisticsType: 1,
          deliveryMode: 2,
          isAllDelivered: true,
          shippingList: [{ itemDesc: '书*1', trackingNo: 'ZT1', expressCompany: 'ZTO' }],
        },
      ],
      payerOpenId: OPENID,
    };
    expect(uploadCombinedShippingBody(request, NOW)).toEqual({
      order_key: { order_number_type: 1, mchid: '1900000109', out_trade_no: 'COMBINED001' },
      sub_orders: [
        {
          order_key: { order_number_type: 1, mchid: '1900000109', out_trade_no: 'SUB0000001' },
          logistics_type: 3,
          delivery_mode: 1,
          shipping_list: [{ item_desc: '点卡*1' }],
        },
        {
          order_key: { order_number_type: 1, mchid: '1900000109', out_trade_no: 'SUB0000002' },
          logistics_type: 1,
          delivery_mode: 2,
          is_all_delivered: true,
          shipping_list: [{ item_desc: '书*1', tracking_no: 'ZT1', express_company: 'ZTO' }],
        },
      ],
      upload_time: '2026-03-01T12:05:06.789+08:00',
      payer: { openid: OPENID },
    });
    const mixed = { ...request, subOrders: [{ ...request.subOrders[0], orderKey: { transactionId: TX } }] };
    expect(problemsOf(() => uploadCombinedShippingBody(mixed, NOW))).toEqual([
      'subOrders[0].orderKey must be of the same kind as orderKey (a transaction id, or mchId and outTradeNo)',
    ]);
    expect(problemsOf(() => uploadCombinedShippingBody({ ...request, subOrders: [] }, NOW))).toEqual([
      'subOrders must be a list of 1 to 50 sub-orders',
    ]);
    const bad = { ...request, subOrders: [{ ...request.subOrders[0], logisticsType: 7 as never }] };
    expect(problemsOf(() => uploadCombinedShippingBody(bad, NOW))).toEqual(['subOrders[0].logisticsType must be one of 1, 2, 3, 4']);
  });

  it('maps the payment of get_order and notify_confirm_receive (with a sub-merchant), receivedAt in seconds', () => {
    expect(getOrderBody({ transactionId: TX })).toEqual({ transaction_id: TX });
    expect(getOrderBody({ mchId: '1900000109', outTradeNo: 'ORDER0001', subMchId: '1900000110' })).toEqual({
      merchant_id: '1900000109',
      merchant_trade_no: 'ORDER0001',
      sub_merchant_id: '1900000110',
    });
    expect(notifyConfirmReceiveBody({ orderKey: { transactionId: TX }, receivedAt: new Date('2026-03-01T03:00:00.999Z') }, NOW)).toEqual({
      transaction_id: TX,
      received_time: Date.parse('2026-03-01T03:00:00Z') / 1000,
    });
    expect(problemsOf(() => getOrderBody({ transactionId: TX, subMchId: 'x' }))).toEqual([
      'orderKey.subMchId must be a merchant id: 1–32 digits',
    ]);
    expect(
      problemsOf(() => notifyConfirmReceiveBody({ orderKey: { transactionId: TX }, receivedAt: new Date('2026-03-01T05:00:00Z') }, NOW)),
    ).toEqual(['receivedAt must not be in the future']);
    expect(problemsOf(() => notifyConfirmReceiveBody({ orderKey: { transactionId: TX }, receivedAt: 1700000000 as never }, NOW))).toEqual([
      'receivedAt must be a valid Date',
    ]);
  });

  it('maps the filters of get_order_list, only those given, and refuses bad ones', () => {
    expect(getOrderListBody()).toEqual({});
    expect(
      getOrderListBody({
        paidFrom: new Date('2026-03-01T00:00:00Z'),
        paidTo: new Date('2026-03-02T00:00:00Z'),
        state: 2,
        payerOpenId: OPENID,
        lastIndex: '092dd3cecbc6926301',
        pageSize: 50,
      }),
    ).toEqual({
      pay_time_range: { begin_time: 1772323200, end_time: 1772409600 },
      order_state: 2,
      openid: OPENID,
      last_index: '092dd3cecbc6926301',
      page_size: 50,
    });
    expect(getOrderListBody({ paidTo: new Date(1000_000) })).toEqual({ pay_time_range: { end_time: 1000 } });
    expect(
      problemsOf(() =>
        getOrderListBody({
          paidFrom: new Date('2026-03-02T00:00:00Z'),
          paidTo: new Date('2026-03-01T00:00:00Z'),
          state: 9 as never,
          pageSize: 101,
        }),
      ),
    ).toEqual(['paidFrom must not be after paidTo', 'state must be one of 1, 2, 3, 4, 5, 6', 'pageSize must be an integer from 1 to 100']);
    expect(problemsOf(() => getOrderListBody({ paidFrom: new Date('2200-01-01T00:00:00Z'), lastIndex: '' }))).toEqual([
      'paidFrom must be between 1970 and 2106 (32-bit seconds)',
      'lastIndex must be a non-empty string of at most 1024 bytes',
    ]);
  });

  it('takes a page path with its query for set_msg_jump_path, or empty for WeChat’s page', () => {
    expect(msgJumpPathBody('pages/order/detail?from=shipping')).toEqual({ path: 'pages/order/detail?from=shipping' });
    expect(msgJumpPathBody('')).toEqual({ path: '' });
    expect(problemsOf(() => msgJumpPathBody('pages/order detail'))).toEqual(['path must not contain white space']);
    expect(problemsOf(() => msgJumpPathBody(undefined))).toEqual(['path must be a non-empty string of at most 1024 characters']);
  });
});

describe('maskShippingContact', () => {
  it.each([
    ['13800138000', '138****8000'],
    ['021-61234567', '021-****4567'],
    ['+86 13800138000', '+86 1******8000'],
    ['61234567', '****4567'],
    ['1234', '1234'],
  ])('masks %s as %s', (phone, masked) => {
    expect(maskShippingContact(phone)).toBe(masked);
  });

  it('makes contacts that the upload takes', () => {
    const contact = { receiverContact: maskShippingContact('13800138000') };
    expect(() => uploadShippingBody(virtual({ shippingList: [{ itemDesc: 'x', contact }] }), NOW)).not.toThrow();
  });
});
