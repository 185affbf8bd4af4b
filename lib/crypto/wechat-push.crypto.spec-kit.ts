/**
 * What the message push crypto specs share: the published vectors, a builder of raw plaintext frames (to forge every
 * malformed case WeChat never sends), the typed-error check and the openssl command line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { vector } from '../../test/fixtures/vectors';
import { WeChatPushCryptoError, WeChatPushCryptoReason } from '../errors/wechat-push-crypto.error';
import { thrown } from './crypto.spec-kit';

export interface PushSafeInputs {
  token: string;
  encoding_aes_key: string;
  app_id: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
}
export interface PushSafeExpected {
  msg_signature: string;
  plaintext: string;
  padding_bytes: number;
  ciphertext_bytes: number;
}

export const plainSignatures = ['push_signature_plain_wechatpy', 'push_signature_plain_pywe_sign'].map((name) =>
  vector<{ token: string; timestamp: string; nonce: string }, { signature: string }>(name),
);
export const safeMessages = [
  'push_safe_mode_official_mp_sample',
  'push_safe_mode_official_wecom_sample',
  'push_safe_mode_easywechat_mp',
  'push_safe_mode_wechatpy_decrypt',
].map((name) => vector<PushSafeInputs, PushSafeExpected>(name));
export const fixedRandom = vector<
  Omit<PushSafeInputs, 'encrypt'> & { random: string; plaintext: string },
  { encrypt: string; msg_signature: string; padding_bytes: number; ciphertext_bytes: number }
>('push_safe_mode_wechatpy_fixed_random');

/** The official Official Accounts Platform sample: the vector most tests start from. */
export const sample = safeMessages[0];
export const { encoding_aes_key: aesKey, app_id: appId } = sample.inputs;

/** An EncodingAESKey derived from a label, so "another key" is the same on every run. */
export function keyFrom(label: string): string {
  return createHash('sha256').update(label).digest('base64').replace(/[+/]/g, 'x').slice(0, 43);
}

export function keyBytes(encodingAesKey: string): Buffer {
  return Buffer.from(`${encodingAesKey}=`, 'base64');
}

export interface FrameParts {
  random?: Buffer;
  /** The length field; by default the message's byte length. */
  length?: number;
  /** A string is taken as UTF-8; bytes as they are. */
  message?: string | Buffer;
  appId?: string;
}

/**
 * A plaintext frame, `random(16) | length(4, big-endian) | message | appid | padding` with WeChat's PKCS#7 padding to
 * 32-byte blocks, built without the code under test.
 */
export function frame(parts: FrameParts = {}): Buffer {
  const message = Buffer.isBuffer(parts.message) ? parts.message : Buffer.from(parts.message ?? '<xml><Content>hi</Content></xml>', 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(parts.length ?? message.length);
  const body = Buffer.concat([parts.random ?? Buffer.alloc(16, 7), length, message, Buffer.from(parts.appId ?? appId, 'utf8')]);
  const pad = 32 - (body.length % 32);
  return Buffer.concat([body, Buffer.alloc(pad, pad)]);
}

/** AES-256-CBC of whole blocks with the push key and IV, no padding added: the raw frame goes in as it is. */
export function seal(plain: Buffer, encodingAesKey: string = aesKey): string {
  const key = keyBytes(encodingAesKey);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/** Asserts `run` throws a WeChatPushCryptoError for `reason` whose message leaks neither the key nor its bytes. */
export function expectPushReason(run: () => unknown, reason: WeChatPushCryptoReason, keyInUse: string = aesKey): WeChatPushCryptoError {
  const err = thrown(WeChatPushCryptoError, run);
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe('WeChatPushCryptoError');
  expect(err.reason).toBe(reason);
  expect(err.message).toMatch(/^Cannot (decrypt the WeChat push message|use the message push EncodingAESKey): /);
  const surfaces = [err.message, err.stack ?? '', JSON.stringify(err)];
  const forms = typeof keyInUse === 'string' && keyInUse.length >= 8 ? [keyInUse, keyBytes(keyInUse).toString('hex')] : [];
  for (const surface of surfaces) for (const form of forms) expect(surface).not.toContain(form);
  return err;
}

export const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'pipe' }).status === 0;

/** `openssl enc -aes-256-cbc -nopad` with the push key and IV: padding is neither added nor removed. */
export function opensslPush(mode: '-e' | '-d', input: Buffer, encodingAesKey: string = aesKey): Buffer {
  const key = keyBytes(encodingAesKey);
  const args = ['enc', mode, '-aes-256-cbc', '-nopad', '-K', key.toString('hex'), '-iv', key.subarray(0, 16).toString('hex')];
  return execFileSync('openssl', args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** `openssl base64 -d -A`: the EncodingAESKey decoded by another base64 decoder. */
export function opensslKeyBytes(encodingAesKey: string): Buffer {
  return execFileSync('openssl', ['base64', '-d', '-A'], { input: `${encodingAesKey}=`, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Splits an unpadded-by-hand frame as WeChat's samples do: the padding is whatever the last byte says. */
export function splitFrame(plain: Buffer): { random: Buffer; message: string; appId: string; padding: number } {
  const padding = plain[plain.length - 1];
  const length = plain.readUInt32BE(16);
  return {
    random: plain.subarray(0, 16),
    message: plain.subarray(20, 20 + length).toString('utf8'),
    appId: plain.subarray(20 + length, plain.length - padding).toString('utf8'),
    padding,
  };
}
