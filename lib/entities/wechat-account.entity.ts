import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A mini program user: the principal of every API token. `id` is the `user_id` returned by
 * login. The session key is never selected unless asked for (`select: false`), never returned
 * and never logged.
 * @publicApi
 */
@Entity('miniprogram_wechat_account')
export class WeChatAccount {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The user's openid under this mini program's AppID. */
  @Index('UQ_miniprogram_wechat_account_open_id', { unique: true })
  @Column({ name: 'open_id', type: 'varchar', length: 64 })
  openId!: string;

  /** The unionid, when the mini program is bound to an Open Platform account. */
  @Index('IDX_miniprogram_wechat_account_union_id')
  @Column({ name: 'union_id', type: 'varchar', length: 64, nullable: true })
  unionId!: string | null;

  /** The session key from the latest login (base64 of 16 bytes). */
  @Column({ name: 'session_key', type: 'varchar', length: 64, nullable: true, select: false })
  sessionKey?: string | null;

  @Column({ name: 'nick_name', type: 'varchar', length: 100, nullable: true })
  nickName!: string | null;

  @Column({ name: 'avatar_url', type: 'varchar', length: 1024, nullable: true })
  avatarUrl!: string | null;

  /**
   * A nickname the user chose that WeChat's check sent to review (`profile.nicknameReview: 'hold'`): kept here, not
   * shown, until the host decides (`WeChatProfileService.reviewNickName`); `nickName` stays as it was meanwhile.
   */
  @Column({ name: 'pending_nick_name', type: 'varchar', length: 100, nullable: true })
  pendingNickName!: string | null;

  /** An uploaded avatar waiting for WeChat's verdict (`wxa_media_check`): the URL the store gave it, not shown yet. */
  @Column({ name: 'pending_avatar_url', type: 'varchar', length: 1024, nullable: true })
  pendingAvatarUrl!: string | null;

  /** The `profile.avatarStore` key of `pendingAvatarUrl`, to remove the file if the avatar is withdrawn or replaced. */
  @Column({ name: 'pending_avatar_key', type: 'varchar', length: 255, nullable: true })
  pendingAvatarKey!: string | null;

  /** The store key of `avatarUrl` when it is an uploaded avatar (`null` for WeChat's own URLs), removed when replaced. */
  @Column({ name: 'avatar_key', type: 'varchar', length: 255, nullable: true })
  avatarKey!: string | null;

  /** The `trace_id` of the media check of the latest uploaded avatar: how its pushed verdict finds the account. */
  @Index('IDX_miniprogram_wechat_account_avatar_check')
  @Column({ name: 'avatar_check_trace_id', type: 'varchar', length: 128, nullable: true })
  avatarCheckTraceId!: string | null;

  /** 0 unknown, 1 male, 2 female, as WeChat sends it. */
  @Column({ type: 'smallint', nullable: true })
  gender!: number | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  city!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  province!: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  country!: string | null;

  @Column({ type: 'varchar', length: 20, nullable: true })
  language!: string | null;

  /** The phone number with country code as WeChat gives it (e.g. `13800138000`, `+14155550100`). */
  @Column({ name: 'phone_number', type: 'varchar', length: 32, nullable: true })
  phoneNumber!: string | null;

  @Column({ name: 'pure_phone_number', type: 'varchar', length: 32, nullable: true })
  purePhoneNumber!: string | null;

  @Column({ name: 'country_code', type: 'varchar', length: 8, nullable: true })
  countryCode!: string | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
