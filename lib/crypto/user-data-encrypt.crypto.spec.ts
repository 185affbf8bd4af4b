import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { prng } from '../../test/utils/prng';
import { decryptUserData, encryptUserData } from './user-data.crypto';
import {
  appId,
  bytesOf,
  demo,
  emptyPlaintext,
  encryptedData,
  expectReason,
  iv,
  keyFrom,
  randomKey,
  sessionKey,
  withByteXored,
} from './user-data.crypto.spec-kit';

const STRING_PIECES = [
  'a',
  'Z',
  '9',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\t',
  '\u0000',
  '微',
  '信',
  '用户',
  'é',
  '😀',
  '👍🏽',
  '{',
  '}',
  '[',
  ']',
  ':',
  ',',
];

function randomString(rand: () => number): string {
  let out = '';
  const length = Math.floor(rand() * 24);
  for (let i = 0; i < length; i++) out += STRING_PIECES[Math.floor(rand() * STRING_PIECES.length)];
  return out;
}

function randomValue(rand: () => number, depth: number): unknown {
  const kind = Math.floor(rand() * (depth > 2 ? 5 : 7));
  switch (kind) {
    case 0:
      return randomString(rand);
    case 1:
      return Math.floor(rand() * 2 ** 40) - 2 ** 39;
    case 2:
      return (rand() - 0.5) * 1e6;
    case 3:
      return rand() < 0.5;
    case 4:
      return null;
    case 5:
      return Array.from({ length: Math.floor(rand() * 5) }, () => randomValue(rand, depth + 1));
    default:
      return randomObject(rand, depth + 1);
  }
}

function randomObject(rand: () => number, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const size = Math.floor(rand() * 8);
  for (let i = 0; i < size; i++) out[`${randomString(rand)}${i}`] = randomValue(rand, depth);
  return out;
}

function randomUserData(seed: number, appid: string): Record<string, unknown> {
  const rand = prng(seed);
  return {
    ...randomObject(rand),
    openId: `o${randomBytes(12).toString('base64url')}`,
    watermark: { timestamp: 1_700_000_000 + Math.floor(rand() * 1e8), appid },
  };
}

describe('encryptUserData', () => {
  it('round-trips 300 random user-data objects through decryptUserData', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const key = randomKey();
      const payload = randomUserData(seed, appId);
      const sealed = encryptUserData(payload, key);
      const result = decryptUserData(sealed.encryptedData, sealed.iv, key, appId);
      expect({ seed, result }).toEqual({ seed, result: JSON.parse(JSON.stringify(payload)) });
      expect({ seed, text: JSON.stringify(result) }).toEqual({ seed, text: JSON.stringify(payload) });
    }
  });

  it('pads to whole blocks: a message of n bytes takes 16 * (floor(n / 16) + 1) bytes', () => {
    const key = randomKey();
    for (let n = 0; n <= 64; n++) {
      const text = 'x'.repeat(n);
      expect(bytesOf(encryptUserData(text, key).encryptedData)).toHaveLength(16 * (Math.floor(n / 16) + 1));
    }
  });

  it('encrypts a string payload as it is, and an object as JSON', () => {
    const key = randomKey();
    const fixedIv = keyFrom('fixed-iv');
    const text = '{ "openId" : "o1" ,\n "watermark": {"appid": "wx4f4bc4dec97d474b"} }';
    const asString = encryptUserData(text, key, fixedIv);
    const asObject = encryptUserData(JSON.parse(text), key, fixedIv);
    expect(asString.encryptedData).not.toBe(asObject.encryptedData);
    expect(asObject.encryptedData).toBe(encryptUserData(JSON.stringify(JSON.parse(text)), key, fixedIv).encryptedData);
    expect(decryptUserData(asString.encryptedData, fixedIv, key, appId)).toEqual(JSON.parse(text));
  });

  it('draws a fresh 16-byte IV for every call when none is given', () => {
    const key = randomKey();
    const ivs = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const sealed = encryptUserData(demo.expected.parsed, key);
      expect(bytesOf(sealed.iv)).toHaveLength(16);
      expect(sealed.iv).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      ivs.add(sealed.iv);
      expect(decryptUserData(sealed.encryptedData, sealed.iv, key, appId)).toEqual(demo.expected.parsed);
    }
    expect(ivs.size).toBe(200);
  });

  it.each([
    ['15 bytes', randomBytes(15).toString('base64')],
    ['32 bytes', randomBytes(32).toString('base64')],
    ['non-base64 text', 'not a session key'],
    ['nothing', ''],
  ])('refuses a session key of %s: INVALID_SESSION_KEY', (_label, key) => {
    expectReason(() => encryptUserData({}, key), 'INVALID_SESSION_KEY', key);
  });

  it.each([
    ['15 bytes', randomBytes(15).toString('base64')],
    ['17 bytes', randomBytes(17).toString('base64')],
    ['non-base64 text', 'iv!'],
  ])('refuses an IV of %s: INVALID_IV', (_label, badIv) => {
    expectReason(() => encryptUserData({}, sessionKey, badIv), 'INVALID_IV');
  });
});

function commandAvailable(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const hasOpenssl = commandAvailable('openssl', ['version']);

function hexOf(b64: string): string {
  return bytesOf(b64).toString('hex');
}

function opensslCbc(mode: '-e' | '-d', input: Buffer, key: string, ivB64: string, extra: string[] = []): Buffer {
  return execFileSync('openssl', ['enc', mode, '-aes-128-cbc', '-K', hexOf(key), '-iv', hexOf(ivB64), ...extra], {
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

const describeWithOpenssl = hasOpenssl ? describe : describe.skip;

describeWithOpenssl(
  `cross-check against the openssl command line (aes-128-cbc)${hasOpenssl ? '' : ' - SKIPPED: no openssl command on PATH'}`,
  () => {
    it('openssl decrypts the official demo to the published plaintext', () => {
      expect(opensslCbc('-d', bytesOf(encryptedData), sessionKey, iv).toString('utf8')).toBe(demo.expected.plaintext);
    });

    it('openssl encrypts the empty plaintext to the published block', () => {
      const { key_b64, iv_b64 } = emptyPlaintext.inputs;
      expect(opensslCbc('-e', Buffer.alloc(0), key_b64, iv_b64).toString('base64')).toBe(emptyPlaintext.expected.ciphertext_b64);
    });

    it('agrees with encryptUserData and decryptUserData on 20 random payloads, both ways', () => {
      for (let seed = 1001; seed <= 1020; seed++) {
        const key = randomKey();
        const payloadIv = randomBytes(16).toString('base64');
        const payload = randomUserData(seed, appId);
        const text = JSON.stringify(payload);

        const ours = encryptUserData(payload, key, payloadIv);
        const theirs = opensslCbc('-e', Buffer.from(text, 'utf8'), key, payloadIv);
        expect({ seed, ciphertext: ours.encryptedData }).toEqual({ seed, ciphertext: theirs.toString('base64') });

        expect({ seed, text: opensslCbc('-d', bytesOf(ours.encryptedData), key, payloadIv).toString('utf8') }).toEqual({
          seed,
          text,
        });
        expect({ seed, result: decryptUserData(theirs.toString('base64'), payloadIv, key, appId) }).toEqual({
          seed,
          result: JSON.parse(text),
        });
      }
    });

    it('sees PKCS#7 padding in what encryptUserData produces', () => {
      for (let n = 0; n <= 32; n++) {
        const key = randomKey();
        const sealed = encryptUserData('y'.repeat(n), key);
        const raw = opensslCbc('-d', bytesOf(sealed.encryptedData), key, sealed.iv, ['-nopad']);
        const pad = 16 - (n % 16);
        expect(raw.subarray(0, n).toString('utf8')).toBe('y'.repeat(n));
        expect([...raw.subarray(n)]).toEqual(Array(pad).fill(pad));
      }
    });

    it('agrees on the stale keys: bad padding for one, valid padding but no JSON for the other', () => {
      const data = bytesOf(encryptedData);
      expect(() => opensslCbc('-d', data, keyFrom('stale-session-key'), iv)).toThrow(/bad decrypt/);
      const noise = opensslCbc('-d', data, keyFrom('stale-31'), iv);
      expect(() => JSON.parse(noise.toString('utf8'))).toThrow();
    });

    it('also rejects the demo with a tampered padding byte', () => {
      const tampered = withByteXored(encryptedData, bytesOf(encryptedData).length - 16 - 3, 0x01);
      expect(() => opensslCbc('-d', bytesOf(tampered), sessionKey, iv)).toThrow(/bad decrypt/);
      expectReason(() => decryptUserData(tampered, iv, sessionKey, appId), 'BAD_PADDING');
    });
  },
);
