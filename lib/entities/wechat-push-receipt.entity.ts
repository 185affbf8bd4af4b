import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A message pushed by WeChat (消息推送) whose handlers ran and committed. Its unique key is what makes a redelivery a
 * duplicate: WeChat retries a push that was not answered `success` in time, and every copy after the first that
 * committed finds this row and runs nothing. Rows are kept for `push.dedupeTtlSeconds`, then removed.
 * @publicApi
 */
@Entity('miniprogram_push_receipt')
export class WeChatPushReceipt {
  @PrimaryGeneratedColumn()
  id!: number;

  /** `msg:<MsgId>` for messages that carry one, else `evt:` and the SHA-256 of the message's fields. */
  @Index('UQ_miniprogram_push_receipt_key', { unique: true })
  @Column({ name: 'dedupe_key', type: 'varchar', length: 80 })
  dedupeKey!: string;

  @Column({ name: 'msg_type', type: 'varchar', length: 32 })
  msgType!: string;

  /** The `Event` of an event push; `null` for messages. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  event!: string | null;

  /** The sender's openid (`FromUserName`), when the push has one. */
  @Column({ name: 'open_id', type: 'varchar', length: 128, nullable: true })
  openId!: string | null;

  /** After this the row may be removed, and a copy of the message would no longer be recognised. */
  @Index('IDX_miniprogram_push_receipt_expires')
  @Column({ name: 'expires_at', type: Date, precision: 3 })
  expiresAt!: Date;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
