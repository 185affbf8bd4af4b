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

  /** The original's README pattern: the host's entity owns a one-to-one link to PayOrder. */
  @OneToOne(() => PayOrder, { nullable: true, cascade: true, eager: true })
  @JoinColumn({ name: 'pay_order_id' })
  payOrder!: PayOrder | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
