import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { API_TOKEN_BYTES, generateApiToken, hashApiToken, isApiTokenShape } from './api-token.crypto';

function sha256sum(input: string): string {
  const out = execFileSync('sha256sum', [], { input: Buffer.from(input, 'utf8'), stdio: ['pipe', 'pipe', 'pipe'] });
  return out.toString('ascii').split(/\s/)[0];
}

function hasSha256sum(): boolean {
  try {
    execFileSync('sha256sum', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe('generateApiToken', () => {
  it('makes 40 base64url characters without padding', () => {
    for (let i = 0; i < 1000; i++) expect(generateApiToken()).toMatch(/^[A-Za-z0-9_-]{40}$/);
  });

  it('carries 30 bytes (240 bits, well over 160) of randomness', () => {
    expect(API_TOKEN_BYTES).toBe(30);
    const token = generateApiToken();
    const bytes = Buffer.from(token, 'base64url');
    expect(bytes).toHaveLength(30);
    expect(bytes.length * 8).toBeGreaterThanOrEqual(160);
    expect(bytes.toString('base64url')).toBe(token);
  });

  it('never repeats over 10,000 tokens', () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 10_000; i++) tokens.add(generateApiToken());
    expect(tokens.size).toBe(10_000);
  });

  it('uses the whole base64url alphabet, "-" and "_" included', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const ch of generateApiToken()) seen.add(ch);
    expect(seen.size).toBe(64);
  });

  it('has the shape isApiTokenShape accepts', () => {
    for (let i = 0; i < 1000; i++) expect(isApiTokenShape(generateApiToken())).toBe(true);
  });
});

describe('isApiTokenShape', () => {
  const token = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_Zz';

  it('accepts 40 base64url characters', () => {
    expect(token).toHaveLength(40);
    expect(isApiTokenShape(token)).toBe(true);
    expect(isApiTokenShape('-'.repeat(40))).toBe(true);
  });

  it.each([
    ['39 characters', token.slice(1)],
    ['41 characters', `${token}A`],
    ['empty', ''],
    ['a "+"', `+${token.slice(1)}`],
    ['a "/"', `/${token.slice(1)}`],
    ['a "=" at the end', `${token.slice(0, 39)}=`],
    ['a space inside', `${token.slice(0, 20)} ${token.slice(21)}`],
    ['a leading space', ` ${token.slice(1)}`],
    ['a trailing space', `${token.slice(0, 39)} `],
    ['a trailing newline', `${token.slice(0, 39)}\n`],
    ['a trailing newline after 40 characters', `${token}\n`],
    ['a "." (JWT-like)', `${token.slice(0, 20)}.${token.slice(21)}`],
    ['an accented letter', `é${token.slice(1)}`],
    ['a Cyrillic "а" that looks Latin', `\u0430${token.slice(1)}`],
    ['a full-width "Ａ"', `\uff21${token.slice(1)}`],
    ['an emoji', `😀${token.slice(2)}`],
    ['a NUL byte', `${token.slice(0, 39)}\u0000`],
    ['the "Token " scheme prefix left on', `Token ${token.slice(6)}`],
  ])('rejects a string with %s', (_label, value) => {
    expect(isApiTokenShape(value)).toBe(false);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 1234567890],
    ['an object', {}],
  ])('rejects %s', (_label, value) => {
    expect(isApiTokenShape(value as unknown as string)).toBe(false);
  });
});

describe('hashApiToken', () => {
  it('matches the FIPS 180-2 SHA-256 example for "abc"', () => {
    expect(hashApiToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('is the SHA-256 of the UTF-8 token, in 64 lowercase hex characters', () => {
    for (let i = 0; i < 200; i++) {
      const token = generateApiToken();
      const hash = hashApiToken(token);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(hash).toBe(createHash('sha256').update(Buffer.from(token, 'utf8')).digest('hex'));
    }
  });

  it('is deterministic and differs between tokens', () => {
    const a = generateApiToken();
    const b = generateApiToken();
    expect(hashApiToken(a)).toBe(hashApiToken(a));
    expect(hashApiToken(a)).not.toBe(hashApiToken(b));
    expect(hashApiToken(a)).not.toBe(a);
  });

  (hasSha256sum() ? describe : describe.skip)(
    `matches the sha256sum command${hasSha256sum() ? '' : ' - SKIPPED: no sha256sum command on PATH'}`,
    () => {
      it.each([
        ['a generated token', generateApiToken()],
        ['another generated token', generateApiToken()],
        ['an empty string', ''],
        ['non-ASCII text', '令牌-тест-😀'],
      ])('for %s', (_label, token) => {
        expect(hashApiToken(token)).toBe(sha256sum(token));
      });
    },
  );
});
