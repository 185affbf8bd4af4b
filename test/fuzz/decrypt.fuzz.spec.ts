import fc from 'fast-check';
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import {
  buildPayXml,
  decryptRefundReqInfo,
  decryptUserData,
  encryptRefundReqInfo,
  encryptUserData,
  parsePayXml,
  PayCryptoError,
  UserDataDecryptError,
} from '../../lib';
import { anyString, flatEntries, recordOf } from './arbitraries';
import { configureFuzz } from './fuzz-settings';

configureFuzz();

const PAY_REASONS = ['INVALID_BASE64', 'INVALID_LENGTH', 'BAD_PADDING', 'INVALID_UTF8'];
const USER_REASONS = ['INVALID_SESSION_KEY', 'INVALID_IV', 'INVALID_ENCRYPTED_DATA', 'BAD_PADDING', 'INVALID_JSON', 'APPID_MISMATCH'];

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
/** Base64 of whole AES blocks (what gets past the length checks to the cipher). */
const blocks = (min = 1, max = 8) => fc.integer({ min, max }).chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n }));
/** Base64 as it arrives damaged: wrapped lines, spaces for `+`, stray characters, URL-safe alphabet. */
const damaged = (text: string) =>
  fc
    .constantFrom<(s: string) => string>(
      (s) => s.replace(/(.{8})/g, '$1\r\n'),
      (s) => s.replace(/\+/g, ' '),
      (s) => s.replace(/\+/g, '-').replace(/\//g, '_'),
      (s) => `${s}=`,
      (s) => s.replace(/=+$/, ''),
      (s) => `${s.slice(0, -2)}*${s.slice(-1)}`,
      (s) => s.slice(1),
      (s) => ` ${s}`,
      (s) => `${s}\u0000`,
    )
    .map((f) => f(text));

/** Independent AES-256-ECB with md5(key) (WeChat's refund req_info). */
function independentRefundEncrypt(plain: Buffer, apiKey: string): string {
  const key = Buffer.from(createHash('md5').update(apiKey, 'utf8').digest('hex'), 'ascii');
  const cipher = createCipheriv('aes-256-ecb', key, null);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function payOutcome(run: () => string): { ok: true; text: string } | { ok: false; reason: string } {
  try {
    return { ok: true, text: run() };
  } catch (error) {
    expect(error).toBeInstanceOf(PayCryptoError);
    expect(PAY_REASONS).toContain((error as PayCryptoError).reason);
    expect((error as Error).message).not.toMatch(/[0-9a-f]{32}/); // never the key
    return { ok: false, reason: (error as PayCryptoError).reason };
  }
}

function userOutcome(run: () => unknown): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    expect(error).toBeInstanceOf(UserDataDecryptError);
    expect(USER_REASONS).toContain((error as UserDataDecryptError).reason);
    return { ok: false, reason: (error as UserDataDecryptError).reason };
  }
}

const apiKey = fc.oneof(fc.stringMatching(/^[0-9A-Za-z]{32}$/), fc.string({ minLength: 1, maxLength: 40 }));

describe('decryptRefundReqInfo (fuzzed)', () => {
  const reqInfo = fc.oneof(
    anyString,
    fc.base64String({ maxLength: 200 }),
    blocks().map(b64),
    blocks().map(b64).chain(damaged),
    fc.tuple(anyString, apiKey).map(([plain, key]) => encryptRefundReqInfo(plain, key)),
    fc.tuple(fc.uint8Array({ maxLength: 100 }), apiKey).map(([plain, key]) => independentRefundEncrypt(Buffer.from(plain), key)),
  );

  it('only ever throws PayCryptoError, for any req_info and any key', () => {
    fc.assert(
      fc.property(reqInfo, apiKey, (text, key) => {
        const outcome = payOutcome(() => decryptRefundReqInfo(text, key));
        if (outcome.ok) expect(typeof outcome.text).toBe('string');
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips any well-formed text, and agrees with an independent AES-256-ECB implementation', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), apiKey, (plain, key) => {
        const encrypted = encryptRefundReqInfo(plain, key);
        expect(encrypted).toBe(independentRefundEncrypt(Buffer.from(plain, 'utf8'), key));
        expect(decryptRefundReqInfo(encrypted, key)).toBe(plain);
      }),
      { numRuns: 300 },
    );
  });

  it('decrypts any plaintext bytes with the right key: the text when they are UTF-8, else INVALID_UTF8', () => {
    const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.string({ unit: 'binary', maxLength: 20 }).map((s) => new Uint8Array(Buffer.from(s, 'utf8'))),
      fc.constantFrom(
        new Uint8Array([0xef, 0xbb, 0xbf, 0x3c]),
        new Uint8Array([0xed, 0xa0, 0x80]),
        new Uint8Array([0xc0, 0xaf]),
        new Uint8Array([0xe4, 0xb8]),
      ),
    );
    fc.assert(
      fc.property(bytes, apiKey, (plain, key) => {
        let expected: string | undefined;
        try {
          expected = strictUtf8.decode(plain);
        } catch {
          expected = undefined;
        }
        const outcome = payOutcome(() => decryptRefundReqInfo(independentRefundEncrypt(Buffer.from(plain), key), key));
        expect(outcome).toEqual(expected === undefined ? { ok: false, reason: 'INVALID_UTF8' } : { ok: true, text: expected });
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips a refund req_info record through buildPayXml, encryption and parsePayXml (root)', async () => {
    await fc.assert(
      fc.asyncProperty(flatEntries(10), apiKey, async (entries, key) => {
        const plain = buildPayXml(recordOf(entries), { root: 'root' });
        const parsed = await parsePayXml(decryptRefundReqInfo(encryptRefundReqInfo(plain, key), key), { root: 'root' });
        expect(Object.entries(parsed)).toEqual(entries);
      }),
      { numRuns: 200 },
    );
  });

  it('does not decrypt with another key (a PayCryptoError, or at worst text that is not the original)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }), apiKey, apiKey, (plain, key, other) => {
        fc.pre(createHash('md5').update(key).digest('hex') !== createHash('md5').update(other).digest('hex'));
        const outcome = payOutcome(() => decryptRefundReqInfo(encryptRefundReqInfo(plain, key), other));
        if (outcome.ok) expect(outcome.text).not.toBe(plain);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses truncated, extended and bit-flipped ciphertexts with PayCryptoError (or never yields the original)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }),
        apiKey,
        fc.constantFrom('truncate', 'extend', 'flip-last', 'flip-any'),
        fc.nat(),
        (plain, key, how, n) => {
          const data = Buffer.from(encryptRefundReqInfo(plain, key), 'base64');
          let changed: Buffer;
          if (how === 'truncate') changed = data.subarray(0, n % data.length);
          else if (how === 'extend') changed = Buffer.concat([data, Buffer.alloc(1 + (n % 17), n & 0xff)]);
          else {
            changed = Buffer.from(data);
            const at = how === 'flip-last' ? changed.length - 1 - (n % 16) : n % changed.length;
            changed[at] ^= 1 << (n % 8);
          }
          const outcome = payOutcome(() => decryptRefundReqInfo(changed.toString('base64'), key));
          if (outcome.ok) expect(outcome.text).not.toBe(plain);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decryptUserData (fuzzed)', () => {
  const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(b64);
  const maybeKey = fc.oneof(key16, key16.chain(damaged), anyString, fc.base64String({ maxLength: 40 }));
  const appId = fc.oneof(fc.stringMatching(/^wx[0-9a-z]{16}$/), anyString);
  const json = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.record({ watermark: fc.anything(), openId: fc.string() }).map((v) => JSON.stringify(v)),
    fc
      .record({ watermark: fc.record({ appid: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), timestamp: fc.integer() }) })
      .map((v) => JSON.stringify(v)),
    anyString,
  );
  const encryptedData = fc.oneof(anyString, fc.base64String({ maxLength: 200 }), blocks().map(b64), blocks().map(b64).chain(damaged));

  it('only ever throws UserDataDecryptError for arbitrary data, IV, session key and AppID', () => {
    fc.assert(
      fc.property(encryptedData, maybeKey, maybeKey, fc.option(appId, { nil: undefined }), (data, iv, sessionKey, app) => {
        const outcome = userOutcome(() => decryptUserData(data, iv, sessionKey, app));
        if (outcome.ok) {
          expect(typeof outcome.value).toBe('object');
          expect(Array.isArray(outcome.value)).toBe(false);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('only ever throws UserDataDecryptError for correctly encrypted payloads of any JSON (or not JSON at all)', () => {
    fc.assert(
      fc.property(json, key16, key16, fc.option(appId, { nil: undefined }), fc.boolean(), (payload, sessionKey, iv, app, rightKey) => {
        const { encryptedData: data } = encryptUserData(payload, sessionKey, iv);
        const outcome = userOutcome(() => decryptUserData(data, iv, rightKey ? sessionKey : Buffer.alloc(16, 7).toString('base64'), app));
        if (outcome.ok) {
          const value = outcome.value as { watermark?: { appid?: unknown } };
          expect(typeof value).toBe('object');
          if (app !== undefined) expect(value.watermark?.appid).toBe(app);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('round-trips any object with the right watermark, and refuses another AppID', () => {
    const payload = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 });
    fc.assert(
      fc.property(
        payload,
        key16,
        key16,
        fc.stringMatching(/^wx[0-9a-z]{16}$/),
        fc.stringMatching(/^wx[0-9a-z]{16}$/),
        (p, sessionKey, iv, app, other) => {
          const data = { ...p, watermark: { appid: app, timestamp: 1_700_000_000 } };
          const encrypted = encryptUserData(data, sessionKey, iv);
          expect(encrypted.iv).toBe(iv);
          expect(decryptUserData(encrypted.encryptedData, iv, sessionKey, app)).toEqual(JSON.parse(JSON.stringify(data)));
          // Independent AES-128-CBC decryption reads the same JSON.
          const decipher = createDecipheriv('aes-128-cbc', Buffer.from(sessionKey, 'base64'), Buffer.from(iv, 'base64'));
          const plain = Buffer.concat([decipher.update(Buffer.from(encrypted.encryptedData, 'base64')), decipher.final()]).toString('utf8');
          expect(JSON.parse(plain)).toEqual(JSON.parse(JSON.stringify(data)));
          if (other !== app) {
            const outcome = userOutcome(() => decryptUserData(encrypted.encryptedData, iv, sessionKey, other));
            expect(outcome).toEqual({ ok: false, reason: 'APPID_MISMATCH' });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not read data encrypted under a stale session key', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), key16, key16, key16, (nickName, stale, current, iv) => {
        fc.pre(stale !== current);
        const { encryptedData: data } = encryptUserData({ nickName, watermark: { appid: 'wx0123456789abcdef', timestamp: 1 } }, stale, iv);
        const outcome = userOutcome(() => decryptUserData(data, iv, current, 'wx0123456789abcdef'));
        expect(outcome.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
