import { createCipheriv, createDecipheriv, X509Certificate } from 'node:crypto';
import { Aes } from 'wechatpay-axios-plugin';
import { v3Vector, vector } from '../../test/fixtures/vectors';
import { prng } from '../../test/utils/prng';
import {
  certificateSerialNo,
  decryptPayV3Resource,
  encryptPayV3Resource,
  loadPayV3PublicKey,
  PAY_V3_AEAD_ALGORITHM,
} from './pay-v3.crypto';
import { DEV, expectReason, flipByte, javaAead, randomAlnum, randomText } from './pay-v3.crypto.spec-kit';

type AeadInputs = { apiv3_key: string; nonce: string; associated_data: string; ciphertext: string };
const goNotifyResource = v3Vector<AeadInputs, { plaintext: string }>('v3_notify_resource_aes128_key_wechatpay_go');
const goAes128 = v3Vector<AeadInputs, { plaintext: string }>('v3_aes_gcm_aes128_key_wechatpay_go');

const javaDownload = v3Vector<
  { apiv3_key: string; encrypt_certificate: AeadInputs & { algorithm: string }; serial_no: string },
  { serial_no: string; subject_cn: string; issuer_cn: string; plaintext_starts_with: string }
>('v3_download_certificate_wechatpay_java');

const axiosGcm = v3Vector<
  { apiv3_key: string; nonce: string; cases: { plaintext: string; associated_data: string }[] },
  { ciphertexts: string[] }
>('v3_aes_gcm_wechatpay_axios_plugin');

const easyWeChat = vector<{ apiv3_key: string; nonce: string; associated_data: string; ciphertext: string }, { plaintext: string }>(
  'v3_notify_resource_easywechat_node',
);

describe('decryptPayV3Resource (AEAD_AES_256_GCM)', () => {
  it('decrypts the node-easywechat notification resource, whose nonce is 16 characters (v3_notify_resource_easywechat_node)', () => {
    const { apiv3_key, nonce, associated_data, ciphertext } = easyWeChat.inputs;
    expect(nonce).toHaveLength(16);
    expect(decryptPayV3Resource({ ciphertext, nonce, associated_data }, apiv3_key)).toBe(easyWeChat.expected.plaintext);
  });

  it('decrypts the wechatpay-java AEAD vector (v3_aead_aes_256_gcm_wechatpay_java)', () => {
    const { apiv3_key, nonce, associated_data, plaintext } = javaAead.inputs;
    expect(decryptPayV3Resource({ ciphertext: javaAead.expected.ciphertext, nonce, associated_data }, apiv3_key)).toBe(plaintext);
  });

  it('decrypts the certificate download of wechatpay-java to a Tenpay platform certificate with the announced serial (v3_download_certificate_wechatpay_java)', () => {
    const { apiv3_key, encrypt_certificate, serial_no } = javaDownload.inputs;
    expect(encrypt_certificate.algorithm).toBe(PAY_V3_AEAD_ALGORITHM);
    const certificate = decryptPayV3Resource(encrypt_certificate, apiv3_key);
    expect(certificate.startsWith(javaDownload.expected.plaintext_starts_with)).toBe(true);
    expect(certificateSerialNo(certificate)).toBe(serial_no);
    expect(certificateSerialNo(certificate)).toBe(javaDownload.expected.serial_no);
    const x509 = new X509Certificate(certificate);
    expect(x509.subject).toContain(`CN=${javaDownload.expected.subject_cn}`);
    expect(x509.issuer).toContain(`CN=${javaDownload.expected.issuer_cn}`);
    expect(loadPayV3PublicKey(certificate).asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it('decrypts the wechatpay-axios-plugin vectors, a bare tag (empty plaintext) included (v3_aes_gcm_wechatpay_axios_plugin)', () => {
    const { apiv3_key, nonce, cases } = axiosGcm.inputs;
    cases.forEach(({ plaintext, associated_data }, i) => {
      const ciphertext = axiosGcm.expected.ciphertexts[i];
      expect(decryptPayV3Resource({ ciphertext, nonce, associated_data }, apiv3_key)).toBe(plaintext);
    });
  });

  it('reads absent or null associated_data as ""', () => {
    const { apiv3_key, nonce } = axiosGcm.inputs;
    const ciphertext = axiosGcm.expected.ciphertexts[0];
    expect(decryptPayV3Resource({ ciphertext, nonce }, apiv3_key)).toBe('');
    expect(decryptPayV3Resource({ ciphertext, nonce, associated_data: null }, apiv3_key)).toBe('');
  });

  it('refuses the 16-byte keys of the wechatpay-go vectors (genuine AES-128-GCM, not APIv3) with V3_KEY', () => {
    for (const v of [goNotifyResource, goAes128]) {
      const { apiv3_key, nonce, associated_data, ciphertext } = v.inputs;
      // The vector is genuine: plain node:crypto AES-128-GCM opens it...
      const data = Buffer.from(ciphertext, 'base64');
      const decipher = createDecipheriv('aes-128-gcm', Buffer.from(apiv3_key), Buffer.from(nonce));
      decipher.setAAD(Buffer.from(associated_data)).setAuthTag(data.subarray(-16));
      expect(Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()]).toString()).toBe(v.expected.plaintext);
      // ...but an APIv3 key is 32 bytes, so it is refused rather than silently used as AES-128.
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data }, apiv3_key), 'V3_KEY', [apiv3_key]);
    }
  });

  describe('refusals (typed, and never holding the key nor the plaintext)', () => {
    const { apiv3_key, nonce, associated_data, plaintext } = javaAead.inputs;
    const ciphertext = javaAead.expected.ciphertext;
    const secrets = [apiv3_key, plaintext];

    it('V3_KEY for a key that is not 32 bytes', () => {
      for (const key of ['', apiv3_key.slice(1), `${apiv3_key}x`, apiv3_key.slice(0, 16), undefined, 32, Buffer.from(apiv3_key)]) {
        expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data }, key as string), 'V3_KEY', secrets);
      }
    });

    it('V3_DECRYPT for another key, a tampered ciphertext, nonce or associated data', () => {
      const other = 'b7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb';
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data }, other), 'V3_DECRYPT', [...secrets, other]);
      const length = Buffer.from(ciphertext, 'base64').length;
      for (let i = 0; i < length; i++) {
        expectReason(
          () => decryptPayV3Resource({ ciphertext: flipByte(ciphertext, i), nonce, associated_data }, apiv3_key),
          'V3_DECRYPT',
          secrets,
        );
      }
      expectReason(
        () => decryptPayV3Resource({ ciphertext, nonce: nonce.toUpperCase(), associated_data }, apiv3_key),
        'V3_DECRYPT',
        secrets,
      );
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce: `${nonce}0`, associated_data }, apiv3_key), 'V3_DECRYPT', secrets);
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data: 'transaction' }, apiv3_key), 'V3_DECRYPT', secrets);
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce }, apiv3_key), 'V3_DECRYPT', secrets);
      expectReason(() => decryptPayV3Resource({ ciphertext, nonce, associated_data: 1 as never }, apiv3_key), 'V3_DECRYPT', secrets);
    });

    it('V3_DECRYPT for a ciphertext cut short or lengthened (the tag is the last 16 bytes)', () => {
      const bytes = Buffer.from(ciphertext, 'base64');
      for (const changed of [
        bytes.subarray(1),
        bytes.subarray(0, -1),
        Buffer.concat([bytes, Buffer.from([0])]),
        Buffer.concat([Buffer.from([0]), bytes]),
      ]) {
        expectReason(
          () => decryptPayV3Resource({ ciphertext: changed.toString('base64'), nonce, associated_data }, apiv3_key),
          'V3_DECRYPT',
          secrets,
        );
      }
    });

    it('V3_CIPHERTEXT_LENGTH for fewer than 16 bytes', () => {
      for (const n of [0, 1, 15]) {
        expectReason(
          () => decryptPayV3Resource({ ciphertext: Buffer.alloc(n, 7).toString('base64'), nonce, associated_data }, apiv3_key),
          'V3_CIPHERTEXT_LENGTH',
          secrets,
        );
      }
    });

    it('INVALID_BASE64 for a ciphertext that is not standard base64', () => {
      for (const bad of ['*', `${ciphertext.slice(0, -2)}*=`, ciphertext.replace(/\+/g, '-').replace(/\//g, '_') + '!', undefined, 12]) {
        expectReason(
          () => decryptPayV3Resource({ ciphertext: bad as string, nonce, associated_data }, apiv3_key),
          'INVALID_BASE64',
          secrets,
        );
      }
    });

    it('V3_NONCE for an empty or missing nonce', () => {
      for (const bad of ['', undefined, 5]) {
        expectReason(() => decryptPayV3Resource({ ciphertext, nonce: bad as string, associated_data }, apiv3_key), 'V3_NONCE', secrets);
      }
      expectReason(() => decryptPayV3Resource(undefined as never, apiv3_key), 'V3_NONCE', secrets);
    });

    it('INVALID_UTF8 when the authentic plaintext is not UTF-8', () => {
      const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiv3_key), Buffer.from(nonce));
      cipher.setAAD(Buffer.from(associated_data));
      const sealed = Buffer.concat([cipher.update(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), cipher.final(), cipher.getAuthTag()]).toString(
        'base64',
      );
      expectReason(() => decryptPayV3Resource({ ciphertext: sealed, nonce, associated_data }, apiv3_key), 'INVALID_UTF8', secrets);
    });
  });
});

describe('encryptPayV3Resource', () => {
  it('gives the ciphertext of the wechatpay-java vector (v3_aead_aes_256_gcm_wechatpay_java)', () => {
    const { apiv3_key, nonce, associated_data, plaintext } = javaAead.inputs;
    expect(encryptPayV3Resource(plaintext, apiv3_key, { nonce, associatedData: associated_data }).ciphertext).toBe(
      javaAead.expected.ciphertext,
    );
  });

  it('gives the ciphertext of the node-easywechat notification (v3_notify_resource_easywechat_node)', () => {
    const { apiv3_key, nonce, associated_data, ciphertext } = easyWeChat.inputs;
    expect(encryptPayV3Resource(easyWeChat.expected.plaintext, apiv3_key, { nonce, associatedData: associated_data }).ciphertext).toBe(
      ciphertext,
    );
  });

  it('gives the ciphertexts of the wechatpay-axios-plugin vectors (v3_aes_gcm_wechatpay_axios_plugin)', () => {
    const { apiv3_key, nonce, cases } = axiosGcm.inputs;
    expect(cases.map((c) => encryptPayV3Resource(c.plaintext, apiv3_key, { nonce, associatedData: c.associated_data }).ciphertext)).toEqual(
      axiosGcm.expected.ciphertexts,
    );
  });

  it('writes a resource the way WeChat does: its field order, a 12-character nonce, "transaction" by default', () => {
    const resource = encryptPayV3Resource('{"out_trade_no":"1"}', DEV.apiV3Key);
    expect(Object.keys(resource)).toEqual(['original_type', 'algorithm', 'ciphertext', 'associated_data', 'nonce']);
    expect(resource).toMatchObject({ original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction' });
    expect(resource.nonce).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(encryptPayV3Resource('x', DEV.apiV3Key).nonce).not.toBe(resource.nonce);
    expect(decryptPayV3Resource(resource, DEV.apiV3Key)).toBe('{"out_trade_no":"1"}');
    const refund = encryptPayV3Resource('{}', DEV.apiV3Key, { associatedData: 'refund', originalType: 'refund', nonce: 'abcdefghijkl' });
    expect(refund).toMatchObject({ original_type: 'refund', associated_data: 'refund', nonce: 'abcdefghijkl' });
    expect(encryptPayV3Resource('{}', DEV.apiV3Key, { associatedData: '' }).associated_data).toBe('');
  });

  it('refuses a bad key (V3_KEY) or an empty nonce (V3_NONCE)', () => {
    expectReason(() => encryptPayV3Resource('secret plaintext', 'short'), 'V3_KEY', ['secret plaintext']);
    expectReason(() => encryptPayV3Resource('secret plaintext', DEV.apiV3Key, { nonce: '' }), 'V3_NONCE', [
      'secret plaintext',
      DEV.apiV3Key,
    ]);
  });

  it('interoperates with Aes.AesGcm of wechatpay-axios-plugin both ways, for random texts, nonces and associated data', () => {
    const rand = prng(0x5eed_3003);
    for (let i = 0; i < 300; i++) {
      const key = randomAlnum(rand, 32);
      const nonce = randomAlnum(rand, 1 + Math.floor(rand() * 32));
      const associatedData = randomText(rand, 16);
      const plaintext = randomText(rand, 80);
      const context = `case ${i}: ${JSON.stringify({ key, nonce, associatedData, plaintext })}`;
      const ours = encryptPayV3Resource(plaintext, key, { nonce, associatedData });
      const theirs = Aes.AesGcm.encrypt(plaintext, key, nonce, associatedData);
      expect({ context, ct: ours.ciphertext }).toEqual({ context, ct: theirs });
      expect({ context, plain: Aes.AesGcm.decrypt(ours.ciphertext, key, nonce, associatedData) }).toEqual({ context, plain: plaintext });
      expect({ context, plain: decryptPayV3Resource({ ciphertext: theirs, nonce, associated_data: associatedData }, key) }).toEqual({
        context,
        plain: plaintext,
      });
    }
  });
});
