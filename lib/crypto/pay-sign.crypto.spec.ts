import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { Aes, Formatter, Hash } from 'wechatpay-axios-plugin';
import { vector } from '../../test/fixtures/vectors';
import { PayCryptoError, PayCryptoReason } from '../errors/pay-crypto.error';
import {
  decryptRefundReqInfo,
  encryptRefundReqInfo,
  jsapiPaySign,
  JsapiPayParams,
  PaySignType,
  payV2Sign,
  payV2SignString,
  refundReqInfoKey,
  verifyPayV2Sign,
} from './pay-sign.crypto';
import { parsePayXml } from './pay-xml.codec';
import { pick, prng } from '../../test/utils/prng';

type Params = Record<string, string>;

const md5Vector = vector<{ params: Params; key: string; stringA: string; stringSignTemp: string }, { sign: string }>(
  'pay_v2_sign_md5_official',
);
const hmacVector = vector<{ params: Params; key: string; hmac_key: string; hmac_message: string }, { sign: string }>(
  'pay_v2_sign_hmac_sha256_official',
);
const payVector = vector<
  { params_md5: JsapiPayParams; params_hmac: JsapiPayParams; key: string },
  { paySign_md5: string; paySign_hmac_sha256: string }
>('miniprogram_requestPayment_paySign_md5_and_hmac');
const notifyVector = vector<{ v2_key: string; xml: string }, { sign: string }>('pay_v2_notify_min_easywechat_node');
const refundVector = vector<{ v2_key: string; xml: string }, { req_info_plaintext: string; outer_sign: string }>(
  'refund_notify_req_info_easywechat_node_min',
);

const VALUE_PIECES = [
  'a',
  'Z',
  '9',
  '0',
  ' ',
  '=',
  '&',
  '<',
  '>',
  '"',
  "'",
  ']]>',
  '\n',
  '\t',
  '微信',
  '支付',
  'é',
  'ß',
  '😀',
  '👍🏽',
  '\u00a0',
  '%20',
  '+',
  '/',
];
const KEY_HEADS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_';
const KEY_TAILS = 'abcdefghijklmnopqrstuvwxyz0123456789_';
const UNICODE_KEYS = ['金额', 'é', 'ß_1', 'ключ', 'z😀', 'Ω'];
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomText(rand: () => number, maxPieces = 12): string {
  let out = '';
  const n = Math.floor(rand() * maxPieces);
  for (let i = 0; i < n; i++) out += pick(rand, VALUE_PIECES);
  return out;
}

/** A key that starts with a letter or `_`, or a non-ASCII key: never integer-like (see the divergence test). */
function randomKey(rand: () => number): string {
  if (rand() < 0.08) return pick(rand, UNICODE_KEYS);
  let key = pick(rand, KEY_HEADS.split(''));
  const n = Math.floor(rand() * 14);
  for (let i = 0; i < n; i++) key += pick(rand, KEY_TAILS.split(''));
  return key;
}

function randomApiKey(rand: () => number): string {
  if (rand() < 0.1) return `密钥-${randomText(rand, 6)}x`;
  let key = '';
  for (let i = 0; i < 32; i++) key += pick(rand, ALNUM.split(''));
  return key;
}

function randomParams(rand: () => number): Record<string, string | number | undefined> {
  const params: Record<string, string | number | undefined> = {};
  const n = 1 + Math.floor(rand() * 12);
  for (let i = 0; i < n; i++) {
    const kind = rand();
    params[randomKey(rand)] = kind < 0.12 ? '' : kind < 0.18 ? undefined : kind < 0.3 ? Math.floor(rand() * 1e9) - 1e8 : randomText(rand);
  }
  if (rand() < 0.3) params.sign = randomText(rand, 4);
  if (rand() < 0.3) params.sign_type = pick(rand, ['MD5', 'HMAC-SHA256']);
  return params;
}

function catchPayCryptoError(run: () => unknown): PayCryptoError {
  try {
    run();
  } catch (err) {
    if (err instanceof PayCryptoError) return err;
    throw err;
  }
  throw new Error('expected a PayCryptoError, but nothing was thrown');
}

function expectReason(run: () => unknown, reason: PayCryptoReason, apiKey: string): PayCryptoError {
  const err = catchPayCryptoError(run);
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe('PayCryptoError');
  expect(err.reason).toBe(reason);
  expect(err.message).toMatch(/^Cannot decrypt WeChat Pay data: /);
  for (const surface of [err.message, String(err), err.stack ?? '', JSON.stringify(err)]) {
    expect(surface).not.toContain(apiKey);
    expect(surface).not.toContain(refundReqInfoKey(apiKey));
  }
  return err;
}

describe('payV2SignString and payV2Sign', () => {
  describe('official MD5 example (pay_v2_sign_md5_official)', () => {
    const { params, key, stringA, stringSignTemp } = md5Vector.inputs;

    it('builds the published stringA and stringSignTemp', () => {
      expect(payV2SignString(params)).toBe(stringA);
      expect(`${payV2SignString(params)}&key=${key}`).toBe(stringSignTemp);
    });

    it('gives the published sign, MD5 being the default', () => {
      expect(payV2Sign(params, key)).toBe(md5Vector.expected.sign);
      expect(payV2Sign(params, key, 'MD5')).toBe(md5Vector.expected.sign);
      expect(createHash('md5').update(stringSignTemp).digest('hex').toUpperCase()).toBe(md5Vector.expected.sign);
    });

    it('verifies once the sign is added, and does not depend on the key order of the object', () => {
      expect(verifyPayV2Sign({ ...params, sign: md5Vector.expected.sign }, key)).toBe(true);
      const reversed = Object.fromEntries(Object.entries(params).reverse());
      expect(payV2Sign(reversed, key)).toBe(md5Vector.expected.sign);
    });
  });

  describe('official HMAC-SHA256 example (pay_v2_sign_hmac_sha256_official)', () => {
    const { params, key, hmac_key, hmac_message } = hmacVector.inputs;

    it('signs the same string as MD5, "&key=..." included, keyed with the API key itself', () => {
      expect(hmac_key).toBe(key);
      expect(`${payV2SignString(params)}&key=${key}`).toBe(hmac_message);
      expect(payV2Sign(params, key, 'HMAC-SHA256')).toBe(hmacVector.expected.sign);
      expect(createHmac('sha256', hmac_key).update(hmac_message).digest('hex').toUpperCase()).toBe(hmacVector.expected.sign);
    });

    it('is not the HMAC of stringA alone (the mistake the vector notes warn about)', () => {
      const wrong = createHmac('sha256', key).update(payV2SignString(params)).digest('hex').toUpperCase();
      expect(wrong).toMatch(/^F734F0E6/);
      expect(wrong).not.toBe(hmacVector.expected.sign);
    });

    it('verifies with the type given explicitly (an API answer carries no sign_type), not as MD5', () => {
      const signed = { ...params, sign: hmacVector.expected.sign };
      expect(verifyPayV2Sign(signed, key, 'HMAC-SHA256')).toBe(true);
      expect(verifyPayV2Sign(signed, key)).toBe(false);
      expect(verifyPayV2Sign(signed, key, 'MD5')).toBe(false);
    });
  });

  describe('wx.requestPayment paySign (miniprogram_requestPayment_paySign_md5_and_hmac)', () => {
    const { params_md5, params_hmac, key } = payVector.inputs;

    it('gives the published MD5 paySign', () => {
      expect(jsapiPaySign(params_md5, key)).toBe(payVector.expected.paySign_md5);
      expect(payV2Sign({ ...params_md5 }, key, 'MD5')).toBe(payVector.expected.paySign_md5);
    });

    it('gives the published HMAC-SHA256 paySign', () => {
      expect(jsapiPaySign(params_hmac, key)).toBe(payVector.expected.paySign_hmac_sha256);
      expect(payV2Sign({ ...params_hmac }, key, 'HMAC-SHA256')).toBe(payVector.expected.paySign_hmac_sha256);
    });

    it('signs exactly the five keys, signType included, whatever else the object holds', () => {
      expect(payV2SignString({ ...params_md5 })).toBe(
        'appId=mock-appid&nonceStr=mock-nonce&package=prepay_id=mock-prepay-id&signType=MD5&timeStamp=1601234567',
      );
      const withExtra = { ...params_md5, paySign: 'X', appid: 'other', total_fee: 1 } as JsapiPayParams;
      expect(jsapiPaySign(withExtra, key)).toBe(payVector.expected.paySign_md5);
      expect(verifyPayV2Sign({ ...params_md5, sign: payVector.expected.paySign_md5 }, key)).toBe(true);
      expect(verifyPayV2Sign({ ...params_hmac, sign: payVector.expected.paySign_hmac_sha256 }, key)).toBe(false);
    });

    it('rejects an unknown signType', () => {
      expect(() => jsapiPaySign({ ...params_md5, signType: 'RSA' as PaySignType }, key)).toThrow(TypeError);
    });
  });

  describe('which parameters are signed', () => {
    it('leaves out undefined, null and empty values, but keeps 0 and whitespace', () => {
      const params = { a: '1', b: '', c: undefined, d: null, e: 0, f: ' ', g: false };
      expect(payV2SignString(params)).toBe('a=1&e=0&f= &g=false');
      expect(payV2Sign(params, 'k')).toBe(payV2Sign({ a: '1', e: 0, f: ' ', g: false }, 'k'));
    });

    it('leaves out "sign" but not "sign_type", "SIGN" or "signType"', () => {
      expect(payV2SignString({ sign: 'X', sign_type: 'MD5', SIGN: 'Y', signType: 'MD5' })).toBe('SIGN=Y&signType=MD5&sign_type=MD5');
    });

    it('does not trim or escape values', () => {
      expect(payV2SignString({ b: ' x ', a: 'p=q&r', c: '微信 😀' })).toBe('a=p=q&r&b= x &c=微信 😀');
    });

    it('sorts keys by code unit (ASCII), not by locale', () => {
      const keys = ['b', 'B', 'a', '_x', 'A', 'b1', 'b_', 'a0', 'Z'];
      const expected = ['A', 'B', 'Z', '_x', 'a', 'a0', 'b', 'b1', 'b_'];
      const params = Object.fromEntries(keys.map((k) => [k, '1']));
      expect(payV2SignString(params)).toBe(expected.map((k) => `${k}=1`).join('&'));
      expect([...keys].sort((x, y) => x.localeCompare(y))).not.toEqual(expected);
    });

    it('sorts integer-like keys as text too ("10" before "9")', () => {
      expect(payV2SignString({ 9: 'a', 10: 'b', x: 'c' })).toBe('10=b&9=a&x=c');
    });

    it('is empty when nothing is signable, and the sign still covers "&key="', () => {
      expect(payV2SignString({ sign: 'X', a: '' })).toBe('');
      expect(payV2Sign({}, 'k')).toBe(createHash('md5').update('&key=k').digest('hex').toUpperCase());
    });

    it.each<[string, unknown]>([
      ['an object', { x: 1 }],
      ['an array', ['1']],
      ['a Buffer', Buffer.from('1')],
      ['a function', () => '1'],
      ['a symbol', Symbol('x')],
    ])('throws a TypeError naming the key for %s', (_label, value) => {
      expect(() => payV2SignString({ a: '1', detail_goods: value })).toThrow(TypeError);
      expect(() => payV2SignString({ a: '1', detail_goods: value })).toThrow(/"detail_goods"/);
      expect(() => payV2Sign({ detail_goods: value }, 'k')).toThrow(TypeError);
    });

    it('throws a TypeError for an empty or non-string API key or an unknown sign type', () => {
      expect(() => payV2Sign({ a: '1' }, '')).toThrow(TypeError);
      expect(() => payV2Sign({ a: '1' }, undefined as unknown as string)).toThrow(TypeError);
      expect(() => payV2Sign({ a: '1' }, 'k', 'SHA1' as PaySignType)).toThrow(TypeError);
      expect(() => payV2Sign({ a: '1' }, 'k', 'md5' as PaySignType)).toThrow(TypeError);
    });

    it('makes 32 (MD5) or 64 (HMAC-SHA256) uppercase hex characters', () => {
      expect(payV2Sign({ a: '1' }, 'k', 'MD5')).toMatch(/^[0-9A-F]{32}$/);
      expect(payV2Sign({ a: '1' }, 'k', 'HMAC-SHA256')).toMatch(/^[0-9A-F]{64}$/);
    });
  });
});

describe('verifyPayV2Sign', () => {
  const key = md5Vector.inputs.key;
  const base: Record<string, string> = {
    appid: 'wxd930ea5d5a258f4f',
    mch_id: '10000100',
    nonce_str: 'ibuaiVcKdpRxkhJA',
    out_trade_no: '1409811653',
    total_fee: '1',
    result_code: 'SUCCESS',
    return_code: 'SUCCESS',
  };
  const md5Signed: Record<string, string> & { sign: string } = { ...base, sign: payV2Sign(base, key) };
  const hmacBase = { ...base, sign_type: 'HMAC-SHA256' };
  const hmacSigned: Record<string, string> & { sign: string } = { ...hmacBase, sign: payV2Sign(hmacBase, key, 'HMAC-SHA256') };

  it('accepts a correct MD5 sign, and a correct HMAC-SHA256 sign when sign_type says so', () => {
    expect(verifyPayV2Sign(md5Signed, key)).toBe(true);
    expect(verifyPayV2Sign(hmacSigned, key)).toBe(true);
    expect(verifyPayV2Sign({ ...base, sign_type: 'MD5', sign: payV2Sign({ ...base, sign_type: 'MD5' }, key) }, key)).toBe(true);
  });

  it('makes sign_type part of the signature', () => {
    expect(payV2Sign({ ...base, sign_type: 'MD5' }, key)).not.toBe(payV2Sign(base, key));
    expect(verifyPayV2Sign({ ...md5Signed, sign_type: 'MD5' }, key)).toBe(false);
  });

  it('accepts lowercase hex', () => {
    expect(verifyPayV2Sign({ ...md5Signed, sign: md5Signed.sign.toLowerCase() }, key)).toBe(true);
    expect(verifyPayV2Sign({ ...hmacSigned, sign: hmacSigned.sign.toLowerCase() }, key)).toBe(true);
  });

  it('accepts unknown extra fields, when WeChat signed them', () => {
    const extended = { ...base, new_field_2030: 'x', coupon_fee_0: '100', settlement_total_fee: '1' };
    expect(verifyPayV2Sign({ ...extended, sign: payV2Sign(extended, key) }, key)).toBe(true);
  });

  it('is unaffected by extra empty fields (they are not signed)', () => {
    expect(verifyPayV2Sign({ ...md5Signed, device_info: '', attach: undefined }, key)).toBe(true);
  });

  it('fails when any field is changed, removed or added', () => {
    for (const field of Object.keys(base)) {
      expect(verifyPayV2Sign({ ...md5Signed, [field]: `${base[field]}0` }, key)).toBe(false);
      expect(verifyPayV2Sign({ ...hmacSigned, [field]: `${base[field]}0` }, key)).toBe(false);
      const { [field]: _removed, ...without } = md5Signed;
      expect(verifyPayV2Sign(without, key)).toBe(false);
    }
    expect(verifyPayV2Sign({ ...md5Signed, total_fee: '1 ' }, key)).toBe(false);
    expect(verifyPayV2Sign({ ...md5Signed, attach: 'x' }, key)).toBe(false);
    expect(verifyPayV2Sign({ ...hmacSigned, sign_type: 'MD5' }, key)).toBe(false);
  });

  it('fails with another key, even one differing in one character or in case', () => {
    expect(verifyPayV2Sign(md5Signed, `${key.slice(0, -1)}e`)).toBe(false);
    expect(verifyPayV2Sign(md5Signed, key.toUpperCase())).toBe(false);
    expect(verifyPayV2Sign(hmacSigned, `${key}x`)).toBe(false);
  });

  it('fails when any hex digit of the sign is changed', () => {
    for (const signed of [md5Signed, hmacSigned]) {
      for (let i = 0; i < signed.sign.length; i++) {
        const digit = signed.sign[i] === '0' ? '1' : '0';
        const tampered = signed.sign.slice(0, i) + digit + signed.sign.slice(i + 1);
        expect(verifyPayV2Sign({ ...signed, sign: tampered }, key)).toBe(false);
      }
    }
  });

  it('fails for a truncated, padded or differently typed sign', () => {
    expect(verifyPayV2Sign({ ...md5Signed, sign: md5Signed.sign.slice(0, -1) }, key)).toBe(false);
    expect(verifyPayV2Sign({ ...md5Signed, sign: `${md5Signed.sign} ` }, key)).toBe(false);
    expect(verifyPayV2Sign({ ...base, sign: hmacSigned.sign }, key)).toBe(false);
  });

  it.each<[string, unknown]>([
    ['missing', undefined],
    ['null', null],
    ['empty', ''],
    ['a number', 1234],
    ['an array holding the right sign', ['SIGN']],
  ])('is false when the sign is %s', (_label, sign) => {
    const params: Record<string, unknown> = { ...base, sign: Array.isArray(sign) ? [md5Signed.sign] : sign };
    expect(verifyPayV2Sign(params, key)).toBe(false);
  });

  it.each(['SHA1', 'md5', 'hmac-sha256', 'HMAC-SHA512', 'RSA'])('is false for the unknown sign_type %j', (signType) => {
    const params = { ...base, sign_type: signType };
    expect(verifyPayV2Sign({ ...params, sign: payV2Sign(params, key, 'MD5') }, key)).toBe(false);
    expect(verifyPayV2Sign({ ...params, sign: payV2Sign(params, key, 'HMAC-SHA256') }, key)).toBe(false);
  });

  it('reads an empty sign_type as MD5', () => {
    expect(verifyPayV2Sign({ ...md5Signed, sign_type: '' }, key)).toBe(true);
  });

  it('uses the explicit sign type over sign_type', () => {
    expect(verifyPayV2Sign(hmacSigned, key, 'MD5')).toBe(false);
    expect(verifyPayV2Sign(hmacSigned, key, 'HMAC-SHA256')).toBe(true);
    const unknownDeclared = { ...base, sign_type: 'SHA1' };
    expect(verifyPayV2Sign({ ...unknownDeclared, sign: payV2Sign(unknownDeclared, key, 'HMAC-SHA256') }, key, 'HMAC-SHA256')).toBe(true);
  });

  it('is false, not a throw, for a parameter that cannot be signed', () => {
    expect(verifyPayV2Sign({ ...md5Signed, detail: { a: 1 } }, key)).toBe(false);
  });

  it('throws a TypeError for a misconfigured key or sign type', () => {
    expect(() => verifyPayV2Sign(md5Signed, '')).toThrow(TypeError);
    expect(() => verifyPayV2Sign(md5Signed, key, 'SHA1' as PaySignType)).toThrow(TypeError);
  });

  describe('notify vector (pay_v2_notify_min_easywechat_node)', () => {
    it('parses and verifies, and fails with another key or a tampered field', async () => {
      const fields = await parsePayXml(notifyVector.inputs.xml);
      expect(fields).toEqual({ foo: 'bar', sign: notifyVector.expected.sign });
      expect(verifyPayV2Sign(fields, notifyVector.inputs.v2_key)).toBe(true);
      expect(payV2Sign(fields, notifyVector.inputs.v2_key)).toBe(notifyVector.expected.sign);
      expect(verifyPayV2Sign(fields, notifyVector.inputs.v2_key.replace(/8$/, '9'))).toBe(false);
      expect(verifyPayV2Sign({ ...fields, foo: 'baz' }, notifyVector.inputs.v2_key)).toBe(false);
    });
  });
});

describe('refund notification req_info', () => {
  const apiKey = refundVector.inputs.v2_key;

  describe('refund_notify_req_info_easywechat_node_min', () => {
    it('verifies the outer sign and decrypts req_info to the exact plaintext', async () => {
      const outer = await parsePayXml(refundVector.inputs.xml);
      expect(outer.sign).toBe(refundVector.expected.outer_sign);
      expect(verifyPayV2Sign(outer, apiKey)).toBe(true);
      const plain = decryptRefundReqInfo(outer.req_info, apiKey);
      expect(plain).toBe(refundVector.expected.req_info_plaintext);
      expect(await parsePayXml(plain, { root: 'foo' })).toEqual({ bar: '123' });
    });

    it('re-encrypting the plaintext gives the published req_info (ECB is deterministic)', async () => {
      const outer = await parsePayXml(refundVector.inputs.xml);
      expect(encryptRefundReqInfo(refundVector.expected.req_info_plaintext, apiKey)).toBe(outer.req_info);
    });

    it('fails with another key: BAD_PADDING', async () => {
      const outer = await parsePayXml(refundVector.inputs.xml);
      expectReason(() => decryptRefundReqInfo(outer.req_info, '88888888888888888888888888888889'), 'BAD_PADDING', apiKey);
    });
  });

  it('derives the AES key as the lowercase hex MD5 of the API key (32 ASCII bytes)', () => {
    const derived = refundReqInfoKey(apiKey);
    expect(derived).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(derived, 'ascii')).toHaveLength(32);
    expect(refundReqInfoKey('192006250b4c09247ec02edce69f6a2d')).toBe(
      createHash('md5').update('192006250b4c09247ec02edce69f6a2d').digest('hex'),
    );
    expect(() => refundReqInfoKey('')).toThrow(TypeError);
  });

  it('round-trips text of every length from 0 to 80 bytes and unicode, padding a whole block on multiples of 16', () => {
    for (let n = 0; n <= 80; n++) {
      const plain = 'x'.repeat(n);
      const sealed = encryptRefundReqInfo(plain, apiKey);
      expect(Buffer.from(sealed, 'base64')).toHaveLength((Math.floor(n / 16) + 1) * 16);
      expect(decryptRefundReqInfo(sealed, apiKey)).toBe(plain);
    }
    const text = '<root><refund_recv_accout><![CDATA[支付用户零钱 😀]]></refund_recv_accout></root>';
    expect(decryptRefundReqInfo(encryptRefundReqInfo(text, apiKey), apiKey)).toBe(text);
  });

  it('reads spaces as "+" and accepts line breaks in the base64', () => {
    let sealed = '';
    for (let i = 0; !sealed.includes('+'); i++) sealed = encryptRefundReqInfo(`<root><n>${i}</n></root>`, apiKey);
    const plain = decryptRefundReqInfo(sealed, apiKey);
    expect(decryptRefundReqInfo(sealed.replace(/\+/g, ' '), apiKey)).toBe(plain);
    expect(decryptRefundReqInfo(`${sealed.slice(0, 8)}\r\n${sealed.slice(8)}`, apiKey)).toBe(plain);
  });

  it.each<[string, unknown]>([
    ['base64url', Buffer.alloc(32, 0xfb).toString('base64url')],
    ['a "*"', 'eS7yGNBVkDf6Ufcsw7pL/dYFubMjMQglJCS1w9HIfH8*'],
    ['missing padding', 'Zg'],
    ['undefined', undefined],
    ['a number', 12345678],
  ])('rejects %s: INVALID_BASE64', (_label, input) => {
    expectReason(() => decryptRefundReqInfo(input as string, apiKey), 'INVALID_BASE64', apiKey);
  });

  it.each([
    ['empty', ''],
    ['15 bytes', Buffer.alloc(15).toString('base64')],
    ['17 bytes', Buffer.alloc(17).toString('base64')],
  ])('rejects %s: INVALID_LENGTH', (_label, input) => {
    expectReason(() => decryptRefundReqInfo(input, apiKey), 'INVALID_LENGTH', apiKey);
  });

  it('rejects a tampered last block or a dropped padding block: BAD_PADDING', () => {
    const sealed = Buffer.from(encryptRefundReqInfo('x'.repeat(16), apiKey), 'base64');
    expect(sealed).toHaveLength(32);
    const tampered = Buffer.from(sealed);
    tampered[31] ^= 1;
    expectReason(() => decryptRefundReqInfo(tampered.toString('base64'), apiKey), 'BAD_PADDING', apiKey);
    expectReason(() => decryptRefundReqInfo(sealed.subarray(0, 16).toString('base64'), apiKey), 'BAD_PADDING', apiKey);
  });

  it('rejects a plaintext that is not UTF-8: INVALID_UTF8', () => {
    const cipher = createCipheriv('aes-256-ecb', Buffer.from(refundReqInfoKey(apiKey), 'ascii'), null);
    const sealed = Buffer.concat([cipher.update(Buffer.from([0x3c, 0xff, 0xfe, 0x3e])), cipher.final()]).toString('base64');
    expectReason(() => decryptRefundReqInfo(sealed, apiKey), 'INVALID_UTF8', apiKey);
  });

  it('throws a TypeError, not a PayCryptoError, for an empty key', () => {
    expect(() => decryptRefundReqInfo(encryptRefundReqInfo('x', apiKey), '')).toThrow(TypeError);
    expect(() => encryptRefundReqInfo('x', '')).toThrow(TypeError);
  });
});

describe('cross-check with wechatpay-axios-plugin (an independent implementation)', () => {
  const CASES = 600;

  it(`signs ${CASES} random parameter sets as Hash.sign does, with both sign types`, () => {
    const rand = prng(0x5eed_0001);
    let withEmpty = 0;
    let hmac = 0;
    for (let i = 0; i < CASES; i++) {
      const params = randomParams(rand);
      const apiKey = randomApiKey(rand);
      const signType: PaySignType = rand() < 0.5 ? 'MD5' : 'HMAC-SHA256';
      if (Object.values(params).some((v) => v === '' || v === undefined)) withEmpty++;
      if (signType === 'HMAC-SHA256') hmac++;
      const context = `case ${i}: ${JSON.stringify({ params, apiKey, signType })}`;
      const theirs = Hash.sign(signType, params, apiKey);
      expect({ context, stringA: payV2SignString(params) }).toEqual({
        context,
        stringA: Formatter.queryStringLike(Formatter.ksort(params)),
      });
      expect({ context, sign: payV2Sign(params, apiKey, signType) }).toEqual({ context, sign: theirs });
      expect({ context, ok: verifyPayV2Sign({ ...params, sign: theirs.toLowerCase() }, apiKey, signType) }).toEqual({ context, ok: true });
    }
    expect(withEmpty).toBeGreaterThan(CASES / 4);
    expect(hmac).toBeGreaterThan(CASES / 4);
  });

  it('computes the same paySign as the recipe of its documentation (Hash.sign over the five keys)', () => {
    const { params_md5, params_hmac, key } = payVector.inputs;
    expect(jsapiPaySign(params_md5, key)).toBe(Hash.sign('MD5', params_md5, key));
    expect(jsapiPaySign(params_hmac, key)).toBe(Hash.sign('HMAC-SHA256', params_hmac, key));
  });

  it('derives the refund key as Hash.md5 does', () => {
    const rand = prng(0x5eed_0002);
    for (let i = 0; i < 50; i++) {
      const apiKey = randomApiKey(rand);
      expect(refundReqInfoKey(apiKey)).toBe(Hash.md5(apiKey));
    }
  });

  it(`encrypts and decrypts ${CASES} random req_info texts compatibly with Aes.AesEcb`, () => {
    const rand = prng(0x5eed_0003);
    let unpaddedByThem = 0;
    for (let i = 0; i < CASES; i++) {
      const apiKey = randomApiKey(rand);
      const key = refundReqInfoKey(apiKey);
      const whole = `<root><out_refund_no><![CDATA[${randomText(rand, 20)}]]></out_refund_no></root>`;
      // Cut by code point, so that every length mod 16 occurs without splitting a surrogate pair.
      const plain = Array.from(whole)
        .slice(0, 30 + Math.floor(rand() * 60))
        .join('');
      const context = `case ${i}: ${JSON.stringify({ plain, apiKey })}`;
      const ours = encryptRefundReqInfo(plain, apiKey);
      const theirs = Aes.AesEcb.encrypt(plain, key);
      expect({ context, plain: Aes.AesEcb.decrypt(ours, key) }).toEqual({ context, plain });
      if (Buffer.byteLength(plain) % 16 !== 0) {
        expect({ context, ct: theirs }).toEqual({ context, ct: ours });
        expect({ context, plain: decryptRefundReqInfo(theirs, apiKey) }).toEqual({ context, plain });
      } else {
        // Their PKCS7.padding(thing, optional = true) adds no block to a whole number of blocks:
        // their ciphertext is ours without the final padding block, which we refuse.
        unpaddedByThem++;
        const ourBytes = Buffer.from(ours, 'base64');
        expect({ context, ct: theirs }).toEqual({ context, ct: ourBytes.subarray(0, ourBytes.length - 16).toString('base64') });
        expect(catchPayCryptoError(() => decryptRefundReqInfo(theirs, apiKey)).reason).toBe('BAD_PADDING');
      }
    }
    expect(unpaddedByThem).toBeGreaterThan(0);
  });

  it('documents two divergences of Formatter.queryStringLike/ksort, on input WeChat never sends', () => {
    // A null value is signed by them as "k=", and left out by us (WeChat: empty values are not signed).
    expect(Formatter.queryStringLike(Formatter.ksort({ a: '1', b: null }))).toBe('a=1&b=');
    expect(payV2SignString({ a: '1', b: null })).toBe('a=1');
    // ksort rebuilds an object, so integer-like keys come back in numeric order.
    expect(Formatter.queryStringLike(Formatter.ksort({ 9: 'a', 10: 'b' }))).toBe('9=a&10=b');
    expect(payV2SignString({ 9: 'a', 10: 'b' })).toBe('10=b&9=a');
  });
});
