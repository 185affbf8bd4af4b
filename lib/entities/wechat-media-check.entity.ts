import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Where a media check stands: `pending` until WeChat pushes its verdict (within 30 minutes, WeChat says), then the
 * verdict's `suggest` (`pass`, `review`, `risky`), or `failed` when WeChat could not check the media (the push's errcode,
 * e.g. -1008: the URL could not be downloaded).
 * @publicApi
 */
export type WeChatMediaCheckStatus = 'pending' | 'pass' | 'review' | 'risky' | 'failed';

/** What was checked: `media_type` 2 (图片) or 1 (音频). @publicApi */
export type WeChatMediaType = 'image' | 'audio';

/**
 * One asynchronous media check (mediaCheckAsync): written `pending` by `WeChatSecurityService.checkMediaAsync` with the
 * `trace_id` WeChat answered, and resolved by the module's handler of the `wxa_media_check` push, in the push's
 * transaction. The row is what makes a verdict reach the `@OnMediaCheckResult()` handlers exactly once: the handler
 * resolves it with an update conditioned on `pending`, so a second push of the same `trace_id` (WeChat's retry with other
 * fields, or a copy the push receipt no longer recognises) finds it resolved and delivers nothing. A verdict whose
 * `trace_id` has no row (a check started elsewhere, or before the row was written) gets one, without the media's URL.
 * @publicApi
 */
@Entity('miniprogram_media_check')
export class WeChatMediaCheck {
  @PrimaryGeneratedColumn()
  id!: number;

  /** WeChat's `trace_id`: the call's answer, and the push's key to it. */
  @Index('UQ_miniprogram_media_check_trace', { unique: true })
  @Column({ name: 'trace_id', type: 'varchar', length: 128 })
  traceId!: string;

  /** The user whose media it is; for a check this module did not start, the push's `FromUserName` when it is an openid. */
  @Column({ name: 'open_id', type: 'varchar', length: 128, nullable: true })
  openId!: string | null;

  /** The URL WeChat downloaded; `null` for a check this module did not start (the push does not carry it). */
  @Column({ name: 'media_url', type: 'varchar', length: 2048, nullable: true })
  mediaUrl!: string | null;

  @Column({ name: 'media_type', type: 'varchar', length: 8, nullable: true })
  mediaType!: WeChatMediaType | null;

  @Column({ type: 'varchar', length: 16 })
  status!: WeChatMediaCheckStatus;

  /** The verdict's label (100 normal, 20001 politics, 20002 porn, 20006 crime, 21000 other); `null` until resolved, or failed. */
  @Column({ type: 'int', nullable: true })
  label!: number | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  /** When the verdict (or the failure) arrived. */
  @Column({ name: 'resolved_at', type: Date, precision: 3, nullable: true })
  resolvedAt!: Date | null;
}
