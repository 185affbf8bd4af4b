import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { PayOrder } from './pay-order.entity';

/** WeChat's refund states. `PROCESSING` until the refund notification or `refundQuery` says otherwise. @publicApi */
export type PayRefundStatus = 'PROCESSING' | 'SUCCESS' | 'CHANGE' | 'REFUNDCLOSE';

/**
 * A refund of a {@link PayOrder}. Created when `WeChatPayService.refund` is accepted by WeChat,
 * settled exactly once by the refund notification (or `refundQuery`).
 * @publicApi
 */
@Entity('miniprogram_pay_refund')
export class PayRefund {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The merchant's refund number (at most 64 characters); retries reuse it. */
  @Index('UQ_miniprogram_pay_refund_out_refund_no', { unique: true })
  @Column({ name: 'out_refund_no', type: 'varchar', length: 64 })
  outRefundNo!: string;

  /** WeChat's refund id. */
  @Column({ name: 'refund_id', type: 'varchar', length: 32, nullable: true })
  refundId!: string | null;

  @Index('IDX_miniprogram_pay_refund_order')
  @Column({ name: 'order_id', type: 'int' })
  orderId!: number;

  @ManyToOne(() => PayOrder, (order) => order.refunds, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order?: PayOrder;

  /** The order's amount (fen). */
  @Column({ name: 'total_fee', type: 'int' })
  totalFee!: number;

  /** The refunded amount (fen). */
  @Column({ name: 'refund_fee', type: 'int' })
  refundFee!: number;

  @Column({ name: 'refund_desc', type: 'varchar', length: 80, nullable: true })
  refundDesc!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'PROCESSING' })
  status!: PayRefundStatus;

  @Column({ name: 'success_at', type: Date, precision: 3, nullable: true })
  successAt!: Date | null;

  /** Where the money went (`refund_recv_accout`, WeChat's spelling). */
  @Column({ name: 'recv_account', type: 'varchar', length: 64, nullable: true })
  recvAccount!: string | null;

  /** Until when one instance's reconciler (`PayReconciler`) owns the row; `null` when none does. */
  @Column({ name: 'reconcile_lease_until', type: Date, precision: 3, nullable: true })
  reconcileLeaseUntil!: Date | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
