import { Column, CreateDateColumn, Entity, Index, JoinColumn, OneToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PayOrder } from 'nestjs-miniprogram-api';

/**
 * What became of the "order paid" subscribe message: `PENDING` (queued in the payment's transaction), `SENDING`, then
 * `SENT`, `SKIPPED` (the consent record has no acceptance: WeChat was not asked), `REFUSED` (WeChat's 43101 or 43108)
 * or `FAILED` (an error). `null`: no message is configured.
 */
export type PaidMessageStatus = 'PENDING' | 'SENDING' | 'SENT' | 'SKIPPED' | 'REFUSED' | 'FAILED';

/** The sample's business order: a pickup order paid with WeChat Pay, linked to its PayOrder. */
@Entity('sample_pickup_order')
export class PickupOrder {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'account_id', type: 'int' })
  accountId!: number;

  @Column({ type: 'varchar', length: 127 })
  description!: string;

  /** Fen. */
  @Column({ name: 'total_fee', type: 'int' })
  totalFee!: number;

  /**
   * CREATED → FULFILLED (paid) → COMPLETED (WeChat settled it: the user confirmed receipt); REFUNDED after a settled
   * full refund.
   */
  @Column({ type: 'varchar', length: 16, default: 'CREATED' })
  status!: 'CREATED' | 'FULFILLED' | 'COMPLETED' | 'REFUNDED';

  /** How many times the paid-handler ran for this order: exactly once, whatever WeChat re-sends. */
  @Column({ name: 'fulfilled_count', type: 'int', default: 0 })
  fulfilledCount!: number;

  /** The "order paid" subscribe message (see {@link PaidMessageStatus}); indexed for the sender's look for `PENDING`. */
  @Index('IDX_sample_pickup_order_paid_message')
  @Column({ name: 'paid_message', type: 'varchar', length: 16, nullable: true })
  paidMessage!: PaidMessageStatus | null;

  /** Why it was not sent: the consent record's answer, WeChat's errcode, or the error. */
  @Column({ name: 'paid_message_detail', type: 'varchar', length: 255, nullable: true })
  paidMessageDetail!: string | null;

  /**
   * The cash back (a merchant transfer of WeChat Pay API v3, see order-money.service.ts): its `out_bill_no`, derived from
   * the order (`CB<id>`), so that a double tap never pays twice.
   */
  @Index('IDX_sample_pickup_order_cashback')
  @Column({ name: 'cashback_out_bill_no', type: 'varchar', length: 32, nullable: true })
  cashbackOutBillNo!: string | null;

  /** Fen. */
  @Column({ name: 'cashback_amount', type: 'int', nullable: true })
  cashbackAmount!: number | null;

  /**
   * `REQUESTED` (before WeChat answered), then the transfer's state as WeChat names it (`WAIT_USER_CONFIRM`, …); the final
   * `SUCCESS`, `FAIL` or `CANCELLED` is written by the transfer handlers only, in the transfer's transaction.
   */
  @Column({ name: 'cashback_state', type: 'varchar', length: 24, nullable: true })
  cashbackState!: string | null;

  /** The profit split to the partner (`SP<id>`), see order-money.service.ts. */
  @Index('IDX_sample_pickup_order_split')
  @Column({ name: 'split_out_order_no', type: 'varchar', length: 64, nullable: true })
  splitOutOrderNo!: string | null;

  /** Fen. */
  @Column({ name: 'split_amount', type: 'int', nullable: true })
  splitAmount!: number | null;

  /** `REQUESTED`, `PROCESSING`, then `FINISHED` (written by the settled handler only). */
  @Column({ name: 'split_state', type: 'varchar', length: 16, nullable: true })
  splitState!: string | null;

  /** The partner's result once `FINISHED`: `SUCCESS`, or `CLOSED` with WeChat's reason. */
  @Column({ name: 'split_result', type: 'varchar', length: 64, nullable: true })
  splitResult!: string | null;

  /** The original's README pattern: the host's entity owns a one-to-one link to PayOrder. */
  @OneToOne(() => PayOrder, { nullable: true, cascade: true, eager: true })
  @JoinColumn({ name: 'pay_order_id' })
  payOrder!: PayOrder | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
