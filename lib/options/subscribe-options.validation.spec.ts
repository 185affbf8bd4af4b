import { MiniProgramOptionsError } from '../errors/mini-program-options.error';
import { resolveMiniProgramOptions } from './mini-program-options.validation';

const valid = { appId: 'wx4f4bc4dec97d474b', appSecret: '0123456789abcdef0123456789abcdef' };
const push = { token: 'AAAAA' };
const resolve = (extra: Record<string, unknown>) => () => resolveMiniProgramOptions({ ...valid, ...extra } as never);

/** The problems the options are refused for. */
function refusal(extra: Record<string, unknown>): MiniProgramOptionsError['problems'] {
  let thrown: unknown;
  try {
    resolve(extra)();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(MiniProgramOptionsError);
  return (thrown as MiniProgramOptionsError).problems;
}

describe('subscribe options', () => {
  it('keeps what was given, with recordConsent false by default', () => {
    expect(resolve({})().subscribe).toBeUndefined();
    expect(resolve({ subscribe: {} })().subscribe).toEqual({ recordConsent: false });
    expect(resolve({ push, subscribe: { recordConsent: true } })().subscribe).toEqual({ recordConsent: true });
  });

  it('refuses to record consent without push: the answers arrive as pushes', () => {
    expect(refusal({ subscribe: { recordConsent: true } })).toEqual([
      {
        key: 'subscribe.recordConsent',
        messages: ["subscribe.recordConsent needs push: the users' answers to the subscribe pop-up arrive as message pushes"],
      },
    ]);
  });

  it.each([
    [{ recordConsent: 'yes' }, 'subscribe.recordConsent'],
    [{ recordConsent: true, record: true }, 'subscribe.record'],
    ['on', 'subscribe'],
  ])('refuses %j, naming %s', (subscribe, key) => {
    expect(refusal({ push, subscribe }).map((problem) => problem.key)).toContain(key);
  });
});
