import { createCipheriv, createHash } from 'node:crypto';
import { vector } from '../../test/fixtures/vectors';
import { PayCryptoError, PayCryptoReason } from '../errors/pay-crypto.error';
import { decryptRefundReqInfo, encryptRefundReqInfo, refundReqInfoKey, verifyPayV2Sign } from './pay-sign.crypto';
import { parsePayXml } from './pay-xml.codec';
import { catchPayCryptoError } from './pay-sign.crypto.spec-kit';

const refundVector = vector<{ v2_key: string; xml: string }, { req_info_plaintext: string; outer_sign: string }>(
  'refund_notify_req_info_easywechat_node_min',
);

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
