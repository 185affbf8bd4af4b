import { createNonceStr, randomBase64Url } from './random.util';

describe('createNonceStr', () => {
  it('makes 32 characters of [A-Za-z0-9] by default', () => {
    for (let i = 0; i < 1000; i++) expect(createNonceStr()).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it.each([1, 8, 16, 31, 32, 64])('makes exactly %i characters when asked', (length) => {
    const nonce = createNonceStr(length);
    expect(nonce).toHaveLength(length);
    expect(nonce).toMatch(/^[A-Za-z0-9]+$/);
  });

  it('makes an empty string for length 0', () => {
    expect(createNonceStr(0)).toBe('');
  });

  it('never repeats over 10,000 nonces', () => {
    const nonces = new Set<string>();
    for (let i = 0; i < 10_000; i++) nonces.add(createNonceStr());
    expect(nonces.size).toBe(10_000);
  });

  it('uses all 62 characters, each roughly equally often', () => {
    const counts = new Map<string, number>();
    const samples = 2000;
    for (let i = 0; i < samples; i++) for (const ch of createNonceStr()) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    const expected = (samples * 32) / 62;
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(expected * 0.7);
      expect(count).toBeLessThan(expected * 1.3);
    }
  });
});

describe('randomBase64Url', () => {
  it.each([1, 2, 3, 16, 30, 32, 33])('encodes %i random bytes as unpadded base64url', (bytes) => {
    const value = randomBase64Url(bytes);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(value).toHaveLength(Math.ceil((bytes * 4) / 3));
    expect(Buffer.from(value, 'base64url')).toHaveLength(bytes);
    expect(Buffer.from(value, 'base64url').toString('base64url')).toBe(value);
  });

  it('makes an empty string for 0 bytes', () => {
    expect(randomBase64Url(0)).toBe('');
  });

  it('never repeats over 10,000 values of 16 bytes', () => {
    const values = new Set<string>();
    for (let i = 0; i < 10_000; i++) values.add(randomBase64Url(16));
    expect(values.size).toBe(10_000);
  });
});
