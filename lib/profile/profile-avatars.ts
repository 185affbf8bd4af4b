import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import type { EntityManager, FindOptionsWhere } from 'typeorm';
import { MiniProgramAuthService } from '../auth/mini-program-auth.service';
import { WeChatAccount } from '../entities/wechat-account.entity';
import { WeChatMediaCheck } from '../entities/wechat-media-check.entity';
import type { WeChatMediaCheckStatus } from '../entities/wechat-media-check.entity';
import type { ResolvedMiniProgramOptions, ResolvedProfileOptions } from '../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { PROFILE_DEFAULTS } from '../options/profile-options.validation';
import { OnMediaCheckResult } from '../security/media-check.decorators';
import type { MediaCheckResultEvent } from '../security/security.interfaces';
import { InflightWork } from '../utils/inflight-work';
import { CommitHooks } from './commit-hooks';

/** The columns that say which avatars an account has. @internal */
export const AVATAR_COLUMNS = {
  id: true,
  avatarUrl: true,
  avatarKey: true,
  pendingAvatarUrl: true,
  pendingAvatarKey: true,
  avatarCheckTraceId: true,
} as const;

/** An account's avatars, as {@link AVATAR_COLUMNS} selects them. @internal */
export type AccountAvatars = Pick<WeChatAccount, keyof typeof AVATAR_COLUMNS>;

/** What a verdict or a review does to an uploaded avatar. */
type AvatarAction = 'show' | 'withdraw' | 'hold';

/** How long shutdown waits for store removals under way. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * The condition that the account's avatars are still as `account` read them: every write of them is a compare-and-set on
 * it, so that an upload, a verdict and a review racing each other never remove from the store a file the account was
 * just given, nor leave one it no longer names.
 * @internal
 */
export function unchangedAvatars(account: AccountAvatars): FindOptionsWhere<WeChatAccount> {
  return {
    id: account.id,
    avatarKey: account.avatarKey ?? IsNull(),
    pendingAvatarKey: account.pendingAvatarKey ?? IsNull(),
    avatarCheckTraceId: account.avatarCheckTraceId ?? IsNull(),
  };
}

/**
 * The life of an uploaded avatar after its upload: WeChat's verdict (`wxa_media_check`, through `@OnMediaCheckResult()`,
 * in the push's transaction) or the host's review shows it (promoted from `pendingAvatarUrl` to `avatarUrl`, the previous
 * file removed from the store) or withdraws it (its file removed, or under `avatarPolicy: 'accept'` the shown avatar
 * taken down). A verdict finds its account by `avatarCheckTraceId`, so that of an avatar replaced meanwhile changes
 * nothing. Files are removed only after the commit, and only when no account names them any more.
 * @internal
 */
@Injectable()
export class ProfileAvatars implements BeforeApplicationShutdown {
  private readonly logger = new Logger('MiniProgram');
  private readonly removals = new InflightWork();
  private readonly settings: ResolvedProfileOptions;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) options: ResolvedMiniProgramOptions,
    @InjectRepository(WeChatAccount) private readonly accounts: Repository<WeChatAccount>,
    @InjectRepository(WeChatMediaCheck) private readonly checks: Repository<WeChatMediaCheck>,
    private readonly auth: MiniProgramAuthService,
    private readonly commitHooks: CommitHooks,
  ) {
    this.settings = options.profile ?? PROFILE_DEFAULTS;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.removals.drain(SHUTDOWN_GRACE_MS);
  }

  @OnMediaCheckResult()
  async checked({ check, status, manager }: MediaCheckResultEvent): Promise<void> {
    await this.settle(manager, check, status);
  }

  /**
   * Applies a media check's verdict if it arrived before the upload was written to the account (the handler then found
   * no account to apply it to): called right after that write.
   */
  async catchUp(traceId: string): Promise<void> {
    const check = await this.checks.findOneBy({ traceId });
    if (!check || check.status === 'pending') return;
    await this.settle(this.accounts.manager, check, check.status); // conditional: a verdict applied meanwhile changes nothing
  }

  /**
   * Shows or withdraws an account's pending avatar (a host's review): `false` when it has none, or it changed meanwhile.
   */
  async review(account: AccountAvatars, show: boolean): Promise<boolean> {
    return this.resolve(this.accounts.manager, account, show ? 'show' : 'withdraw', null);
  }

  /**
   * Removes files from the store once no account names them any more (a store that names files by their content gives
   * the same key to the same image). Never throws: a file left behind is logged, the profile stays as saved.
   */
  async removeUnused(keys: ReadonlyArray<string | null>): Promise<void> {
    const store = this.settings.avatarStore;
    for (const key of new Set(keys)) {
      if (key === null || !store) continue;
      try {
        if ((await this.accounts.countBy([{ avatarKey: key }, { pendingAvatarKey: key }])) > 0) continue;
        await store.remove(key);
      } catch (error) {
        this.logger.warn(`avatar ${key} could not be removed from the store: ${(error as Error).message}`);
      }
    }
  }

  private async settle(manager: EntityManager, check: WeChatMediaCheck, status: Exclude<WeChatMediaCheckStatus, 'pending'>): Promise<void> {
    const account = await manager.findOne(WeChatAccount, { where: { avatarCheckTraceId: check.traceId }, select: AVATAR_COLUMNS });
    if (!account || check.mediaUrl === null) return; // not the check of an account's latest avatar
    if (status === 'failed') {
      this.logger.warn(`WeChat could not check avatar ${check.mediaUrl} (can it download the store's URLs?): the avatar is withdrawn`);
    }
    const action = this.actionOf(status);
    if (action === 'hold') this.logger.log(`avatar of account ${account.id} sent to review: held until the host decides`);
    else await this.resolve(manager, account, action, check.mediaUrl);
  }

  private actionOf(status: Exclude<WeChatMediaCheckStatus, 'pending'>): AvatarAction {
    if (status === 'pass') return 'show';
    if (status === 'review') return ({ hold: 'hold', accept: 'show', reject: 'withdraw' } as const)[this.settings.avatarReview];
    return 'withdraw'; // risky, or not checkable: never shown unchecked
  }

  /**
   * Shows or withdraws the pending avatar, or withdraws the shown one that `checkedUrl` names (`avatarPolicy: 'accept'`
   * shows avatars before their verdict); with `checkedUrl` the pending one must be that URL too. One conditional update;
   * the replaced or withdrawn file is removed after the commit.
   */
  private async resolve(
    manager: EntityManager,
    account: AccountAvatars,
    action: 'show' | 'withdraw',
    checkedUrl: string | null,
  ): Promise<boolean> {
    let changes: Partial<WeChatAccount>;
    let unused: string | null;
    if (account.pendingAvatarKey !== null && (checkedUrl === null || account.pendingAvatarUrl === checkedUrl)) {
      const cleared = { pendingAvatarUrl: null, pendingAvatarKey: null };
      changes = action === 'show' ? { avatarUrl: account.pendingAvatarUrl, avatarKey: account.pendingAvatarKey, ...cleared } : cleared;
      unused = action === 'show' ? account.avatarKey : account.pendingAvatarKey;
    } else if (action === 'withdraw' && checkedUrl !== null && account.avatarKey !== null && account.avatarUrl === checkedUrl) {
      changes = { avatarUrl: null, avatarKey: null };
      unused = account.avatarKey;
    } else return false;
    const result = await manager.update(WeChatAccount, unchangedAvatars(account), changes);
    if (!result.affected) return false;
    await this.commitHooks.afterCommit(manager, async () => {
      await this.auth.getAccount(account.id, { fresh: true }); // this process's cache of accounts shows the change at once
      void this.removals.track(this.removeUnused([unused]));
    });
    return true;
  }
}
