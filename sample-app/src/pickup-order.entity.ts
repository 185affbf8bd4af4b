import { Column, CreateDateColumn, Entity, JoinColumn, OneToOne, PrimaryGeneratedColumn } from 'typeorm';
import { PayOrder } from 'nestjs-miniprogram-api';

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

  /** CREATED → PAID → FULFILLED; REFUNDED after a settled full refund. */
  @Column({ type: 'varchar', length: 16, default: 'CREATED' })
  status!: 'CREATED' | 'FULFILLED' | 'REFUNDED';

  /** How many times the paid-handler ran for this order: exactly once, whatever WeChat re-sends. */
  @Column({ name: 'fulfilled_count', type: 'int', default: 0 })
  fulfilledCount!: number;

  /** The original's README pattern: the host's entity owns a one-to-one link to PayOrder. */
  @OneToOne(() => PayOrder, { nullable: true, cascade: true, eager: true })
  @JoinColumn({ name: 'pay_order_id' })
  payOrder!: PayOrder | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;
}
