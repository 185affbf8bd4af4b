import { DataSource, Repository } from 'typeorm';
import type { MiniProgramAuthService } from '../auth/mini-program-auth.service';
import { WeChatAccount } from '../entities/wechat-account.entity';
import { WeChatMediaCheck } from '../entities/wechat-media-check.entity';
import type { WeChatMediaCheckStatus } from '../entities/wechat-media-check.entity';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import type { MiniProgramProfileOptions } from '../interfaces';
import { resolveMiniProgramOptions } from '../options/mini-program-options.validation';
import type { MediaCheckResultEvent, TextCheckResult } from '../security/security.interfaces';
import type { WeChatSecurityService } from '../security/wechat-security.service';
import { CommitHooks } from './commit-hooks';
import type { AvatarStore } from './avatar.store';
import { GIF_1X1, pngImage } from './image.spec-kit';
import { ProfileAvatars } from './profile-avatars';
import { ProfileCheckUnavailableError, ProfileContentRefusedError, ProfileInputError } from './profile.errors';
import { WeChatProfileService } from './wechat-profile.service';

/** A store in memory: what it holds, and every removal. */
class MemoryStore implements AvatarStore {
  readonly files = new Map<string, Buffer>();
  readonly removed: string[] = [];
  private next = 0;
  async save({ bytes }: { bytes: Buffer }) {
    const key = `k${++this.next}.png`;
    this.files.set(key, bytes);
    return { key, url: `https://cdn.example.com/avatars/${key}` };
  }
  async remove(key: string) {
    this.removed.push(key);
    this.files.delete(key);
  }
}

const verdict = (suggest: TextCheckResult['suggest'], label = suggest === 'pass' ? 100 : 20006): TextCheckResult => ({
  suggest,
  label,
  traceId: 'text-trace',
  detail: [],
});

describe('WeChatProfileService', () => {
  let dataSource: DataSource;
  let accounts: Repository<WeChatAccount>;
  let checks: Repository<WeChatMediaCheck>;
  let store: MemoryStore;
  let security: { checkText: jest.Mock; checkMediaAsync: jest.Mock };
  let commitHooks: CommitHooks;
  let avatars: ProfileAvatars;
  let service: WeChatProfileService;
  let account: WeChatAccount;
  let traces = 0;

  beforeAll(async () => {
    dataSource = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      entities: [WeChatAccount, WeChatMediaCheck],
      synchronize: true,
    });
    await dataSource.initialize();
    accounts = dataSource.getRepository(WeChatAccount);
    checks = dataSource.getRepository(WeChatMediaCheck);
    commitHooks = new CommitHooks(accounts);
    commitHooks.onModuleInit();
  });
  afterAll(async () => {
    commitHooks.onModuleDestroy();
    await dataSource.destroy();
  });

  /** The service with `profile` options (the store is added unless `avatarStore: undefined` is given). */
  function setUp(profile: MiniProgramProfileOptions = {}) {
    const options = resolveMiniProgramOptions({
      appId: 'wx4f4bc4dec97d474b',
      appSecret: '0123456789abcdef0123456789abcdef',
      push: { token: 'pushToken123' },
      profile: { avatarStore: store, ...profile },
    });
    const auth = { getAccount: (id: number) => accounts.findOneBy({ id }) } as unknown as MiniProgramAuthService;
    avatars = new ProfileAvatars(options, accounts, checks, auth, commitHooks);
    service = new WeChatProfileService(options, accounts, security as unknown as WeChatSecurityService, auth, avatars);
  }

  beforeEach(async () => {
    store = new MemoryStore();
    security = {
      checkText: jest.fn().mockResolvedValue(verdict('pass')),
      // As the real service: WeChat answers a trace id, and the check is recorded as pending.
      checkMediaAsync: jest.fn(async ({ mediaUrl, openId }: { mediaUrl: string; openId: string }) => {
        const traceId = `trace-${++traces}`;
        await checks.insert({ traceId, openId, mediaUrl, mediaType: 'image', status: 'pending', label: null, resolvedAt: null });
        return { traceId };
      }),
    };
    setUp();
    await accounts.clear(); // the store's keys start again at k1: no account of an earlier test may name them
    const openId = `oProfile${Date.now()}${Math.random().toString(36).slice(2, 8)}`;
    account = await accounts.save(
      accounts.create({ openId, unionId: null, nickName: '微信用户', avatarUrl: 'https://thirdwx.qlogo.cn/grey' }),
    );
  });

  const stored = () => accounts.findOneByOrFail({ id: account.id });
  const latestTrace = async () => (await stored()).avatarCheckTraceId as string;

  /** WeChat's verdict as the push pipeline hands it over: the check resolved, the handler called, in one transaction. */
  async function deliver(traceId: string, status: Exclude<WeChatMediaCheckStatus, 'pending'>, fail = false): Promise<void> {
    await dataSource.transaction(async (manager) => {
      await manager.update(WeChatMediaCheck, { traceId }, { status });
      const check = await manager.findOneByOrFail(WeChatMediaCheck, { traceId });
      await avatars.checked({ traceId, status, check, manager } as MediaCheckResultEvent);
      if (fail) throw new Error('a later handler failed');
    });
  }

  /** What `run` throws. */
  const thrown = (run: Promise<unknown>) =>
    run.then(
      () => undefined,
      (error: unknown) => error,
    );

  describe('the nickname', () => {
    it('is checked in the Profile scene as the user, and saved when WeChat passes it', async () => {
      await accounts.update({ id: account.id }, { pendingNickName: '旧的' });
      const answer = await service.update(account, { nickName: ' 小明 ' });
      expect(security.checkText).toHaveBeenCalledWith({ content: '小明', nickname: '小明', openId: account.openId, scene: 1 });
      expect(answer).toMatchObject({
        id: account.id,
        nickName: '小明',
        pendingNickName: null,
        pending: { nickName: false, avatar: false },
      });
      expect(answer).not.toHaveProperty('sessionKey');
      expect(await stored()).toMatchObject({ nickName: '小明', pendingNickName: null });
    });

    it.each([
      ['hold', { nickName: '微信用户', pendingNickName: '加微信' }],
      ['accept', { nickName: '加微信', pendingNickName: null }],
    ] as const)('sent to review, follows nicknameReview %s', async (nicknameReview, expected) => {
      setUp({ nicknameReview });
      security.checkText.mockResolvedValue(verdict('review', 10001));
      const answer = await service.update(account, { nickName: '加微信' });
      expect(answer).toMatchObject({ ...expected, pending: { nickName: nicknameReview === 'hold', avatar: false } });
      expect(await stored()).toMatchObject(expected);
    });

    it.each([
      ['risky', 'hold'],
      ['review', 'reject'],
    ] as const)('found %s (policy %s) is refused, and nothing of the request is saved or stored', async (suggest, nicknameReview) => {
      setUp({ nicknameReview });
      security.checkText.mockResolvedValue(verdict(suggest, 20006));
      const error = await thrown(service.update(account, { nickName: '违禁', avatar: pngImage() }));
      expect(error).toBeInstanceOf(ProfileContentRefusedError);
      expect(error).toMatchObject({ field: 'nickName', suggest, label: 20006, traceId: 'text-trace' });
      expect(await stored()).toMatchObject({ nickName: '微信用户', pendingNickName: null, pendingAvatarUrl: null });
      expect(store.files.size).toBe(0);
      expect(security.checkMediaAsync).not.toHaveBeenCalled();
    });

    it.each([
      ['busy', 5],
      ['timeout', 30],
      ['network', 30],
    ] as const)('is not saved when WeChat is %s: 503 with Retry-After %i', async (kind, seconds) => {
      security.checkText.mockRejectedValue(new WeChatUnavailableError('msgSecCheck', kind, 'down'));
      const error = await thrown(service.update(account, { nickName: '小明', avatar: pngImage() }));
      expect(error).toBeInstanceOf(ProfileCheckUnavailableError);
      expect(error).toMatchObject({ retryAfterSeconds: seconds, cause: expect.any(WeChatUnavailableError) });
      expect(await stored()).toMatchObject({ nickName: '微信用户', pendingAvatarUrl: null });
      expect(store.files.size).toBe(0);
    });

    it('lets WeChat refusals through as they are', async () => {
      security.checkText.mockRejectedValue(new WeChatApiError('msgSecCheck', 61010, 'user in invalid status'));
      await expect(service.update(account, { nickName: '小明' })).rejects.toBeInstanceOf(WeChatApiError);
    });

    it('held, is decided by the host', async () => {
      security.checkText.mockResolvedValue(verdict('review'));
      await service.update(account, { nickName: '待审' });
      await expect(service.reviewNickName(account.id, 'accept')).resolves.toBe(true);
      expect(await stored()).toMatchObject({ nickName: '待审', pendingNickName: null });
      await service.update(account, { nickName: '再审' });
      await expect(service.reviewNickName(account.id, 'reject')).resolves.toBe(true);
      expect(await stored()).toMatchObject({ nickName: '待审', pendingNickName: null });
      await expect(service.reviewNickName(account.id, 'accept')).resolves.toBe(false);
    });
  });

  describe('the avatar', () => {
    it('is stored, checked by its URL and kept pending with its key and trace', async () => {
      const answer = await service.update(account, { avatar: pngImage(), avatarFilename: 'avatar.png' });
      expect(security.checkMediaAsync).toHaveBeenCalledWith({
        mediaUrl: 'https://cdn.example.com/avatars/k1.png',
        mediaType: 'image',
        openId: account.openId,
        scene: 1,
      });
      expect(answer).toMatchObject({
        avatarUrl: 'https://thirdwx.qlogo.cn/grey',
        pendingAvatarUrl: 'https://cdn.example.com/avatars/k1.png',
        pending: { nickName: false, avatar: true },
      });
      expect(await stored()).toMatchObject({ pendingAvatarKey: 'k1.png', avatarCheckTraceId: 'trace-' + traces, avatarKey: null });
      expect([...store.files.keys()]).toEqual(['k1.png']);
    });

    it('is shown when WeChat passes it, and the avatar it replaces is removed after the commit', async () => {
      await service.update(account, { avatar: pngImage() });
      await deliver(await latestTrace(), 'pass');
      expect(await stored()).toMatchObject({
        avatarUrl: 'https://cdn.example.com/avatars/k1.png',
        avatarKey: 'k1.png',
        pendingAvatarUrl: null,
      });
      await service.update(account, { avatar: GIF_1X1 });
      await deliver(await latestTrace(), 'pass');
      expect(await stored()).toMatchObject({ avatarUrl: 'https://cdn.example.com/avatars/k2.png', avatarKey: 'k2.png' });
      await avatars.beforeApplicationShutdown(); // removals run after the commit, without holding up the push's answer
      expect(store.removed).toEqual(['k1.png']);
      expect([...store.files.keys()]).toEqual(['k2.png']);
    });

    it.each(['risky', 'failed'] as const)('is withdrawn when the check is %s: removed from the store, pending cleared', async (status) => {
      await service.update(account, { avatar: pngImage() });
      await deliver(await latestTrace(), status);
      await avatars.beforeApplicationShutdown();
      expect(await stored()).toMatchObject({ avatarUrl: 'https://thirdwx.qlogo.cn/grey', pendingAvatarUrl: null, pendingAvatarKey: null });
      expect(store.files.size).toBe(0);
    });

    it('changes nothing, and removes nothing, when the push transaction rolls back', async () => {
      await service.update(account, { avatar: pngImage() });
      await expect(deliver(await latestTrace(), 'risky', true)).rejects.toThrow('a later handler failed');
      await avatars.beforeApplicationShutdown();
      expect(await stored()).toMatchObject({ pendingAvatarKey: 'k1.png' });
      expect(store.removed).toEqual([]);
      await deliver(await latestTrace(), 'risky'); // WeChat delivers again
      await avatars.beforeApplicationShutdown();
      expect(store.removed).toEqual(['k1.png']);
    });

    it.each([
      ['hold', { pendingAvatarKey: 'k1.png', avatarKey: null }],
      ['accept', { pendingAvatarKey: null, avatarKey: 'k1.png' }],
      ['reject', { pendingAvatarKey: null, avatarKey: null }],
    ] as const)('sent to review, follows avatarReview %s', async (avatarReview, expected) => {
      setUp({ avatarReview });
      await service.update(account, { avatar: pngImage() });
      await deliver(await latestTrace(), 'review');
      expect(await stored()).toMatchObject(expected);
    });

    it('held, is decided by the host', async () => {
      await service.update(account, { avatar: pngImage() });
      await deliver(await latestTrace(), 'review');
      await expect(service.reviewAvatar(account.id, 'accept')).resolves.toBe(true);
      expect(await stored()).toMatchObject({ avatarKey: 'k1.png', pendingAvatarKey: null });
      await service.update(account, { avatar: pngImage() });
      await expect(service.reviewAvatar(account.id, 'reject')).resolves.toBe(true);
      await expect(service.reviewAvatar(account.id, 'reject')).resolves.toBe(false);
      await avatars.beforeApplicationShutdown();
      expect(await stored()).toMatchObject({ avatarKey: 'k1.png', pendingAvatarKey: null });
      expect([...store.files.keys()]).toEqual(['k1.png']);
    });

    it('replaces a pending one: its file is removed, and its late verdict changes nothing', async () => {
      await service.update(account, { avatar: pngImage() });
      const first = await latestTrace();
      await service.update(account, { avatar: GIF_1X1 });
      expect(store.removed).toEqual(['k1.png']);
      await deliver(first, 'pass');
      expect(await stored()).toMatchObject({ avatarKey: null, pendingAvatarKey: 'k2.png' });
    });

    it("with avatarPolicy 'accept' is shown at once, and taken down if WeChat finds it risky", async () => {
      setUp({ avatarPolicy: 'accept' });
      const answer = await service.update(account, { avatar: pngImage() });
      expect(answer).toMatchObject({
        avatarUrl: 'https://cdn.example.com/avatars/k1.png',
        pendingAvatarUrl: null,
        pending: { avatar: false },
      });
      await service.update(account, { avatar: GIF_1X1 });
      expect(store.removed).toEqual(['k1.png']);
      await deliver(await latestTrace(), 'risky');
      await avatars.beforeApplicationShutdown();
      expect(await stored()).toMatchObject({ avatarUrl: null, avatarKey: null });
      expect(store.files.size).toBe(0);
    });

    it('is removed again, with the nickname unsaved, when WeChat cannot start its check', async () => {
      security.checkMediaAsync.mockRejectedValue(new WeChatUnavailableError('mediaCheckAsync', 'busy', 'errcode -1'));
      const error = await thrown(service.update(account, { nickName: '小明', avatar: pngImage() }));
      expect(error).toBeInstanceOf(ProfileCheckUnavailableError);
      expect(store.removed).toEqual(['k1.png']);
      expect(store.files.size).toBe(0);
      expect(await stored()).toMatchObject({ nickName: '微信用户', pendingAvatarUrl: null, avatarCheckTraceId: null });
    });

    it('is removed again when the store answers something the account cannot keep', async () => {
      jest.spyOn(store, 'save').mockResolvedValue({ key: 'k9.png', url: 'ftp://cdn.example.com/k9.png' });
      await expect(service.update(account, { avatar: pngImage() })).rejects.toThrow(/http\(s\) URL/);
      expect(store.removed).toEqual(['k9.png']);
      expect(security.checkMediaAsync).not.toHaveBeenCalled();
    });

    it('gets a verdict that arrived before the upload was written to the account', async () => {
      security.checkMediaAsync.mockImplementation(async ({ mediaUrl, openId }: { mediaUrl: string; openId: string }) => {
        const traceId = `trace-${++traces}`;
        // The push came first: the module's handler resolved the record, and found no account to apply it to.
        await checks.insert({ traceId, openId, mediaUrl, mediaType: 'image', status: 'risky', label: 20002, resolvedAt: new Date() });
        return { traceId };
      });
      const answer = await service.update(account, { avatar: pngImage() });
      await avatars.beforeApplicationShutdown();
      expect(answer).toMatchObject({ pendingAvatarUrl: null, pending: { avatar: false } });
      expect(store.files.size).toBe(0);
    });

    it('is refused without an avatar store, naming the option', async () => {
      setUp({ avatarStore: undefined });
      const error = await thrown(service.update(account, { avatar: pngImage() }));
      expect(error).toBeInstanceOf(ProfileInputError);
      expect(error).toMatchObject({ status: 400, message: expect.stringContaining('profile.avatarStore') });
    });

    it('keeps a file that another account still names (a store that names files by their content)', async () => {
      const other = await accounts.save(accounts.create({ openId: `${account.openId}x`, avatarKey: 'k1.png' }));
      await service.update(account, { avatar: pngImage() });
      await deliver(await latestTrace(), 'risky');
      await avatars.beforeApplicationShutdown();
      expect(store.removed).toEqual([]);
      await accounts.delete({ id: other.id });
    });
  });
});
