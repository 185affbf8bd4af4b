import { constants, createPrivateKey, createPublicKey, privateDecrypt, publicEncrypt } from 'node:crypto';
import { Rsa } from 'wechatpay-axios-plugin';
import { v3Vector } from '../../test/fixtures/vectors';
import { prng } from '../../test/utils/prng';
import { decryptPayV3Sensitive, encryptPayV3Sensitive, loadPayV3PublicKey } from './pay-v3.crypto';
import { DEV, ec, expectReason, flipByte, pem, pemBody, randomText, rsa1024 } from './pay-v3.crypto.spec-kit';

const javaOaep = v3Vector<{ ciphertext: string; private_key_pem: string }, { plaintext: string }>(
  'v3_sensitive_rsa_oaep_decrypt_wechatpay_java',
);

describe('encryptPayV3Sensitive and decryptPayV3Sensitive (RSA-OAEP, SHA-1, MGF1-SHA-1)', () => {
  const { ciphertext, private_key_pem } = javaOaep.inputs;

  it('decrypts the wechatpay-java vector (v3_sensitive_rsa_oaep_decrypt_wechatpay_java), whose padding is OAEP with SHA-1', () => {
    expect(decryptPayV3Sensitive(ciphertext, private_key_pem)).toBe(javaOaep.expected.plaintext);
    expect(decryptPayV3Sensitive(ciphertext, pem(createPrivateKey(private_key_pem), 'pkcs1'))).toBe(javaOaep.expected.plaintext);
    // SHA-1 matters: the same bytes are not valid OAEP-SHA-256.
    expect(() =>
      privateDecrypt(
        { key: private_key_pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        Buffer.from(ciphertext, 'base64'),
      ),
    ).toThrow();
  });

  it('encrypts so that OAEP-SHA-1 opens it, randomized, 256 bytes for a 2048-bit key', () => {
    const a = encryptPayV3Sensitive('张三', DEV.wechatPayPublicKey);
    const b = encryptPayV3Sensitive('张三', DEV.wechatPayPublicKey);
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64')).toHaveLength(256);
    const opened = privateDecrypt(
      { key: DEV.wechatPayPrivateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(a, 'base64'),
    );
    expect(opened.toString('utf8')).toBe('张三');
    expect(decryptPayV3Sensitive(b, DEV.wechatPayPrivateKey)).toBe('张三');
  });

  it('takes the platform certificate, the SPKI public key or a loaded key', () => {
    for (const key of [
      DEV.platformCertificate,
      pem(createPublicKey(DEV.platformPrivateKey), 'spki'),
      loadPayV3PublicKey(DEV.platformCertificate),
    ]) {
      expect(decryptPayV3Sensitive(encryptPayV3Sensitive('13800138000', key), DEV.platformPrivateKey)).toBe('13800138000');
    }
  });

  it('interoperates with Rsa.encrypt and Rsa.decrypt of wechatpay-axios-plugin', () => {
    const rand = prng(0x5eed_3004);
    for (let i = 0; i < 20; i++) {
      const text = randomText(rand, 40);
      expect(Rsa.decrypt(encryptPayV3Sensitive(text, DEV.merchantCertificate), DEV.merchantPrivateKey)).toBe(text);
      expect(decryptPayV3Sensitive(Rsa.encrypt(text, DEV.merchantCertificate), DEV.merchantPrivateKey)).toBe(text);
    }
  });

  it('takes up to 214 UTF-8 bytes with a 2048-bit key, and refuses more with RangeError without the text', () => {
    const longest = 'a'.repeat(214);
    expect(decryptPayV3Sensitive(encryptPayV3Sensitive(longest, DEV.wechatPayPublicKey), DEV.wechatPayPrivateKey)).toBe(longest);
    const tooLong = `secret-${'b'.repeat(208)}`;
    expect(() => encryptPayV3Sensitive(tooLong, DEV.wechatPayPublicKey)).toThrow(RangeError);
    try {
      encryptPayV3Sensitive(tooLong, DEV.wechatPayPublicKey);
    } catch (err) {
      expect((err as Error).message).not.toContain('secret-');
    }
  });

  it('refuses another key, damage, bad base64 and unusable keys with typed errors', () => {
    const secrets = [javaOaep.expected.plaintext, pemBody(private_key_pem)];
    expectReason(() => decryptPayV3Sensitive(ciphertext, DEV.merchantPrivateKey), 'V3_SENSITIVE', secrets);
    expectReason(() => decryptPayV3Sensitive(flipByte(ciphertext, 10), private_key_pem), 'V3_SENSITIVE', secrets);
    expectReason(
      () => decryptPayV3Sensitive(Buffer.from(ciphertext, 'base64').subarray(1).toString('base64'), private_key_pem),
      'V3_SENSITIVE',
      secrets,
    );
    expectReason(() => decryptPayV3Sensitive('', private_key_pem), 'V3_SENSITIVE', secrets);
    expectReason(() => decryptPayV3Sensitive('***', private_key_pem), 'INVALID_BASE64', secrets);
    expectReason(() => decryptPayV3Sensitive(ciphertext, ec.privateKey), 'V3_PRIVATE_KEY', secrets);
    expectReason(() => decryptPayV3Sensitive(ciphertext, DEV.wechatPayPublicKey), 'V3_PRIVATE_KEY', secrets);
    expectReason(() => encryptPayV3Sensitive('x', pem(ec.publicKey, 'spki')), 'V3_PUBLIC_KEY');
    expectReason(() => encryptPayV3Sensitive('x', rsa1024.publicKey), 'V3_PUBLIC_KEY');
    expectReason(() => encryptPayV3Sensitive('x', DEV.wechatPayPrivateKey), 'V3_PUBLIC_KEY', [pemBody(DEV.wechatPayPrivateKey)]);
  });

  it('gives INVALID_UTF8 when the authentic plaintext is not UTF-8', () => {
    const bytes = Buffer.from([0xc3, 0x28]);
    const sealed = publicEncrypt(
      { key: DEV.merchantCertificate, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      bytes,
    ).toString('base64');
    expectReason(() => decryptPayV3Sensitive(sealed, DEV.merchantPrivateKey), 'INVALID_UTF8');
  });
});
