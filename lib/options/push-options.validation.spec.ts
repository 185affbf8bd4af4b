import { MiniProgramOptionsError } from '../errors/mini-program-options.error';
import { resolveMiniProgramOptions } from './mini-program-options.validation';

const valid = { appId: 'wx4f4bc4dec97d474b', appSecret: '0123456789abcdef0123456789abcdef' };
const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';

function problems(push: unknown): Record<string, string[]> {
  try {
    resolveMiniProgramOptions({ ...valid, push } as never);
  } catch (error) {
    expect(error).toBeInstanceOf(MiniProgramOptionsError);
    return Object.fromEntries((error as MiniProgramOptionsError).problems.map((p) => [p.key, p.messages]));
  }
  throw new Error('expected the options to be rejected');
}

describe('push options', () => {
  it('fills in the defaults and keeps what was given', () => {
    expect(resolveMiniProgramOptions({ ...valid, push: { token: 'AAAAA' } }).push).toEqual({
      token: 'AAAAA',
      encodingAesKey: undefined,
      format: undefined,
      maxAgeSeconds: 300,
      dedupeTtlSeconds: 86_400,
    });
    expect(
      resolveMiniProgramOptions({
        ...valid,
        push: { token: 'AAAAA', encodingAesKey: KEY, format: 'xml', maxAgeSeconds: 60, dedupeTtlSeconds: 120 },
      }).push,
    ).toEqual({ token: 'AAAAA', encodingAesKey: KEY, format: 'xml', maxAgeSeconds: 60, dedupeTtlSeconds: 120 });
    expect(resolveMiniProgramOptions(valid).push).toBeUndefined();
  });

  it.each([
    [{}, 'push.token'],
    [{ token: 'AA' }, 'push.token'],
    [{ token: 'A'.repeat(33) }, 'push.token'],
    [{ token: 'has space' }, 'push.token'],
    [{ token: 'AAAAA', encodingAesKey: KEY.slice(1) }, 'push.encodingAesKey'],
    [{ token: 'AAAAA', encodingAesKey: `${KEY}=` }, 'push.encodingAesKey'],
    [{ token: 'AAAAA', encodingAesKey: `${KEY.slice(1)}+` }, 'push.encodingAesKey'],
    [{ token: 'AAAAA', encodingAesKey: 42 }, 'push.encodingAesKey'],
    [{ token: 'AAAAA', format: 'yaml' }, 'push.format'],
    [{ token: 'AAAAA', maxAgeSeconds: 0 }, 'push.maxAgeSeconds'],
    [{ token: 'AAAAA', dedupeTtlSeconds: 30 }, 'push.dedupeTtlSeconds'],
    [{ token: 'AAAAA', maxAgeSeconds: 600, dedupeTtlSeconds: 900 }, 'push.dedupeTtlSeconds'],
    [{ token: 'AAAAA', mode: 'safe' }, 'push.mode'],
  ])('refuses %j, naming %s', (push, key) => {
    expect(Object.keys(problems(push))).toContain(key);
  });

  it('never quotes the token or the key in its messages', () => {
    const found = problems({ token: 'secretToken!', encodingAesKey: `${KEY.slice(0, 42)}!` });
    expect(JSON.stringify(found)).not.toContain('secretToken');
    expect(JSON.stringify(found)).not.toContain(KEY.slice(0, 42));
  });

  it('refuses a push that is not an object', () => {
    expect(Object.keys(problems('AAAAA'))).toContain('push');
  });
});
