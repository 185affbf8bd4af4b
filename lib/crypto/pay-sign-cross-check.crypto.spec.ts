import { Aes, Formatter, Hash } from 'wechatpay-axios-plugin';
import {
  decryptRefundReqInfo,
  encryptRefundReqInfo,
  jsapiPaySign,
  PaySignType,
  payV2Sign,
  payV2SignString,
  refundReqInfoKey,
  verifyPayV2Sign,
} from './pay-sign.crypto';
import { pick, prng } from '../../test/utils/prng';
import { catchPayCryptoError, payVector } from './pay-sign.crypto.spec-kit';

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
