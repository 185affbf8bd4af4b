/**
 * What the WeChat Pay v3 crypto specs share: the published vectors (test/fixtures/wechat-v3-vectors.json and
 * wechat-vectors.json; each names its source), the development keys, key material WeChat Pay v3 must refuse, and the
 * checks of a typed PayCryptoError.
 */
import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { v3Vector } from '../../test/fixtures/vectors';
import { PayCryptoError, PayCryptoReason } from '../errors/pay-crypto.error';
import { SIMULATOR_DEV_V3 } from '../testing/dev-keys/dev-v3-keys';
import { thrown } from './crypto.spec-kit';

export const goSign = v3Vector<{ message: string; private_key_pem: string }, { signature: string }>('v3_sign_sha256withrsa_wechatpay_go');
export const goPlatform = v3Vector<
  { certificate_pem: string; message: string; wrong_message: string; signature: string },
  { verifies: boolean; wrong_message_verifies: boolean; serial_no: string }
>('v3_verify_platform_certificate_wechatpay_go');
export const goNotify = v3Vector<
  { certificate_pem: string; headers: Record<string, string>; body: string },
  { verifies: boolean; serial_no: string }
>('v3_notify_signature_wechatpay_go');

export const javaAead = v3Vector<{ apiv3_key: string; nonce: string; associated_data: string; plaintext: string }, { ciphertext: string }>(
  'v3_aead_aes_256_gcm_wechatpay_java',
);

export const javaSign = v3Vector<
  { message: string; private_key_pem: string; certificate_pem: string },
  { signature: string; serial_no: string }
>('v3_sign_merchant_key_wechatpay_java');

export const javaAuth = v3Vector<
  {
    mchid: string;
    serial_no: string;
    method: string;
    url: string;
    timestamp: string;
    nonce: string;
    body: string;
    private_key_pem: string;
  },
  { message: string; signature: string }
>('v3_authorization_get_wechatpay_java_inputs');

export const DEV = SIMULATOR_DEV_V3;

// Key material made in the test: what WeChat Pay v3 must refuse.
export const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
export const ed25519 = generateKeyPairSync('ed25519');
export const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
export const pem = (key: KeyObject, type: 'pkcs8' | 'spki' | 'pkcs1') => key.export({ format: 'pem', type } as never) as unknown as string;

/** Expects a PayCryptoError with `reason` whose surfaces hold none of `secrets`. */
export function expectReason(run: () => unknown, reason: PayCryptoReason, secrets: string[] = []): PayCryptoError {
  const err = thrown(PayCryptoError, run);
  expect(err.name).toBe('PayCryptoError');
  expect(err.reason).toBe(reason);
  expect(err.message).toMatch(/^Cannot (decrypt WeChat Pay data|use WeChat Pay key material): /);
  for (const surface of [err.message, String(err), err.stack ?? '', JSON.stringify(err)]) {
    for (const secret of secrets) expect(surface).not.toContain(secret);
  }
  return err;
}

/** A base64 line of a PEM (a recognisable slice of the secret). */
export function pemBody(text: string): string {
  const line = text.split('\n').find((l) => /^[A-Za-z0-9+/=]{16,}$/.test(l));
  if (!line) throw new Error('not a PEM');
  return line;
}

export function flipByte(base64: string, index: number): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[index % bytes.length] ^= 0x01;
  return bytes.toString('base64');
}

export function randomText(rand: () => number, max: number): string {
  const pieces = ['a', 'Z', '0', ' ', '"', '\n', '{', '}', ':', ',', '微', '信', '支付', 'é', '😀', '\\', '/', '+', '='];
  let out = '';
  const n = Math.floor(rand() * max);
  for (let i = 0; i < n; i++) out += pieces[Math.floor(rand() * pieces.length)];
  return out;
}

export function randomAlnum(rand: () => number, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rand() * alphabet.length)];
  return out;
}
