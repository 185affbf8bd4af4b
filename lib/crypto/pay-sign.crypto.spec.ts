import { createHash, createHmac } from 'node:crypto';
import { vector } from '../../test/fixtures/vectors';
import { jsapiPaySign, JsapiPayParams, PaySignType, payV2Sign, payV2SignString, verifyPayV2Sign } from './pay-sign.crypto';
import { parsePayXml } from './pay-xml.codec';
import { payVector } from './pay-sign.crypto.spec-kit';

type Params = Record<string, string>;

const md5Vector = vector<{ params: Params; key: string; stringA: string; stringSignTemp: string }, { sign: string }>(
  'pay_v2_sign_md5_official',
);
const hmacVector = vector<{ params: Params; key: string; hmac_key: string; hmac_message: string }, { sign: string }>(
  'pay_v2_sign_hmac_sha256_official',
);

const notifyVector = vector<{ v2_key: string; xml: string }, { sign: string }>('pay_v2_notify_min_easywechat_node');

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
