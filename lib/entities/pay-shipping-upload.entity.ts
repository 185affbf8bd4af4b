import { Column, CreateDateColumn, Entity, Index, JoinColumn, OneToOne, PrimaryGeneratedColumn } from 'typeorm';
import type { PayOrder } from './pay-order.entity';

/** Where an automatic shipping upload stands. @publicApi */
export type PayShippingUploadStatus = 'PENDING' | 'SENDING' | 'SENT' | 'FAILED';

/**
 * An automatic upload of shipping info (`shipping.autoUpload`), queued in the transaction that marks its order paid
 * (an outbox row) and sent after commit, retried with backoff until WeChat accepts it. One row per order (a unique
 * key), sent by one instance at a time (a lease taken by a conditional update).
 * @publicApi
 */
@Entity('miniprogram_shipping_upload')
export class PayShippingUpload {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index('UQ_miniprogram_shipping_upload_order', { unique: true })
  @Column({ name: 'order_id', type: 'int' })
  orderId!: number;

  @OneToOne('PayOrder', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order?: PayOrder;

  /** WeChat's logistics type: 3 virtual goods, 4 self-pickup (the types that need no tracking number). */
  @Column({ name: 'logistics_type', type: 'smallint' })
  logisticsType!: 3 | 4;

  /** The goods description sent as `item_desc` (at most 120 characters). */
  @Column({ name: 'item_desc', type: 'varchar', length: 120 })
  itemDesc!: string;

  @Index('IDX_miniprogram_shipping_upload_due')
  @Column({ type: 'varchar', length: 16, default: 'PENDING' })
  status!: PayShippingUploadStatus;

  /** How many times sending was started. */
  @Column({ type: 'int', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: Date, precision: 3 })
  nextAttemptAt!: Date;

  /** While `SENDING`: until when the instance that took it owns it; after that another instance may take it over. */
  @Column({ name: 'lease_until', type: Date, precision: 3, nullable: true })
  leaseUntil!: Date | null;

  /** Why the last attempt failed (WeChat's errcode and errmsg, or the kind of failure); never a secret. */
  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true })
  lastError!: string | null;

  @Column({ name: 'sent_at', type: Date, precision: 3, nullable: true })
  sentAt!: Date | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
