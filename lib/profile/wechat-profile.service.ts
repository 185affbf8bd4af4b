import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MiniProgramAuthService } from '../auth/mini-program-auth.service';
import { WeChatAccount } from '../entities/wechat-account.entity';
import { WeChatUnavailableError } from '../errors/wechat-api.error';
import type { PlatformRequest } from '../http/request-body';
import type { ResolvedMiniProgramOptions, ResolvedProfileOptions } from '../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { PROFILE_DEFAULTS } from '../options/profile-options.validation';
import { ContentSecurityScene } from '../security/security.interfaces';
import { WeChatSecurityService } from '../security/wechat-security.service';
import type { StoredAvatar } from './avatar.store';
import { AVATAR_COLUMNS, ProfileAvatars, unchangedAvatars } from './profile-avatars';
import { checkProfileInput, readProfileRequest } from './profile-input';
import type { ProfileChanges } from './profile-input';
import { ProfileCheckUnavailableError, ProfileContentRefusedError, ProfileInputError } from './profile.errors';
import { toProfileUpdateView } from './profile.interfaces';
import type { ProfileReviewDecision, ProfileUpdateInput, WeChatProfileUpdateView } from './profile.interfaces';

/** Retry-After for a busy WeChat (errcode -1): it usually answers again within seconds. */
const RETRY_BUSY_SECONDS = 5;
/** Retry-After when WeChat could not be reached, timed out or answered unusably: give it longer. */
const RETRY_UNREACHABLE_SECONDS = 30;
/** Compare-and-set attempts of an avatar write before giving up on an account whose avatars keep changing. */
const WRITE_ATTEMPTS = 5;
/** The longest URL the account's avatar columns keep. */
const MAX_AVATAR_URL = 1024;
const MAX_AVATAR_KEY = 255;

/**
 * The profile users fill in today: since 2022-10-25 `wx.getUserInfo` answers a grey avatar and the nickname 微信用户, and
 * mini programs collect both with the fill-in components (`open-type="chooseAvatar"`, `<input type="nickname">`). This
 * saves them behind WeChat's content security, and never half: a nickname is checked at once (`risky` is refused,
 * `review` follows `profile.nicknameReview`); an avatar is stored, its asynchronous check started, and kept pending
 * (`pendingAvatarUrl`) until the verdict arrives by message push (or shown at once with `profile.avatarPolicy:
 * 'accept'`, and taken down if risky). When WeChat cannot check, nothing is saved and a stored avatar is removed again.
 * `POST {routePrefix}/profile` calls it; hosts with routes of their own call {@link read} and {@link update}.
 * @publicApi
 */
@Injectable()
export class WeChatProfileService {
  private readonly settings: ResolvedProfileOptions;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) options: ResolvedMiniProgramOptions,
    @InjectRepository(WeChatAccount) private readonly accounts: Repository<WeChatAccount>,
    private readonly security: WeChatSecurityService,
    private readonly auth: MiniProgramAuthService,
    private readonly avatars: ProfileAvatars,
  ) {
    this.settings = options.profile ?? PROFILE_DEFAULTS;
  }

  /**
   * Reads a profile update from a request as Express or Fastify hands it to a route (`@Req()`): `multipart/form-data`
   * with an optional `nickName` field and an optional `avatar` file, or JSON `{ nickName }`. On Fastify, mark your route
   * so that a multipart body reaches it unread (the module's own route does).
   * @throws ProfileInputError 400, 413 or 415 for a body that is none of these or breaks their limits.
   */
  read(request: PlatformRequest): Promise<ProfileUpdateInput> {
    return readProfileRequest(request, this.settings.avatarMaxBytes);
  }

  /**
   * Checks and saves a profile update of `account`: the nickname through `checkText` (scene Profile), the avatar
   * through `profile.avatarStore` and `checkMediaAsync`, then both in one write of the account.
   * @returns the account as saved, and what of it is pending.
   * @throws ProfileInputError for input that is refused before WeChat is asked (also: an avatar without `avatarStore`).
   * @throws ProfileContentRefusedError when WeChat found the nickname risky (or to review, under `nicknameReview: 'reject'`).
   * @throws ProfileCheckUnavailableError when WeChat could not check now; nothing was saved.
   * @throws WeChatApiError when WeChat refused the check (e.g. 61010: the user has not opened the mini program lately).
   */
  async update(account: Pick<WeChatAccount, 'id' | 'openId'>, input: ProfileUpdateInput): Promise<WeChatProfileUpdateView> {
    const changes = checkProfileInput(input, this.settings.avatarMaxBytes);
    if (changes.avatar && !this.settings.avatarStore) {
      throw new ProfileInputError(400, 'avatars are not accepted: the module is configured without profile.avatarStore');
    }
    const fields = changes.nickName === undefined ? {} : await this.checkNickName(account.openId, changes.nickName);
    if (changes.avatar) await this.saveAvatar(account, changes.avatar, fields);
    else await this.accounts.update({ id: account.id }, fields);
    return toProfileUpdateView(await this.reload(account.id));
  }

  /**
   * The host's decision on a nickname held for review (`pendingNickName`): `accept` makes it the nickname, `reject`
   * drops it. List the accounts waiting with `pendingNickName: Not(IsNull())`.
   * @returns whether a held nickname was decided (`false` when there was none).
   */
  async reviewNickName(accountId: number, decision: ProfileReviewDecision): Promise<boolean> {
    const account = await this.accounts.findOne({ where: { id: accountId }, select: { id: true, pendingNickName: true } });
    const held = account?.pendingNickName;
    if (!held) return false;
    const changes = decision === 'accept' ? { nickName: held, pendingNickName: null } : { pendingNickName: null };
    const result = await this.accounts.update({ id: accountId, pendingNickName: held }, changes);
    await this.reload(accountId);
    return (result.affected ?? 0) > 0;
  }

  /**
   * The host's decision on an avatar held for review (`pendingAvatarUrl`, after a `review` verdict under
   * `avatarReview: 'hold'`, or still waiting for a verdict): `accept` shows it (the previous file is removed from the
   * store), `reject` withdraws it (its file is removed).
   * @returns whether a pending avatar was decided (`false` when there was none).
   */
  async reviewAvatar(accountId: number, decision: ProfileReviewDecision): Promise<boolean> {
    const account = await this.accounts.findOne({ where: { id: accountId }, select: AVATAR_COLUMNS });
    if (!account || account.pendingAvatarKey === null) return false;
    return this.avatars.review(account, decision === 'accept');
  }

  /** The changes a nickname makes, by WeChat's verdict and `nicknameReview`. */
  private async checkNickName(openId: string, nickName: string): Promise<Partial<WeChatAccount>> {
    const verdict = await whileAvailable(() =>
      this.security.checkText({ content: nickName, openId, scene: ContentSecurityScene.Profile, nickname: nickName }),
    );
    const policy = verdict.suggest === 'pass' ? 'accept' : verdict.suggest === 'risky' ? 'reject' : this.settings.nicknameReview;
    if (policy === 'reject') {
      throw new ProfileContentRefusedError('nickName', verdict.suggest as 'risky' | 'review', verdict.label, verdict.traceId);
    }
    return policy === 'hold' ? { pendingNickName: nickName } : { nickName, pendingNickName: null };
  }

  /**
   * Stores the avatar, starts its check and writes it to the account with `fields`; anything failing on the way removes
   * the stored file again. The files the new avatar replaces are removed once the write is done.
   */
  private async saveAvatar(
    account: Pick<WeChatAccount, 'id' | 'openId'>,
    avatar: NonNullable<ProfileChanges['avatar']>,
    fields: Partial<WeChatAccount>,
  ): Promise<void> {
    const { openId } = account;
    const stored = await this.settings.avatarStore!.save({ bytes: avatar.bytes, contentType: avatar.contentType, openId });
    let traceId: string;
    let replaced: Array<string | null>;
    try {
      checkStored(stored);
      ({ traceId } = await whileAvailable(() =>
        this.security.checkMediaAsync({ mediaUrl: stored.url, mediaType: 'image', openId, scene: ContentSecurityScene.Profile }),
      ));
      replaced = await this.writeAvatar(account.id, stored, traceId, fields);
    } catch (error) {
      await this.avatars.removeUnused([stored.key]);
      throw error;
    }
    await this.avatars.removeUnused(replaced);
    await this.avatars.catchUp(traceId);
  }

  /** One compare-and-set write of the account's avatars (and `fields`); the keys it replaced. */
  private async writeAvatar(
    id: number,
    stored: StoredAvatar,
    traceId: string,
    fields: Partial<WeChatAccount>,
  ): Promise<Array<string | null>> {
    const shown = this.settings.avatarPolicy === 'accept';
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await this.accounts.findOneOrFail({ where: { id }, select: AVATAR_COLUMNS });
      const avatar = shown
        ? { avatarUrl: stored.url, avatarKey: stored.key, pendingAvatarUrl: null, pendingAvatarKey: null }
        : { pendingAvatarUrl: stored.url, pendingAvatarKey: stored.key };
      const result = await this.accounts.update(unchangedAvatars(current), { ...fields, ...avatar, avatarCheckTraceId: traceId });
      if ((result.affected ?? 0) > 0) return shown ? [current.avatarKey, current.pendingAvatarKey] : [current.pendingAvatarKey];
    }
    throw new Error(`the avatars of WeChatAccount ${id} changed ${WRITE_ATTEMPTS} times while a new one was saved`);
  }

  /** The account as saved, also into this process's cache of accounts (the guard's `request.user`). */
  private async reload(id: number): Promise<WeChatAccount> {
    const account = await this.auth.getAccount(id, { fresh: true });
    if (!account) throw new Error(`WeChatAccount ${id} disappeared`);
    return account;
  }
}

/** Runs a content check, turning "WeChat cannot check now" into the 503 of the profile. */
async function whileAvailable<T>(check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof WeChatUnavailableError)) throw error;
    throw new ProfileCheckUnavailableError(error.kind === 'busy' ? RETRY_BUSY_SECONDS : RETRY_UNREACHABLE_SECONDS, { cause: error });
  }
}

/** A store's answer the account's columns can keep and WeChat can download; anything else is the store's bug. */
function checkStored(stored: StoredAvatar): void {
  const { key, url } = stored ?? {};
  if (typeof key !== 'string' || key === '' || key.length > MAX_AVATAR_KEY) {
    throw new Error(`profile.avatarStore.save() must answer a key of 1 to ${MAX_AVATAR_KEY} characters`);
  }
  if (typeof url !== 'string' || !/^https?:\/\/[^/\s]/i.test(url) || url.length > MAX_AVATAR_URL) {
    throw new Error(`profile.avatarStore.save() must answer an http(s) URL of at most ${MAX_AVATAR_URL} characters`);
  }
}
