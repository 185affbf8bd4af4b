import { LocalDirectoryAvatarStore } from '../profile/avatar.store';
import { resolveMiniProgramOptions } from './mini-program-options.validation';
import { optionProblems as problems, VALID_OPTIONS as valid } from './options.spec-kit';

const push = { token: 'pushToken123' };
const store = new LocalDirectoryAvatarStore('/tmp/avatars', 'https://cdn.example.com/avatars');

describe('profile options', () => {
  it('fills in the defaults and keeps the store as given', () => {
    expect(resolveMiniProgramOptions({ ...valid, push, profile: { avatarStore: store } }).profile).toEqual({
      avatarStore: store,
      avatarMaxBytes: 2 * 1024 * 1024,
      nicknameReview: 'hold',
      avatarReview: 'hold',
      avatarPolicy: 'hold',
    });
    expect(resolveMiniProgramOptions({ ...valid, profile: {} }).profile).toMatchObject({
      avatarStore: undefined,
      avatarMaxBytes: 2_097_152,
    });
    expect(resolveMiniProgramOptions(valid).profile).toBeUndefined();
  });

  it('keeps given values', () => {
    const profile = { avatarMaxBytes: 1024, nicknameReview: 'reject', avatarReview: 'accept', avatarPolicy: 'accept' } as const;
    expect(resolveMiniProgramOptions({ ...valid, profile }).profile).toEqual({ ...profile, avatarStore: undefined });
  });

  it('refuses an avatar store without push: its verdicts could never arrive', () => {
    expect(problems({ ...valid, profile: { avatarStore: store } })).toEqual({
      'profile.avatarStore': [expect.stringMatching(/needs push/)],
    });
  });

  it.each([
    ['not an object', 'avatars', 'profile'],
    ['an unknown key', { avatarDir: '/tmp' }, 'profile.avatarDir'],
    ['a store without remove', { avatarStore: { save: async () => ({}) } }, 'profile.avatarStore'],
    ['a store that is null', { avatarStore: null }, 'profile.avatarStore'],
    ['a size below 1 KiB', { avatarMaxBytes: 1023 }, 'profile.avatarMaxBytes'],
    ['a size above what WeChat checks', { avatarMaxBytes: 10 * 1024 * 1024 + 1 }, 'profile.avatarMaxBytes'],
    ['a fractional size', { avatarMaxBytes: 2048.5 }, 'profile.avatarMaxBytes'],
    ['an unknown nickname policy', { nicknameReview: 'ignore' }, 'profile.nicknameReview'],
    ['an unknown avatar review policy', { avatarReview: true }, 'profile.avatarReview'],
    ['an avatar policy of reject', { avatarPolicy: 'reject' }, 'profile.avatarPolicy'],
  ])('refuses %s', (_what, profile, key) => {
    expect(Object.keys(problems({ ...valid, push, profile }))).toEqual([key]);
  });
});
