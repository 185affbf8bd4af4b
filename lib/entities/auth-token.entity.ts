import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { WeChatAccount } from './wechat-account.entity';

/**
 * An API token of a {@link WeChatAccount}. Only the SHA-256 hash of the token is stored; an
 * account has one token per device that logged in.
 * @publicApi
 */
@Entity('miniprogram_auth_token')
export class AuthToken {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Lowercase hex SHA-256 of the token. */
  @Index('UQ_miniprogram_auth_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash!: string;

  @Index('IDX_miniprogram_auth_token_account')
  @Column({ name: 'account_id', type: 'int' })
  accountId!: number;

  @ManyToOne(() => WeChatAccount, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id' })
  account?: WeChatAccount;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  /** When the token stops being accepted; `null` for never. */
  @Column({ name: 'expires_at', type: Date, precision: 3, nullable: true })
  expiresAt!: Date | null;

  /** When the token was revoked (logout); `null` while it is valid. */
  @Column({ name: 'revoked_at', type: Date, precision: 3, nullable: true })
  revokedAt!: Date | null;
}
