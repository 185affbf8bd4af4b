import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import {
  certificateSerialNo,
  isPayV3ApiKey,
  isPayV3PublicKeyId,
  loadPayV3PrivateKey,
  loadPayV3PublicKey,
  payV3Message,
  signPayV3,
  verifyPayV3Signature,
} from '../../crypto/pay-v3.crypto';
import { SIMULATOR_DEV_V3 } from './dev-v3-keys';
import { SIMULATOR_DEV_CERTIFICATES } from './dev-certificates';
import { SIMULATOR_DEV_MERCHANT } from '../server/simulator.constants';

const DEV = SIMULATOR_DEV_V3;
const YEAR_MS = 365.25 * 24 * 3600 * 1000;

const PAIRS = [
  { name: 'merchant', privateKey: DEV.merchantPrivateKey, certificate: DEV.merchantCertificate, serialNo: DEV.merchantSerialNo },
  { name: 'platform', privateKey: DEV.platformPrivateKey, certificate: DEV.platformCertificate, serialNo: DEV.platformSerialNo },
  {
    name: 'next platform',
    privateKey: DEV.nextPlatformPrivateKey,
    certificate: DEV.nextPlatformCertificate,
    serialNo: DEV.nextPlatformSerialNo,
  },
];
const PRIVATE_KEYS = [DEV.merchantPrivateKey, DEV.wechatPayPrivateKey, DEV.platformPrivateKey, DEV.nextPlatformPrivateKey];

describe('SIMULATOR_DEV_V3 (development key material of the simulated WeChat Pay API v3)', () => {
  it('is frozen', () => {
    expect(Object.isFrozen(DEV)).toBe(true);
    expect(() => {
      (DEV as { apiV3Key: string }).apiV3Key = 'x';
    }).toThrow(TypeError);
  });

  it('has a 32-byte ASCII APIv3 key that is not the v2 API key', () => {
    expect(Buffer.byteLength(DEV.apiV3Key, 'utf8')).toBe(32);
    expect(DEV.apiV3Key).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(isPayV3ApiKey(DEV.apiV3Key)).toBe(true);
    expect(DEV.apiV3Key).not.toBe(SIMULATOR_DEV_MERCHANT.apiKey);
  });

  it('ships 2048-bit RSA private keys in PKCS#8 PEM (like apiclient_key.pem), all different', () => {
    for (const pem of PRIVATE_KEYS) {
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
      const key = loadPayV3PrivateKey(pem);
      expect(key.asymmetricKeyType).toBe('rsa');
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    }
    const moduli = PRIVATE_KEYS.map((pem) => createPublicKey(pem).export({ format: 'der', type: 'spki' }).toString('hex'));
    expect(new Set(moduli).size).toBe(PRIVATE_KEYS.length);
    expect(PRIVATE_KEYS).not.toContain(SIMULATOR_DEV_CERTIFICATES.clientKey);
  });

  describe.each(PAIRS)('the $name certificate', ({ privateKey, certificate, serialNo }) => {
    const x509 = new X509Certificate(certificate);

    it('has the serial given beside it: 40 uppercase hex digits, as openssl prints it', () => {
      expect(serialNo).toMatch(/^[0-9A-F]{40}$/);
      expect(certificateSerialNo(certificate)).toBe(serialNo);
      expect(x509.serialNumber).toBe(serialNo);
    });

    it('holds the public half of the private key given beside it', () => {
      expect(x509.publicKey.equals(createPublicKey(privateKey))).toBe(true);
      expect(x509.checkPrivateKey(createPrivateKey(privateKey))).toBe(true);
      const signed = { timestamp: '1700000000', nonce: 'dev', body: '{"ok":true}' };
      const signature = signPayV3(payV3Message(signed.timestamp, signed.nonce, signed.body), privateKey);
      expect(verifyPayV3Signature({ ...signed, signature }, certificate)).toBe(true);
      expect(verifyPayV3Signature({ ...signed, signature }, DEV.wechatPayPublicKey)).toBe(false);
    });

    it('is a leaf certificate signed by the development CA, valid about 30 years', () => {
      const ca = new X509Certificate(DEV.certificateAuthority);
      expect(x509.ca).toBe(false);
      expect(x509.checkIssued(ca)).toBe(true);
      expect(x509.verify(ca.publicKey)).toBe(true);
      const years = (Date.parse(x509.validTo) - Date.parse(x509.validFrom)) / YEAR_MS;
      expect(years).toBeGreaterThan(29);
      expect(years).toBeLessThan(31);
      expect(loadPayV3PublicKey(certificate).asymmetricKeyDetails?.modulusLength).toBe(2048);
    });
  });

  it('names the merchant certificate after the development merchant (CN 1900000109)', () => {
    expect(new X509Certificate(DEV.merchantCertificate).subject).toMatch(/(^|\n)CN=1900000109$/m);
    expect(SIMULATOR_DEV_MERCHANT.mchId).toBe('1900000109');
  });

  it('has two different platform certificates for rotation', () => {
    expect(DEV.nextPlatformSerialNo).not.toBe(DEV.platformSerialNo);
    expect(new X509Certificate(DEV.nextPlatformCertificate).publicKey.equals(new X509Certificate(DEV.platformCertificate).publicKey)).toBe(
      false,
    );
    expect(new Set([DEV.merchantSerialNo, DEV.platformSerialNo, DEV.nextPlatformSerialNo]).size).toBe(3);
  });

  it('has a WeChat Pay public key (SPKI) matching its private key, and an id of the form PUB_KEY_ID_<digits>', () => {
    expect(DEV.wechatPayPublicKey).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    expect(loadPayV3PublicKey(DEV.wechatPayPublicKey).equals(createPublicKey(DEV.wechatPayPrivateKey))).toBe(true);
    expect(DEV.publicKeyId).toMatch(/^PUB_KEY_ID_\d+$/);
    expect(isPayV3PublicKeyId(DEV.publicKeyId)).toBe(true);
    for (const serial of [DEV.merchantSerialNo, DEV.platformSerialNo, DEV.nextPlatformSerialNo])
      expect(isPayV3PublicKeyId(serial)).toBe(false);
  });

  it('has a CA certificate whose key is none of the shipped keys', () => {
    const ca = new X509Certificate(DEV.certificateAuthority);
    expect(ca.ca).toBe(true);
    for (const pem of PRIVATE_KEYS) expect(ca.publicKey.equals(createPublicKey(pem))).toBe(false);
  });
});
