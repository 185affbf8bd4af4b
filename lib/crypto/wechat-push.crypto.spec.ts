import { randomBytes } from 'node:crypto';
import { prng } from '../../test/utils/prng';
import { WeChatPushCryptoError } from '../errors/wechat-push-crypto.error';
import { thrown } from './crypto.spec-kit';
import {
  decryptPushMessage,
  encryptPushMessage,
  isEncodingAesKey,
  pushAesKey,
  pushSignature,
  verifyPushSignature,
} from './wechat-push.crypto';
import {
  aesKey,
  appId,
  expectPushReason,
  fixedRandom,
  frame,
  hasOpenssl,
  keyBytes,
  keyFrom,
  opensslKeyBytes,
  opensslPush,
  plainSignatures,
  safeMessages,
  sample,
  seal,
  splitFrame,
} from './wechat-push.crypto.spec-kit';

/** The reason of the WeChatPushCryptoError `run` throws; anything else fails the test. */
const thrownReason = (run: () => unknown) => thrown(WeChatPushCryptoError, run).reason;

const signed = [
  ...safeMessages.map((v) => ({ name: v.name, ...v.inputs, msgSignature: v.expected.msg_signature })),
  {
    name: fixedRandom.name,
    ...fixedRandom.inputs,
    encrypt: fixedRandom.expected.encrypt,
    msgSignature: fixedRandom.expected.msg_signature,
  },
];

/** Messages whose frames take every padding length from 1 to 32, with multi-byte characters. */
const PIECES = ['a', '<', '>', '"', '\n', '微', '信', 'é', '😀', '{', '}', ':', ' ', 'Z', '9'];
function randomMessage(rand: () => number): string {
  let out = 'x';
  const length = Math.floor(rand() * 80);
  for (let i = 0; i < length; i++) out += PIECES[Math.floor(rand() * PIECES.length)];
  return out;
}

describe('pushSignature and verifyPushSignature', () => {
  it.each(plainSignatures.map((v) => [v.name, v] as const))('computes the published plain signature (%s)', (_name, v) => {
    const { token, timestamp, nonce } = v.inputs;
    expect(pushSignature(token, timestamp, nonce)).toBe(v.expected.signature);
    expect(verifyPushSignature(v.expected.signature, token, timestamp, nonce)).toBe(true);
    expect(verifyPushSignature(v.expected.signature.toUpperCase(), token, timestamp, nonce)).toBe(true);
    expect(verifyPushSignature(v.expected.signature, token, timestamp, nonce, '')).toBe(true);
  });

  it.each(signed.map((v) => [v.name, v] as const))('computes the published msg_signature (%s)', (_name, v) => {
    expect(pushSignature(v.token, v.timestamp, v.nonce, v.encrypt)).toBe(v.msgSignature);
    expect(pushSignature(v.encrypt, v.nonce, v.token, v.timestamp)).toBe(v.msgSignature);
    expect(verifyPushSignature(v.msgSignature, v.token, v.timestamp, v.nonce, v.encrypt)).toBe(true);
    expect(verifyPushSignature(v.msgSignature, v.token, v.timestamp, v.nonce)).toBe(false);
  });

  it('refuses a forged signature: any one digit changed, or another token, timestamp, nonce or Encrypt', () => {
    const { token, timestamp, nonce, encrypt } = sample.inputs;
    const good = sample.expected.msg_signature;
    for (let i = 0; i < good.length; i++) {
      const forged = good.slice(0, i) + (good[i] === '0' ? '1' : '0') + good.slice(i + 1);
      expect({ i, ok: verifyPushSignature(forged, token, timestamp, nonce, encrypt) }).toEqual({ i, ok: false });
    }
    expect(verifyPushSignature(good, `${token}x`, timestamp, nonce, encrypt)).toBe(false);
    expect(verifyPushSignature(good, token, String(Number(timestamp) + 1), nonce, encrypt)).toBe(false);
    expect(verifyPushSignature(good, token, timestamp, `${nonce}0`, encrypt)).toBe(false);
    expect(verifyPushSignature(good, token, timestamp, nonce, `A${encrypt.slice(1)}`)).toBe(false);
  });

  it('gives false for malformed input and never throws', () => {
    const { token, timestamp, nonce, encrypt } = sample.inputs;
    const good = sample.expected.msg_signature;
    const cases: unknown[][] = [
      [undefined, token, timestamp, nonce, encrypt],
      [[good], token, timestamp, nonce, encrypt],
      [good.slice(1), token, timestamp, nonce, encrypt],
      [`${good}0`, token, timestamp, nonce, encrypt],
      [`${good.slice(1)}g`, token, timestamp, nonce, encrypt],
      [` ${good.slice(1)}`, token, timestamp, nonce, encrypt],
      [good, '', timestamp, nonce, encrypt],
      [good, undefined, timestamp, nonce, encrypt],
      [good, token, undefined, nonce, encrypt],
      [good, token, [timestamp], nonce, encrypt],
      [good, token, timestamp, '', encrypt],
      [good, token, timestamp, 1320562132, encrypt],
      [good, token, timestamp, nonce, null],
      [good, token, timestamp, nonce, [encrypt]],
    ];
    for (const args of cases) {
      expect(() => (verifyPushSignature as (...a: unknown[]) => boolean)(...args)).not.toThrow();
      expect((verifyPushSignature as (...a: unknown[]) => boolean)(...args)).toBe(false);
    }
  });

  it('throws TypeError from pushSignature for an empty token or a value that is not a string', () => {
    expect(() => pushSignature('', '1', '2')).toThrow(TypeError);
    expect(() => pushSignature('token', 1 as unknown as string, '2')).toThrow(TypeError);
    expect(() => pushSignature('token', '1', '2', null as unknown as string)).toThrow(TypeError);
  });
});

describe('pushAesKey and isEncodingAesKey', () => {
  it('decodes every published EncodingAESKey to 32 bytes', () => {
    for (const v of [...safeMessages, fixedRandom]) {
      expect(isEncodingAesKey(v.inputs.encoding_aes_key)).toBe(true);
      expect(pushAesKey(v.inputs.encoding_aes_key)).toEqual(keyBytes(v.inputs.encoding_aes_key));
      expect(pushAesKey(v.inputs.encoding_aes_key)).toHaveLength(32);
    }
  });

  it.each([
    ['42 characters', aesKey.slice(0, 42)],
    ['44 characters', `${aesKey}A`],
    ['43 characters and "="', `${aesKey}=`],
    ['a "+"', `+${aesKey.slice(1)}`],
    ['a "/"', `/${aesKey.slice(1)}`],
    ['a "-" (URL-safe base64)', `-${aesKey.slice(1)}`],
    ['a "_" (URL-safe base64)', `${aesKey.slice(0, 42)}_`],
    ['"=" inside', `${aesKey.slice(0, 41)}=A`],
    ['a space', ` ${aesKey.slice(1)}`],
    ['a non-ASCII letter', `é${aesKey.slice(1)}`],
    ['nothing', ''],
  ])('refuses a key of %s: INVALID_AES_KEY, everywhere it is used', (_label, key) => {
    expect(isEncodingAesKey(key)).toBe(false);
    expectPushReason(() => pushAesKey(key), 'INVALID_AES_KEY', key);
    expectPushReason(() => decryptPushMessage(key, sample.inputs.encrypt, appId), 'INVALID_AES_KEY', key);
    expectPushReason(() => encryptPushMessage(key, 'hi', appId), 'INVALID_AES_KEY', key);
  });

  it('refuses a key that is not a string', () => {
    for (const key of [undefined, null, 43, keyBytes(aesKey), [aesKey]]) {
      expect(isEncodingAesKey(key)).toBe(false);
      expectPushReason(() => pushAesKey(key as unknown as string), 'INVALID_AES_KEY');
    }
  });
});

describe('decryptPushMessage', () => {
  it.each(safeMessages.map((v) => [v.name, v] as const))('decrypts %s to the published plaintext', (_name, v) => {
    const { encoding_aes_key, encrypt, app_id } = v.inputs;
    expect(Buffer.from(encrypt, 'base64')).toHaveLength(v.expected.ciphertext_bytes);
    expect(decryptPushMessage(encoding_aes_key, encrypt, app_id)).toBe(v.expected.plaintext);
  });

  it('decrypts the fixed-random vector to its plaintext', () => {
    const { encoding_aes_key, app_id, plaintext } = fixedRandom.inputs;
    expect(decryptPushMessage(encoding_aes_key, fixedRandom.expected.encrypt, app_id)).toBe(plaintext);
  });

  it('refuses another AppID, in any form: APPID_MISMATCH', () => {
    for (const other of ['wx0000000000000000', appId.slice(0, -1), `${appId}x`, appId.toUpperCase(), ` ${appId}`]) {
      expectPushReason(() => decryptPushMessage(aesKey, sample.inputs.encrypt, other), 'APPID_MISMATCH');
    }
    expectPushReason(() => decryptPushMessage(aesKey, seal(frame({ appId: '' })), appId), 'APPID_MISMATCH');
    expect(() => decryptPushMessage(aesKey, sample.inputs.encrypt, '')).toThrow(TypeError);
  });

  it('refuses what is not standard base64: INVALID_BASE64', () => {
    const encrypt = sample.inputs.encrypt;
    for (const bad of [
      encrypt.slice(0, -1),
      encrypt.slice(1),
      'abc',
      `*${encrypt.slice(1)}`,
      encrypt.replace(/\+/g, '-'),
      `é${encrypt.slice(1)}`,
    ]) {
      expectPushReason(() => decryptPushMessage(aesKey, bad, appId), 'INVALID_BASE64');
    }
    for (const bad of [undefined, null, 42, {}]) expectPushReason(() => decryptPushMessage(aesKey, bad as string, appId), 'INVALID_BASE64');
  });

  it('refuses a ciphertext that is not a whole number of 32-byte blocks: INVALID_LENGTH', () => {
    const data = Buffer.from(sample.inputs.encrypt, 'base64');
    for (const bad of [
      Buffer.alloc(0),
      data.subarray(0, 16),
      data.subarray(0, 48),
      data.subarray(0, 33),
      data.subarray(0, data.length - 16),
    ]) {
      expectPushReason(() => decryptPushMessage(aesKey, bad.toString('base64'), appId), 'INVALID_LENGTH');
    }
    expectPushReason(() => decryptPushMessage(aesKey, sample.inputs.encrypt.slice(0, -4), appId), 'INVALID_LENGTH');
  });

  it('refuses a padding of 0 or of more than 32 bytes, or padding bytes that disagree: BAD_PADDING', () => {
    const good = frame();
    const last = good.length - 1;
    const pad = good[last];
    expect(pad).toBeGreaterThan(2);
    const variants: Array<[string, (b: Buffer) => void]> = [
      ['padding 0', (b) => (b[last] = 0)],
      ['padding 33', (b) => (b[last] = 33)],
      ['padding 255', (b) => (b[last] = 255)],
      ['first padding byte off', (b) => (b[last - pad + 1] ^= 1)],
      ['middle padding byte off', (b) => (b[last - 1] ^= 0x80)],
      ['one byte more claimed', (b) => b.fill(pad + 1, last - pad + 1)],
    ];
    for (const [label, change] of variants) {
      const plain = Buffer.from(good);
      change(plain);
      expect({ label, reason: thrownReason(() => decryptPushMessage(aesKey, seal(plain), appId)) }).toEqual({
        label,
        reason: 'BAD_PADDING',
      });
    }
    expect(decryptPushMessage(aesKey, seal(good), appId)).toBe(splitFrame(good).message);

    // A frame sound but for its padding value: one byte of 0, or 33 bytes of 33 (more than WeChat's block).
    const body = frame({ message: 'x'.repeat(25) }).subarray(0, 63);
    for (const [label, padding] of [
      ['one 0 byte', Buffer.alloc(1)],
      ['33 bytes of 33', Buffer.alloc(33, 33)],
    ] as const) {
      const plain = Buffer.concat([body, padding]);
      expect({ label, reason: thrownReason(() => decryptPushMessage(aesKey, seal(plain), appId)) }).toEqual({
        label,
        reason: 'BAD_PADDING',
      });
    }
  });

  it('refuses a length field of 0 or pointing past the end, and a frame too short for its header: BAD_MESSAGE_LENGTH', () => {
    const message = 'hello';
    for (const length of [0, message.length + appId.length + 1, 0x7fffffff, 0xffffffff]) {
      expectPushReason(() => decryptPushMessage(aesKey, seal(frame({ message, length })), appId), 'BAD_MESSAGE_LENGTH');
    }
    expectPushReason(() => decryptPushMessage(aesKey, seal(frame({ message: '' })), appId), 'BAD_MESSAGE_LENGTH');
    const headerless = Buffer.concat([Buffer.alloc(19, 1), Buffer.alloc(13, 13)]);
    expectPushReason(() => decryptPushMessage(aesKey, seal(headerless), appId), 'BAD_MESSAGE_LENGTH');
    const full = Buffer.alloc(32, 32);
    expectPushReason(() => decryptPushMessage(aesKey, seal(full), appId), 'BAD_MESSAGE_LENGTH');
  });

  it('refuses a message that is not UTF-8: INVALID_UTF8', () => {
    for (const message of [Buffer.from([0xff]), Buffer.from([0xe5, 0xbe]), Buffer.from('微信', 'utf8').subarray(1)]) {
      expectPushReason(() => decryptPushMessage(aesKey, seal(frame({ message })), appId), 'INVALID_UTF8');
    }
  });

  it('refuses the published ciphertexts under any other key, with a typed reason', () => {
    for (let i = 0; i < 40; i++) {
      const other = keyFrom(`another key ${i}`);
      for (const v of safeMessages) {
        const run = () => decryptPushMessage(other, v.inputs.encrypt, v.inputs.app_id);
        const reason = thrownReason(run);
        expect(['BAD_PADDING', 'BAD_MESSAGE_LENGTH', 'APPID_MISMATCH']).toContain(reason);
        expectPushReason(run, reason, other);
      }
    }
  });

  it('throws nothing but its typed error for 2000 random ciphertexts', () => {
    const rand = prng(20_240_501);
    const reasons = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const length = 32 * (1 + Math.floor(rand() * 6)) + (rand() < 0.1 ? Math.floor(rand() * 32) : 0);
      const data = Buffer.from(Array.from({ length }, () => Math.floor(rand() * 256)));
      reasons.add(thrownReason(() => decryptPushMessage(aesKey, data.toString('base64'), appId)));
    }
    expect([...reasons].every((r) => ['INVALID_LENGTH', 'BAD_PADDING', 'BAD_MESSAGE_LENGTH'].includes(r))).toBe(true);
  });
});

describe('encryptPushMessage', () => {
  it('reproduces the published ciphertext from the published random bytes', () => {
    const { encoding_aes_key, app_id, plaintext, random, token, timestamp, nonce } = fixedRandom.inputs;
    const encrypt = encryptPushMessage(encoding_aes_key, plaintext, app_id, Buffer.from(random, 'utf8'));
    expect(encrypt).toBe(fixedRandom.expected.encrypt);
    expect(pushSignature(token, timestamp, nonce, encrypt)).toBe(fixedRandom.expected.msg_signature);
  });

  it('round-trips 300 random messages, every padding length among them, through decryptPushMessage', () => {
    const rand = prng(7);
    const paddings = new Set<number>();
    for (let seed = 1; seed <= 300; seed++) {
      const key = keyFrom(`key ${seed}`);
      const message = randomMessage(rand);
      const encrypt = encryptPushMessage(key, message, appId);
      const bytes = Buffer.from(encrypt, 'base64');
      expect(bytes.length % 32).toBe(0);
      paddings.add(bytes.length - (20 + Buffer.byteLength(message) + appId.length));
      expect({ seed, message: decryptPushMessage(key, encrypt, appId) }).toEqual({ seed, message });
    }
    expect([...paddings].sort((a, b) => a - b)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  it('draws 16 fresh random bytes for every call when none are given', () => {
    const seen = new Set(Array.from({ length: 100 }, () => encryptPushMessage(aesKey, 'same', appId)));
    expect(seen.size).toBe(100);
  });

  it('refuses an empty message or AppID and random bytes that are not 16 (TypeError)', () => {
    expect(() => encryptPushMessage(aesKey, '', appId)).toThrow(TypeError);
    expect(() => encryptPushMessage(aesKey, 'hi', '')).toThrow(TypeError);
    for (const random of [Buffer.alloc(15), Buffer.alloc(17), '1234567890123456' as unknown as Uint8Array]) {
      expect(() => encryptPushMessage(aesKey, 'hi', appId, random)).toThrow(TypeError);
    }
  });
});

const describeWithOpenssl = hasOpenssl ? describe : describe.skip;

describeWithOpenssl(`cross-check against the openssl command line${hasOpenssl ? '' : ' - SKIPPED: no openssl command on PATH'}`, () => {
  it('openssl base64 decodes every published EncodingAESKey to the bytes pushAesKey gives', () => {
    for (const v of [...safeMessages, fixedRandom]) {
      expect(pushAesKey(v.inputs.encoding_aes_key).equals(opensslKeyBytes(v.inputs.encoding_aes_key))).toBe(true);
    }
  });

  it.each(safeMessages.map((v) => [v.name, v] as const))('openssl decrypts %s to a frame of the published plaintext', (_name, v) => {
    const { encoding_aes_key, encrypt, app_id } = v.inputs;
    const parts = splitFrame(opensslPush('-d', Buffer.from(encrypt, 'base64'), encoding_aes_key));
    expect(parts).toMatchObject({ message: v.expected.plaintext, appId: app_id, padding: v.expected.padding_bytes });
  });

  it('agrees with encryptPushMessage and decryptPushMessage on 20 random messages, both ways', () => {
    const rand = prng(99);
    for (let seed = 1; seed <= 20; seed++) {
      const key = keyFrom(`openssl ${seed}`);
      const random = randomBytes(16);
      const message = randomMessage(rand);
      const theirs = opensslPush('-e', frame({ random, message, appId }), key).toString('base64');
      const ours = encryptPushMessage(key, message, appId, random);
      expect({ seed, ours }).toEqual({ seed, ours: theirs });
      expect({ seed, message: decryptPushMessage(key, theirs, appId) }).toEqual({ seed, message });
      const back = splitFrame(opensslPush('-d', Buffer.from(ours, 'base64'), key));
      expect({ seed, message: back.message, appId: back.appId, random: back.random.equals(random) }).toEqual({
        seed,
        message,
        appId,
        random: true,
      });
    }
  });

  it('sees WeChat PKCS#7 padding to 32-byte blocks in what encryptPushMessage produces', () => {
    for (let n = 1; n <= 40; n++) {
      const raw = opensslPush('-d', Buffer.from(encryptPushMessage(aesKey, 'y'.repeat(n), appId), 'base64'));
      const pad = 32 - ((20 + n + appId.length) % 32);
      expect({ n, tail: [...raw.subarray(raw.length - pad)] }).toEqual({ n, tail: Array(pad).fill(pad) });
      expect(raw.length).toBe(20 + n + appId.length + pad);
    }
  });
});
