import { createDecipheriv, randomBytes } from 'node:crypto';
import { UserDataDecryptReason } from '../errors/user-data-decrypt.error';
import { decryptUserData, encryptUserData } from './user-data.crypto';
import {
  appId,
  bytesOf,
  catchDecryptError,
  demo,
  emptyPlaintext,
  encryptedData,
  expectNoKeyLeak,
  expectReason,
  iv,
  keyFrom,
  randomKey,
  sessionKey,
  withByteXored,
} from './user-data.crypto.spec-kit';

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
