import { execFileSync } from 'node:child_process';
import { createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { vector } from '../../test/fixtures/vectors';
import { UserDataDecryptError, UserDataDecryptReason } from '../errors/user-data-decrypt.error';
import { decryptUserData, encryptUserData, loginStateSignature, rawDataSignature } from './user-data.crypto';

const demo = vector<
  { appId: string; sessionKey: string; encryptedData: string; iv: string },
  { plaintext: string; parsed: Record<string, unknown>; watermark_appid: string; ciphertext_bytes: number }
>('wxbizdatacrypt_official_demo_userinfo');
const emptyPlaintext = vector<{ key_b64: string; iv_b64: string; plaintext: string }, { ciphertext_b64: string }>(
  'aes128cbc_empty_plaintext',
);
const rawDataVector = vector<{ rawData: string; sessionKey: string }, { signature: string }>('wx_getUserInfo_rawData_signature_sha1');
const loginStateVector = vector<{ post_data: string; session_key: string }, { signature: string }>('login_state_signature_hmac_sha256');

const { appId, sessionKey, encryptedData, iv } = demo.inputs;

/** A 16-byte session key derived from a label, so "another key" is the same on every run. */
function keyFrom(label: string): string {
  return createHash('sha256').update(label).digest().subarray(0, 16).toString('base64');
}

function bytesOf(b64: string): Buffer {
  return Buffer.from(b64, 'base64');
}

function withByteXored(b64: string, index: number, mask: number): string {
  const bytes = bytesOf(b64);
  bytes[index] ^= mask;
  return bytes.toString('base64');
}

function catchDecryptError(run: () => unknown): UserDataDecryptError {
  try {
    run();
  } catch (err) {
    if (err instanceof UserDataDecryptError) return err;
    throw err;
  }
  throw new Error('expected a UserDataDecryptError, but nothing was thrown');
}

/** Asserts the error leaks the session key in no form: not in the message, the stack or its JSON. */
function expectNoKeyLeak(err: Error, key: string): void {
  const decoded = bytesOf(key);
  const forms = [key, key.replace(/=+$/, ''), decoded.toString('hex'), decoded.toString('hex').toUpperCase()].filter(
    (form) => form.length >= 8,
  );
  const surfaces = [err.message, String(err), err.stack ?? '', JSON.stringify(err)];
  for (const surface of surfaces) {
    for (const form of forms) expect(surface).not.toContain(form);
  }
}

function expectReason(run: () => unknown, reason: UserDataDecryptReason, keyInUse: string = sessionKey): UserDataDecryptError {
  const err = catchDecryptError(run);
  expect(err).toBeInstanceOf(Error);
  expect(err.name).toBe('UserDataDecryptError');
  expect(err.reason).toBe(reason);
  expect(err.message).toMatch(/^Cannot decrypt user data: /);
  expectNoKeyLeak(err, keyInUse);
  return err;
}

/** Deterministic PRNG (mulberry32) so a failing round trip can be reproduced from its seed. */
function prng(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

function randomKey(): string {
  return randomBytes(16).toString('base64');
}

describe('decryptUserData', () => {
  describe('official WXBizDataCrypt demo (wxbizdatacrypt_official_demo_userinfo)', () => {
    it('decrypts to the published plaintext byte for byte, with the appId checked', () => {
      const result = decryptUserData(encryptedData, iv, sessionKey, appId);
      expect(JSON.stringify(result)).toBe(demo.expected.plaintext);
      expect(result).toEqual(demo.expected.parsed);
      expect(result.watermark?.appid).toBe(demo.expected.watermark_appid);
    });

    it('has the published ciphertext length', () => {
      expect(bytesOf(encryptedData)).toHaveLength(demo.expected.ciphertext_bytes);
    });

    it('decrypts without a watermark check when no appId is given', () => {
      expect(decryptUserData(encryptedData, iv, sessionKey)).toEqual(demo.expected.parsed);
    });

    it('re-encrypting the published plaintext with the same key and IV gives the published ciphertext', () => {
      expect(encryptUserData(demo.expected.plaintext, sessionKey, iv)).toEqual({ encryptedData, iv });
    });

    it('still decrypts when every "+" of the base64 arrived as a space (URL-decoded by mistake)', () => {
      const spaced = encryptedData.replace(/\+/g, ' ');
      expect(spaced).not.toBe(encryptedData);
      expect(spaced).toContain(' ');
      expect(decryptUserData(spaced, iv, sessionKey, appId)).toEqual(demo.expected.parsed);
    });

    it('still decrypts when the session key and IV lost their "+" to spaces', () => {
      const key = Buffer.alloc(16, 0xfb).toString('base64');
      const ivWithPlus = Buffer.alloc(16, 0xf8).toString('base64');
      expect(key).toContain('+');
      expect(ivWithPlus).toContain('+');
      const sealed = encryptUserData(demo.expected.parsed, key, ivWithPlus);
      const result = decryptUserData(
        sealed.encryptedData.replace(/\+/g, ' '),
        ivWithPlus.replace(/\+/g, ' '),
        key.replace(/\+/g, ' '),
        appId,
      );
      expect(result).toEqual(demo.expected.parsed);
    });
  });

  describe('empty plaintext (aes128cbc_empty_plaintext)', () => {
    const { key_b64, iv_b64, plaintext } = emptyPlaintext.inputs;

    it('encrypting "" gives the published single padding block', () => {
      const sealed = encryptUserData(plaintext, key_b64, iv_b64);
      expect(sealed).toEqual({ encryptedData: emptyPlaintext.expected.ciphertext_b64, iv: iv_b64 });
      expect(bytesOf(sealed.encryptedData)).toHaveLength(16);
    });

    it('is rejected by decryptUserData as INVALID_JSON: it decrypts, but "" is not a JSON object', () => {
      expectReason(() => decryptUserData(emptyPlaintext.expected.ciphertext_b64, iv_b64, key_b64), 'INVALID_JSON', key_b64);
    });
  });

  describe('APPID_MISMATCH', () => {
    it.each([
      ['another mini program', 'wx0123456789abcdef'],
      ['the right appId in upper case', appId.toUpperCase()],
      ['a prefix of the right appId', appId.slice(0, -1)],
      ['the right appId with a trailing space', `${appId} `],
      ['an empty appId', ''],
    ])('rejects data for %s', (_label, otherAppId) => {
      expectReason(() => decryptUserData(encryptedData, iv, sessionKey, otherAppId), 'APPID_MISMATCH');
    });

    it('rejects data without a watermark when an appId is given, and accepts it when none is', () => {
      const key = randomKey();
      const { watermark: _watermark, ...noWatermark } = demo.expected.parsed;
      const sealed = encryptUserData(noWatermark, key);
      expectReason(() => decryptUserData(sealed.encryptedData, sealed.iv, key, appId), 'APPID_MISMATCH', key);
      expect(decryptUserData(sealed.encryptedData, sealed.iv, key)).toEqual(noWatermark);
    });

    it.each([
      ['null', null],
      ['a string', appId],
      ['without appid', { timestamp: 1477314187 }],
      ['with a numeric appid', { timestamp: 1477314187, appid: 4 }],
      ['with the appid in an array', { timestamp: 1477314187, appid: [appId] }],
    ])('rejects a watermark that is %s', (_label, watermark) => {
      const key = randomKey();
      const sealed = encryptUserData({ openId: 'o1', watermark }, key);
      expectReason(() => decryptUserData(sealed.encryptedData, sealed.iv, key, appId), 'APPID_MISMATCH', key);
    });
  });

  describe('stale session key (the user called wx.login again)', () => {
    const staleBadPadding = keyFrom('stale-session-key');
    const staleValidPadding = keyFrom('stale-31');

    it('usually fails the PKCS#7 check: BAD_PADDING', () => {
      expectReason(() => decryptUserData(encryptedData, iv, staleBadPadding, appId), 'BAD_PADDING', staleBadPadding);
    });

    it('fails as INVALID_JSON for the ~1 key in 256 whose noise happens to end in valid padding', () => {
      expectReason(() => decryptUserData(encryptedData, iv, staleValidPadding, appId), 'INVALID_JSON', staleValidPadding);
    });

    it('is rejected with a UserDataDecryptError for any other key (200 random keys)', () => {
      const seen = new Set<UserDataDecryptReason>();
      for (let i = 0; i < 200; i++) {
        const stale = randomKey();
        if (stale === sessionKey) continue;
        const err = catchDecryptError(() => decryptUserData(encryptedData, iv, stale, appId));
        expect(['BAD_PADDING', 'INVALID_JSON']).toContain(err.reason);
        expectNoKeyLeak(err, stale);
        seen.add(err.reason);
      }
      expect(seen.has('BAD_PADDING')).toBe(true);
    });

    it('an IV from another request garbles the first block only: INVALID_JSON', () => {
      expectReason(() => decryptUserData(encryptedData, keyFrom('iv-of-another-request'), sessionKey, appId), 'INVALID_JSON');
    });
  });

  describe('INVALID_ENCRYPTED_DATA and truncation', () => {
    const bytes = bytesOf(encryptedData);

    it('cut to whole blocks, loses its padding: BAD_PADDING', () => {
      const truncated = bytes.subarray(0, bytes.length - 16).toString('base64');
      expectReason(() => decryptUserData(truncated, iv, sessionKey, appId), 'BAD_PADDING');
    });

    it.each([
      ['cut by one byte', bytes.subarray(0, bytes.length - 1).toString('base64')],
      ['cut to half a block', bytes.subarray(0, 8).toString('base64')],
      ['with its last base64 character lost', encryptedData.slice(0, -1)],
      ['with its padding lost', encryptedData.replace(/=+$/, '')],
      ['with one byte too many', Buffer.concat([bytes, Buffer.from([0])]).toString('base64')],
      ['empty', ''],
      ['in base64url', bytes.toString('base64url')],
      ['with a character outside base64', `*${encryptedData.slice(1)}`],
      ['percent-encoded', encodeURIComponent(encryptedData)],
      ['with a tab', `${encryptedData.slice(0, 8)}\t${encryptedData.slice(8)}`],
    ])('rejects encryptedData %s', (_label, data) => {
      expectReason(() => decryptUserData(data, iv, sessionKey, appId), 'INVALID_ENCRYPTED_DATA');
    });
  });

  describe('INVALID_IV', () => {
    it.each([
      ['15 bytes', randomBytes(15).toString('base64')],
      ['17 bytes', randomBytes(17).toString('base64')],
      ['0 bytes', ''],
      ['the right bytes without padding', iv.replace(/=+$/, '')],
      ['the right bytes in hex', bytesOf(iv).toString('hex')],
      ['a character outside base64', `${iv.slice(0, 4)}!${iv.slice(5)}`],
    ])('rejects an IV of %s', (_label, badIv) => {
      expectReason(() => decryptUserData(encryptedData, badIv, sessionKey, appId), 'INVALID_IV');
    });
  });

  describe('INVALID_SESSION_KEY', () => {
    it.each([
      ['15 bytes', randomBytes(15).toString('base64')],
      ['17 bytes', randomBytes(17).toString('base64')],
      ['24 bytes', randomBytes(24).toString('base64')],
      ['32 bytes (an AES-256 key)', randomBytes(32).toString('base64')],
      ['the right bytes in hex', bytesOf(sessionKey).toString('hex')],
      ['the right bytes without padding', sessionKey.replace(/=+$/, '')],
      ['a base64url character', `${sessionKey.slice(0, 3)}_${sessionKey.slice(4)}`],
      ['0 bytes', ''],
    ])('rejects a session key of %s', (_label, badKey) => {
      expectReason(() => decryptUserData(encryptedData, iv, badKey, appId), 'INVALID_SESSION_KEY', badKey);
    });
  });

  describe('non-string inputs', () => {
    const nonStrings: Array<[string, unknown]> = [
      ['undefined', undefined],
      ['null', null],
      ['a number', 1234],
      ['an object', { data: encryptedData }],
      ['an array', [encryptedData]],
      ['a Buffer', Buffer.from(encryptedData)],
    ];

    it.each(nonStrings)('rejects encryptedData that is %s', (_label, value) => {
      expectReason(() => decryptUserData(value as string, iv, sessionKey, appId), 'INVALID_ENCRYPTED_DATA');
    });

    it.each(nonStrings)('rejects an IV that is %s', (_label, value) => {
      expectReason(() => decryptUserData(encryptedData, value as string, sessionKey, appId), 'INVALID_IV');
    });

    it.each(nonStrings)('rejects a session key that is %s', (_label, value) => {
      expectReason(() => decryptUserData(encryptedData, iv, value as string, appId), 'INVALID_SESSION_KEY');
    });

    it.each([
      ['null', null],
      ['a number', 4],
      ['an array holding the appId', [appId]],
    ])('treats an appId that is %s as a mismatch', (_label, value) => {
      expectReason(() => decryptUserData(encryptedData, iv, sessionKey, value as unknown as string), 'APPID_MISMATCH');
    });
  });

  describe('tampered padding', () => {
    const bytes = bytesOf(encryptedData);
    const lastBlock = bytes.length - 16;
    const padding = (() => {
      const decipher = createDecipheriv('aes-128-cbc', bytesOf(sessionKey), bytesOf(iv)).setAutoPadding(false);
      const plain = Buffer.concat([decipher.update(bytes), decipher.final()]);
      return plain[plain.length - 1];
    })();

    it('the demo ends with 7 bytes of PKCS#7 padding', () => {
      expect(padding).toBe(7);
      expect(demo.expected.plaintext.length % 16).toBe(16 - 7);
    });

    it.each([9, 10, 11, 12, 13, 14, 15])('rejects the padding byte at offset %i of the last block flipped: BAD_PADDING', (offset) => {
      const tampered = withByteXored(encryptedData, lastBlock - 16 + offset, 0x01);
      expectReason(() => decryptUserData(tampered, iv, sessionKey, appId), 'BAD_PADDING');
    });

    it('rejects the last padding byte raised to 8: BAD_PADDING', () => {
      const tampered = withByteXored(encryptedData, lastBlock - 1, 0x07 ^ 0x08);
      expectReason(() => decryptUserData(tampered, iv, sessionKey, appId), 'BAD_PADDING');
    });

    it('rejects the last padding byte lowered to 1 (valid padding, leftover bytes): INVALID_JSON', () => {
      const tampered = withByteXored(encryptedData, lastBlock - 1, 0x07 ^ 0x01);
      expectReason(() => decryptUserData(tampered, iv, sessionKey, appId), 'INVALID_JSON');
    });

    it('rejects padding tampered in the IV of a single-block message: BAD_PADDING', () => {
      const key = randomKey();
      const sealed = encryptUserData('{}', key, keyFrom('single-block-iv'));
      const tamperedIv = withByteXored(sealed.iv, 10, 0x01);
      expect(decryptUserData(sealed.encryptedData, sealed.iv, key)).toEqual({});
      expectReason(() => decryptUserData(sealed.encryptedData, tamperedIv, key), 'BAD_PADDING', key);
    });
  });

  describe('INVALID_JSON', () => {
    it.each([
      ['a JSON array', '[{"openId":"o1"}]'],
      ['an empty JSON array', '[]'],
      ['a JSON number', '42'],
      ['a JSON string', '"openId"'],
      ['JSON true', 'true'],
      ['JSON null', 'null'],
      ['text that is not JSON', 'openId=o1&appid=wx4f4bc4dec97d474b'],
      ['truncated JSON', demo.expected.plaintext.slice(0, -1)],
    ])('rejects data that decrypts to %s', (_label, text) => {
      const key = randomKey();
      const sealed = encryptUserData(text, key);
      expectReason(() => decryptUserData(sealed.encryptedData, sealed.iv, key), 'INVALID_JSON', key);
      expectReason(() => decryptUserData(sealed.encryptedData, sealed.iv, key, appId), 'INVALID_JSON', key);
    });
  });

  describe('error messages', () => {
    it('never contain the session key, whatever the reason', () => {
      const key = keyFrom('message-check');
      const sealed = encryptUserData({ watermark: { appid: 'wx0123456789abcdef', timestamp: 1 } }, key);
      const reasons = new Set<UserDataDecryptReason>();
      const attempts: Array<[() => unknown, string]> = [
        [() => decryptUserData(sealed.encryptedData, sealed.iv, key, appId), key],
        [() => decryptUserData(sealed.encryptedData, sealed.iv, keyFrom('stale-session-key')), keyFrom('stale-session-key')],
        [() => decryptUserData(encryptUserData('[]', key, sealed.iv).encryptedData, sealed.iv, key), key],
        [() => decryptUserData('', sealed.iv, key), key],
        [() => decryptUserData(sealed.encryptedData, '', key), key],
        [() => decryptUserData(sealed.encryptedData, sealed.iv, `${key.slice(0, 20)}AAAA`), `${key.slice(0, 20)}AAAA`],
      ];
      for (const [run, keyInUse] of attempts) {
        const err = catchDecryptError(run);
        expectNoKeyLeak(err, keyInUse);
        reasons.add(err.reason);
      }
      expect([...reasons].sort()).toEqual(
        ['APPID_MISMATCH', 'BAD_PADDING', 'INVALID_ENCRYPTED_DATA', 'INVALID_IV', 'INVALID_JSON', 'INVALID_SESSION_KEY'].sort(),
      );
    });
  });
});

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

describe('rawDataSignature (wx_getUserInfo_rawData_signature_sha1)', () => {
  const { rawData, sessionKey: signingKey } = rawDataVector.inputs;

  it('matches the official example', () => {
    expect(rawDataSignature(rawData, signingKey)).toBe(rawDataVector.expected.signature);
  });

  it('is 40 lowercase hex characters', () => {
    expect(rawDataSignature(rawData, signingKey)).toMatch(/^[0-9a-f]{40}$/);
  });

  it('changes with the data and with the session key', () => {
    expect(rawDataSignature(rawData.replace('Band', 'Bond'), signingKey)).not.toBe(rawDataVector.expected.signature);
    expect(rawDataSignature(rawData, keyFrom('other'))).not.toBe(rawDataVector.expected.signature);
  });

  it('hashes the session key string, not its decoded bytes', () => {
    const overDecodedKey = createHash('sha1')
      .update(Buffer.concat([Buffer.from(rawData, 'utf8'), bytesOf(signingKey)]))
      .digest('hex');
    expect(overDecodedKey).not.toBe(rawDataVector.expected.signature);
  });
});

describe('loginStateSignature (login_state_signature_hmac_sha256)', () => {
  const { post_data, session_key } = loginStateVector.inputs;
  const notes = loginStateVector.notes ?? '';

  it('matches the official HTTP-signature example over a POST body', () => {
    expect(loginStateSignature(session_key, post_data)).toBe(loginStateVector.expected.signature);
  });

  it('signs the empty body for wxa/checksession, as given in the vector notes', () => {
    const checksession = notes.match(/\b[0-9a-f]{64}\b/)?.[0];
    expect(checksession).toBe('46e043c5525c2d817c44be603d30837a808a1d930d038f6fdc3e62a201fed128');
    expect(loginStateSignature(session_key)).toBe(checksession);
    expect(loginStateSignature(session_key, '')).toBe(checksession);
  });

  it('keys the HMAC with the session key string: the base64-decoded key gives a different answer', () => {
    const wrongPrefix = notes.match(/base64-decoded key you get ([0-9a-f]+)/)?.[1];
    expect(wrongPrefix).toBe('bfa68836');
    const withDecodedKey = createHmac('sha256', bytesOf(session_key)).update(post_data, 'utf8').digest('hex');
    expect(withDecodedKey.startsWith(wrongPrefix as string)).toBe(true);
    expect(withDecodedKey).not.toBe(loginStateVector.expected.signature);
    expect(loginStateSignature(session_key, post_data)).not.toBe(withDecodedKey);
  });

  it('is 64 lowercase hex characters', () => {
    expect(loginStateSignature(session_key, post_data)).toMatch(/^[0-9a-f]{64}$/);
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
