import { MiniProgramOptionsError } from '../errors/mini-program-options.error';
import { MemoryAccessTokenStore } from '../wechat/access-token.store';
import { resolveMiniProgramOptions } from './mini-program-options.validation';

const valid = { appId: 'wx4f4bc4dec97d474b', appSecret: '0123456789abcdef0123456789abcdef' };

function problems(raw: unknown): Record<string, string[]> {
  try {
    resolveMiniProgramOptions(raw as never);
  } catch (error) {
    expect(error).toBeInstanceOf(MiniProgramOptionsError);
    return Object.fromEntries((error as MiniProgramOptionsError).problems.map((p) => [p.key, p.messages]));
  }
  throw new Error('expected the options to be rejected');
}

describe('resolveMiniProgramOptions', () => {
  it('fills in every default', () => {
    expect(resolveMiniProgramOptions(valid)).toEqual({
      ...valid,
      apiBaseUrl: 'https://api.weixin.qq.com',
      token: { ttlSeconds: 2_592_000, cacheTtlSeconds: 30, cacheMaxEntries: 10_000 },
      http: { timeoutMs: 5000, retries: 2, retryDelayMs: 200 },
      accessTokenStore: undefined,
    });
  });

  it('keeps given values, merges sections key by key and trims trailing slashes of the base URL', () => {
    const store = new MemoryAccessTokenStore();
    const resolved = resolveMiniProgramOptions({
      ...valid,
      apiBaseUrl: 'http://127.0.0.1:3001//',
      token: { cacheTtlSeconds: 0 },
      http: { retries: 0, timeoutMs: undefined },
      accessTokenStore: store,
    });
    expect(resolved.apiBaseUrl).toBe('http://127.0.0.1:3001');
    expect(resolved.token).toEqual({ ttlSeconds: 2_592_000, cacheTtlSeconds: 0, cacheMaxEntries: 10_000 });
    expect(resolved.http).toEqual({ timeoutMs: 5000, retries: 0, retryDelayMs: 200 });
    expect(resolved.accessTokenStore).toBe(store);
  });

  it.each([
    ['appId missing', { appSecret: valid.appSecret }, 'appId'],
    ['appId not a wx AppID', { ...valid, appId: 'wx123' }, 'appId'],
    ['appId a number', { ...valid, appId: 42 }, 'appId'],
    ['appSecret empty', { ...valid, appSecret: '' }, 'appSecret'],
    ['appSecret with spaces', { ...valid, appSecret: ' '.repeat(32) }, 'appSecret'],
    ['apiBaseUrl not http', { ...valid, apiBaseUrl: 'ftp://example.com' }, 'apiBaseUrl'],
    ['apiBaseUrl not a URL', { ...valid, apiBaseUrl: 'api.weixin' }, 'apiBaseUrl'],
    ['negative ttl', { ...valid, token: { ttlSeconds: -1 } }, 'token.ttlSeconds'],
    ['fractional timeout', { ...valid, http: { timeoutMs: 1.5 } }, 'http.timeoutMs'],
    ['too many retries', { ...valid, http: { retries: 11 } }, 'http.retries'],
    ['unknown key', { ...valid, appid: 'x' }, 'appid'],
    ['unknown nested key', { ...valid, token: { ttl: 5 } }, 'token.ttl'],
    ['a store without methods', { ...valid, accessTokenStore: {} }, 'accessTokenStore'],
  ])('rejects %s', (_name, raw, key) => {
    expect(Object.keys(problems(raw))).toEqual([key]);
  });

  it('lists every bad key in one error and one message', () => {
    const found = problems({ appId: 'x', appSecret: 1, apiBaseUrl: 'nope', http: { retries: -1 } });
    expect(Object.keys(found).sort()).toEqual(['apiBaseUrl', 'appId', 'appSecret', 'http.retries']);
    let message = '';
    try {
      resolveMiniProgramOptions({ appId: 'x', appSecret: 'y' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid MiniProgramModule options \(2 problems\):\n {2}- appId: .*\n {2}- appSecret: /);
  });

  it('never echoes the secret in the message', () => {
    const secret = 'this-is-not-a-valid-secret-value!';
    let message = '';
    try {
      resolveMiniProgramOptions({ ...valid, appSecret: secret });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('appSecret');
    expect(message).not.toContain(secret);
  });

  it.each([undefined, null, 'wx4f4bc4dec97d474b', 42])('rejects %p as options', (raw) => {
    expect(() => resolveMiniProgramOptions(raw as never)).toThrow(MiniProgramOptionsError);
  });
});
