import { createHash, createHmac } from 'node:crypto';
import { vector } from '../../test/fixtures/vectors';
import { loginStateSignature, rawDataSignature } from './user-data.crypto';
import { bytesOf, keyFrom } from './user-data.crypto.spec-kit';

const rawDataVector = vector<{ rawData: string; sessionKey: string }, { signature: string }>('wx_getUserInfo_rawData_signature_sha1');
const loginStateVector = vector<{ post_data: string; session_key: string }, { signature: string }>('login_state_signature_hmac_sha256');

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
