import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * The states of a merchant transfer bill (商家转账), as WeChat Pay names them. `SUCCESS`, `FAIL` and `CANCELLED` are
 * final. @publicApi
 */
export type PayTransferState =
  'ACCEPTED' | 'PROCESSING' | 'WAIT_USER_CONFIRM' | 'TRANSFERING' | 'SUCCESS' | 'FAIL' | 'CANCELING' | 'CANCELLED';

/** The final states of a transfer: reached once, never left. @publicApi */
export const PAY_TRANSFER_FINAL_STATES: readonly PayTransferState[] = ['SUCCESS', 'FAIL', 'CANCELLED'];

/**
 * A merchant transfer to a user's WeChat balance (商家转账, user-confirmation mode). The row is written before WeChat
 * is asked, under a unique `outBillNo`, so that a retried create never pays twice; `transferBillNo` is known once WeChat
 * answered. Host entities point at it with `@OneToOne(() => PayTransfer) @JoinColumn()`. The final state comes from the
 * `MCHTRANSFER.BILL.FINISHED` notification or `syncTransfer`, exactly once.
 * @publicApi
 */
@Entity('miniprogram_pay_transfer')
export class PayTransfer {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The merchant's bill number (`out_bill_no`, 1–32 letters or digits); retries reuse it. */
  @Index('UQ_miniprogram_pay_transfer_out_bill_no', { unique: true })
  @Column({ name: 'out_bill_no', type: 'varchar', length: 32 })
  outBillNo!: string;

  /** WeChat's bill number (`transfer_bill_no`), once WeChat accepted the bill. */
  @Index('UQ_miniprogram_pay_transfer_transfer_bill_no', { unique: true })
  @Column({ name: 'transfer_bill_no', type: 'varchar', length: 64, nullable: true })
  transferBillNo!: string | null;

  /** The receiving user's openid under the mini program's AppID. */
  @Index('IDX_miniprogram_pay_transfer_open_id')
  @Column({ name: 'open_id', type: 'varchar', length: 128 })
  openId!: string;

  /** The amount in fen. */
  @Column({ name: 'transfer_amount', type: 'int' })
  transferAmount!: number;

  @Column({ name: 'transfer_scene_id', type: 'varchar', length: 36 })
  transferSceneId!: string;

  /** What the user sees (`transfer_remark`, at most 32 characters). */
  @Column({ name: 'transfer_remark', type: 'varchar', length: 32 })
  transferRemark!: string;

  /** WeChat's state; `ACCEPTED` from the reservation until WeChat tells another. */
  @Column({ type: 'varchar', length: 24, default: 'ACCEPTED' })
  state!: PayTransferState;

  /** Why it failed or was cancelled (`fail_reason`), when WeChat says. */
  @Column({ name: 'fail_reason', type: 'varchar', length: 64, nullable: true })
  failReason!: string | null;

  /**
   * A keyed digest (HMAC-SHA256 under a key derived from the APIv3 key) of what was asked: a retry with the same
   * `outBillNo` must ask the same. The user's name is never stored, only inside this digest.
   */
  @Column({ name: 'request_digest', type: 'varchar', length: 64 })
  requestDigest!: string;

  /** When the bill reached its final state (WeChat's `update_time`, else when it was applied). */
  @Column({ name: 'finished_at', type: Date, precision: 3, nullable: true })
  finishedAt!: Date | null;

  /** Until when one instance's reconciler (`PayReconciler`) owns the row; `null` when none does. */
  @Column({ name: 'reconcile_lease_until', type: Date, precision: 3, nullable: true })
  reconcileLeaseUntil!: Date | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
