import { decryptPayV3Sensitive } from '../../crypto/pay-v3.crypto';
import { WeChatPayInputError } from '../../errors/wechat-pay.error';
import { resolveMiniProgramOptions } from '../../options/mini-program-options.validation';
import { SIMULATOR_DEV_V3 } from '../../testing/dev-keys/dev-v3-keys';
import { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { normaliseRefund, normaliseTransaction, WeChatPayV3Api } from './wechat-pay-v3.api';
import { WeChatPayV3Client } from './wechat-pay-v3.client';
import { MemoryAccessTokenStore } from '../../wechat/access-token.store';
import { v3Vector } from '../../../test/fixtures/vectors';

const K = SIMULATOR_DEV_V3;

/** The API over a client whose `call` is a mock: nothing leaves the process. */
function setup() {
  const options = resolveMiniProgramOptions({
    appId: 'wx4f4bc4dec97d474b',
    appSecret: '0123456789abcdef0123456789abcdef',
    pay: {
      mchId: '1900000109',
      baseUrl: 'http://127.0.0.1:9',
      v3: {
        apiV3Key: K.apiV3Key,
        merchantPrivateKey: K.merchantPrivateKey,
        merchantSerialNo: K.merchantSerialNo,
        wechatPayPublicKey: K.wechatPayPublicKey,
        wechatPayPublicKeyId: K.publicKeyId,
        notifyUrl: 'https://host/mp/wechatPayV3Callback',
      },
    },
  });
  const client = new WeChatPayV3Client(options, new WeChatPayHttpClient(options), new MemoryAccessTokenStore());
  const call = jest.spyOn(client, 'call').mockRejectedValue(new Error('must not be sent'));
  const download = jest.spyOn(client, 'download').mockRejectedValue(new Error('must not be sent'));
  return { api: new WeChatPayV3Api(options, client), call, download };
}

async function inputError(promise: Promise<unknown>): Promise<WeChatPayInputError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WeChatPayInputError);
  return error as WeChatPayInputError;
}

const jsapi = { outTradeNo: 'order0001', description: 'Pickup order', total: 100, openId: 'o-user' };
const refund = { transactionId: '4200000000202611240000000001', outRefundNo: 'R-0001', total: 100, refund: 40 };

describe('WeChatPayV3Api input', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => (s = setup()));
  afterEach(() => {
    expect(s.call).not.toHaveBeenCalled();
    expect(s.download).not.toHaveBeenCalled();
  });

  it.each([undefined, null, 'order0001', 42, []])('refuses a missing or non-object request (%p) with WeChatPayInputError', async (bad) => {
    const api = s.api as unknown as Record<string, (arg: unknown) => Promise<unknown>>;
    for (const method of ['jsapi', 'refund', 'tradeBill', 'fundFlowBill', 'queryOrder']) {
      const error = await inputError(api[method](bad));
      expect(error.api).toBe(`v3.${method}`);
    }
  });

  it.each([undefined, null, '', 'R 1', 'x'.repeat(65), 7])('refuses queryRefund(%p) with WeChatPayInputError', async (bad) => {
    await inputError(s.api.queryRefund(bad as never));
  });

  it.each([undefined, null, '', 'short', 'order 0001', 7])('refuses closeOrder(%p) with WeChatPayInputError', async (bad) => {
    await inputError(s.api.closeOrder(bad as never));
  });

  it('refuses an order key that is neither or both of the keys, or not a string', async () => {
    await inputError(s.api.queryOrder({} as never));
    await inputError(s.api.queryOrder({ outTradeNo: 'order0001', transactionId: '42' } as never));
    await inputError(s.api.queryOrder({ transactionId: 42 } as never));
    await inputError(s.api.queryOrder({ transactionId: '42/../x' }));
  });

  it.each(['USD', 'cny', '', 'CNY\r\n', 156, null])(
    'refuses currency %p in jsapi and refund (domestic merchants take CNY only)',
    async (currency) => {
      const jsapiError = await inputError(s.api.jsapi({ ...jsapi, currency } as never));
      expect(jsapiError.problems.join(' ')).toMatch(/currency must be one of CNY/);
      const refundError = await inputError(s.api.refund({ ...refund, currency } as never));
      expect(refundError.problems.join(' ')).toMatch(/currency must be one of CNY/);
    },
  );

  it('refuses bill requests without a valid date or type', async () => {
    await inputError(s.api.tradeBill({} as never));
    await inputError(s.api.tradeBill({ billDate: '2026-02-30' }));
    await inputError(s.api.tradeBill({ billDate: '2026-11-24', billType: 'RECHARGE_REFUND' as never }));
    await inputError(s.api.fundFlowBill({ billDate: new Date(Number.NaN) }));
    await inputError(s.api.fundFlowBill({ billDate: '2026-11-24', accountType: 'Basic' as never }));
  });
});

describe('WeChatPayV3Api.jsapi and refund send CNY', () => {
  it('defaults currency to CNY and accepts it given', async () => {
    const s = setup();
    s.call.mockResolvedValue({ status: 200, body: Buffer.from('{}'), json: { prepay_id: 'wx2611240000000000000000000000000001' } });
    await s.api.jsapi(jsapi);
    await s.api.jsapi({ ...jsapi, currency: 'CNY' });
    for (const [, , , body] of s.call.mock.calls) expect((body as { amount: unknown }).amount).toEqual({ total: 100, currency: 'CNY' });
  });
});

describe('WeChatPayV3Api.encryptSensitive', () => {
  it('encrypts with the WeChat Pay public key and names its id', async () => {
    const field = await setup().api.encryptSensitive('张三');
    expect(field.serial).toBe(K.publicKeyId);
    expect(decryptPayV3Sensitive(field.ciphertext, K.wechatPayPrivateKey)).toBe('张三');
  });

  it.each([
    ['a number', 13800138000],
    ['undefined', undefined],
    ['null', null],
    ['an object', { toString: () => 'x' }],
    ['a lone surrogate', 'ab\uD800c'],
    ['a lone low surrogate', '\uDC00'],
  ])('refuses %s with WeChatPayInputError', async (_name, plaintext) => {
    const error = await inputError(setup().api.encryptSensitive(plaintext as never));
    expect(error.api).toBe('v3.encryptSensitive');
  });

  it('refuses a text longer than RSA-OAEP allows with the key (214 bytes for 2048 bits), without quoting it', async () => {
    const { api } = setup();
    await expect(api.encryptSensitive('a'.repeat(214))).resolves.toMatchObject({ serial: K.publicKeyId });
    const secret = '身份证号'.repeat(18); // 216 UTF-8 bytes
    const error = await inputError(api.encryptSensitive(secret));
    expect(error.message).toMatch(/214/);
    expect(error.message).not.toContain('身份证号');
  });
});

describe('normaliseTransaction', () => {
  it('keeps a documented trade_state', () => {
    for (const state of ['SUCCESS', 'REFUND', 'NOTPAY', 'CLOSED', 'REVOKED', 'USERPAYING', 'PAYERROR', 'ACCEPT']) {
      expect(normaliseTransaction({ trade_state: state }).tradeState).toBe(state);
    }
  });

  it.each([
    ['missing', {}],
    ['unknown', { trade_state: 'REFUNDING' }],
    ['in lower case', { trade_state: 'success' }],
    ['an Object property name', { trade_state: 'constructor' }],
    ['not a string', { trade_state: 1 }],
  ])('does not guess a trade_state that is %s: undefined, with the raw value kept', (_name, raw) => {
    const result = normaliseTransaction(raw);
    expect(result.tradeState).toBeUndefined();
    expect(result.raw).toBe(raw);
  });
});

describe('normaliseRefund', () => {
  it('names the amounts as v2 does (refundFee, totalFee), keeping the v3 names and raw', () => {
    const raw = { refund_id: '5000', out_refund_no: 'R-1', status: 'SUCCESS', amount: { refund: 40, total: 100, payer_refund: 40 } };
    expect(normaliseRefund(raw)).toMatchObject({
      refundId: '5000',
      status: 'SUCCESS',
      refundFee: 40,
      totalFee: 100,
      refund: 40,
      total: 100,
      raw,
    });
    expect(normaliseRefund({ amount: { refund: '40', total: 1.5 } })).toMatchObject({ refundFee: undefined, totalFee: undefined });
    expect(normaliseRefund({ amount: { refund: -40, total: 2 ** 53 } })).toMatchObject({ refundFee: undefined, totalFee: undefined });
    expect(normaliseTransaction({ amount: { total: -0, payer_total: '05' } })).toMatchObject({ totalFee: undefined, cashFee: undefined });
  });
});

describe('WeChatPayV3Api.request replaying a message signed by WeChat Pay', () => {
  // A real signed message from WeChat Pay's Go SDK tests (its headers, body and the platform certificate that signed it),
  // answered here to a generic request. Only `Wechatpay-Serial` is replaced, by the id this merchant configures for that
  // key: the serial is not part of what is signed.
  const replay = v3Vector<{ certificate_pem: string; headers: Record<string, string>; body: string }>('v3_notify_signature_wechatpay_go');
  const KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000';

  function replaying(body: string) {
    const options = resolveMiniProgramOptions({
      appId: 'wx4f4bc4dec97d474b',
      appSecret: '0123456789abcdef0123456789abcdef',
      http: { retries: 0 },
      pay: {
        mchId: '1900000109',
        baseUrl: 'http://127.0.0.1:9',
        v3: {
          apiV3Key: K.apiV3Key,
          merchantPrivateKey: K.merchantPrivateKey,
          merchantSerialNo: K.merchantSerialNo,
          wechatPayPublicKey: replay.inputs.certificate_pem,
          wechatPayPublicKeyId: KEY_ID,
          notifyUrl: 'https://host/mp/wechatPayV3Callback',
        },
      },
    });
    const headers = { ...replay.inputs.headers, 'Wechatpay-Serial': KEY_ID };
    const sent: Array<{ method: string; path: string; headers: Record<string, string> }> = [];
    const http = {
      request: jest.fn(async (_api: string, method: string, path: string, requestHeaders: Record<string, string>) => {
        sent.push({ method, path, headers: requestHeaders });
        return { status: 200, headers, body: Buffer.from(body, 'utf8'), url: path };
      }),
    } as unknown as WeChatPayHttpClient;
    const client = new WeChatPayV3Client(options, http, new MemoryAccessTokenStore());
    return { api: new WeChatPayV3Api(options, client), sent };
  }

  beforeEach(() => jest.spyOn(Date, 'now').mockReturnValue(Number(replay.inputs.headers['Wechatpay-Timestamp']) * 1000 + 5_000));
  afterEach(() => jest.restoreAllMocks());

  it('verifies the answer with the WeChat Pay key and answers its JSON', async () => {
    const { api, sent } = replaying(replay.inputs.body);
    const { status, data } = await api.request('GET', '/v3/payscore/serviceorder?out_order_no=1234323JKHDFE1243252');
    expect(status).toBe(200);
    expect(data).toEqual(JSON.parse(replay.inputs.body));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ method: 'GET', path: '/v3/payscore/serviceorder?out_order_no=1234323JKHDFE1243252' });
    expect(sent[0].headers.authorization).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="1900000109",/);
  });

  it('refuses the same answer with one character of its body changed, as invalid-response', async () => {
    const { api } = replaying(replay.inputs.body.replace('签约成功', '签约失败'));
    await expect(api.request('GET', '/v3/payscore/serviceorder?out_order_no=1')).rejects.toMatchObject({
      name: 'WeChatUnavailableError',
      kind: 'invalid-response',
    });
  });
});
