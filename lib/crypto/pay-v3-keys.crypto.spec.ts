import { createPrivateKey, createPublicKey } from 'node:crypto';
import { v3Vector } from '../../test/fixtures/vectors';
import { certificateSerialNo, isPayV3ApiKey, isPayV3PublicKeyId, loadPayV3PrivateKey, loadPayV3PublicKey } from './pay-v3.crypto';
import {
  DEV,
  ec,
  ed25519,
  expectReason,
  goNotify,
  goPlatform,
  goSign,
  javaAead,
  javaSign,
  pem,
  pemBody,
  rsa1024,
} from './pay-v3.crypto.spec-kit';

const leadingZero = v3Vector<{ certificate_pem: string }, { serial_no: string; key_type: string }>(
  'v3_certificate_serial_leading_zero_openssl',
);

describe('key material', () => {
  describe('loadPayV3PrivateKey', () => {
    it('loads PKCS#8 and PKCS#1 RSA keys of 2048 bits', () => {
      for (const text of [
        DEV.merchantPrivateKey,
        pem(createPrivateKey(DEV.merchantPrivateKey), 'pkcs1'),
        Buffer.from(javaSign.inputs.private_key_pem),
      ]) {
        const key = loadPayV3PrivateKey(text);
        expect(key.type).toBe('private');
        expect(key.asymmetricKeyType).toBe('rsa');
        expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
      }
    });

    it('refuses EC, Ed25519, 1024-bit RSA, encrypted, public and non-keys with V3_PRIVATE_KEY, never echoing the PEM', () => {
      const encrypted = createPrivateKey(DEV.merchantPrivateKey).export({
        format: 'pem',
        type: 'pkcs8',
        cipher: 'aes-256-cbc',
        passphrase: 'pw',
      }) as string;
      const cases: unknown[] = [
        pem(ec.privateKey, 'pkcs8'),
        ec.privateKey.export({ format: 'pem', type: 'sec1' }),
        pem(ed25519.privateKey, 'pkcs8'),
        pem(rsa1024.privateKey, 'pkcs8'),
        pem(rsa1024.privateKey, 'pkcs1'),
        encrypted,
        DEV.wechatPayPublicKey,
        DEV.merchantCertificate,
        DEV.merchantPrivateKey.replace(/\n[A-Za-z0-9+/]{64}\n/, '\nAAAA\n'),
        'not a key',
        '',
        undefined,
        42,
      ];
      for (const text of cases) {
        const secrets = typeof text === 'string' && text.includes('-----') ? [pemBody(text)] : [];
        expectReason(() => loadPayV3PrivateKey(text as string), 'V3_PRIVATE_KEY', secrets);
      }
    });
  });

  describe('loadPayV3PublicKey', () => {
    it('loads an SPKI public key, a PKCS#1 public key and an X.509 certificate (RSA, 2048 bits)', () => {
      const fromSpki = loadPayV3PublicKey(DEV.wechatPayPublicKey);
      expect(fromSpki.equals(createPublicKey(DEV.wechatPayPrivateKey))).toBe(true);
      expect(loadPayV3PublicKey(pem(fromSpki, 'pkcs1')).equals(fromSpki)).toBe(true);
      const fromCert = loadPayV3PublicKey(DEV.platformCertificate);
      expect(fromCert.type).toBe('public');
      expect(fromCert.equals(createPublicKey(DEV.platformPrivateKey))).toBe(true);
      expect(loadPayV3PublicKey(Buffer.from(goNotify.inputs.certificate_pem)).equals(createPublicKey(goSign.inputs.private_key_pem))).toBe(
        true,
      );
    });

    it('refuses private keys, EC keys and certificates, weak keys and non-keys with V3_PUBLIC_KEY', () => {
      const cases: unknown[] = [
        DEV.wechatPayPrivateKey,
        pem(createPrivateKey(DEV.wechatPayPrivateKey), 'pkcs1'),
        pem(ec.publicKey, 'spki'),
        leadingZero.inputs.certificate_pem,
        pem(ed25519.publicKey, 'spki'),
        pem(rsa1024.publicKey, 'spki'),
        DEV.wechatPayPublicKey.replace('MII', 'XXX'),
        'not a key',
        '',
        undefined,
      ];
      for (const text of cases) {
        const secrets = typeof text === 'string' && text.includes('PRIVATE') ? [pemBody(text)] : [];
        expectReason(() => loadPayV3PublicKey(text as string), 'V3_PUBLIC_KEY', secrets);
      }
    });
  });

  describe('certificateSerialNo', () => {
    it('gives the serials the SDKs and openssl give, sign byte stripped and leading zero kept', () => {
      expect(certificateSerialNo(goNotify.inputs.certificate_pem)).toBe('D7CE59D1F522D701');
      expect(certificateSerialNo(goPlatform.inputs.certificate_pem)).toBe('F5765756002FDD77');
      expect(certificateSerialNo(javaSign.inputs.certificate_pem)).toBe(javaSign.expected.serial_no);
      expect(certificateSerialNo(leadingZero.inputs.certificate_pem)).toBe(leadingZero.expected.serial_no);
      expect(certificateSerialNo(leadingZero.inputs.certificate_pem)).toHaveLength(40);
      expect(certificateSerialNo(Buffer.from(DEV.platformCertificate))).toBe(DEV.platformSerialNo);
    });

    it('refuses what is not a certificate with V3_CERTIFICATE', () => {
      for (const text of [DEV.wechatPayPublicKey, DEV.merchantPrivateKey, 'not a certificate', '']) {
        expectReason(() => certificateSerialNo(text), 'V3_CERTIFICATE', text.includes('PRIVATE') ? [pemBody(text)] : []);
      }
    });
  });

  it('isPayV3PublicKeyId tells a WeChat Pay public key id from a certificate serial', () => {
    expect(isPayV3PublicKeyId('PUB_KEY_ID_0114232806862025050800382000000000')).toBe(true);
    expect(isPayV3PublicKeyId(DEV.publicKeyId)).toBe(true);
    for (const value of [DEV.platformSerialNo, 'PUB_KEY_ID_', 'pub_key_id_0114', ` PUB_KEY_ID_1`, '', undefined, 1]) {
      expect(isPayV3PublicKeyId(value)).toBe(false);
    }
  });

  it('isPayV3ApiKey wants exactly 32 bytes', () => {
    expect(isPayV3ApiKey(DEV.apiV3Key)).toBe(true);
    expect(isPayV3ApiKey(javaAead.inputs.apiv3_key)).toBe(true);
    expect(isPayV3ApiKey('é'.repeat(16))).toBe(true); // 32 bytes in UTF-8, as the SDKs read it
    for (const value of ['', 'a'.repeat(31), 'a'.repeat(33), 'é'.repeat(32), 'testMchAPIv3Key0', Buffer.alloc(32), undefined, 32]) {
      expect(isPayV3ApiKey(value)).toBe(false);
    }
  });
});
