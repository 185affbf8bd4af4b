import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { PayOrder } from './pay-order.entity';

/** The states of a profit-sharing order (分账单), as WeChat Pay names them: `FINISHED` is final. @publicApi */
export type PayProfitShareState = 'PROCESSING' | 'FINISHED';

/** Who receives a share: a merchant (by mch_id) or a user (by openid under the mini program's AppID). @publicApi */
export type PayProfitSharingReceiverType = 'MERCHANT_ID' | 'PERSONAL_OPENID';

/** One receiver of a split as stored (the receiver's name is never stored). @publicApi */
export interface PayProfitShareReceiver {
  type: PayProfitSharingReceiverType;
  account: string;
  /** Fen. */
  amount: number;
  description: string;
  /** WeChat's result for this receiver: `PENDING`, `SUCCESS` or `CLOSED`, once WeChat answered. */
  result?: 'PENDING' | 'SUCCESS' | 'CLOSED';
  /** Why it was closed (`fail_reason`, e.g. `NO_RELATION`). */
  failReason?: string;
  /** WeChat's `detail_id`. */
  detailId?: string;
}

/**
 * A profit-sharing order (分账单) of a paid {@link PayOrder}. The row is reserved before WeChat is asked, under a unique
 * `outOrderNo`, once the order is known to have room for its amount: the sum of an order's splits never exceeds the
 * configured share of the payment (30% by default), and with the refunds never the payment itself. A request WeChat
 * refuses releases its row; a retry with the same `outOrderNo` never splits twice. `FINISHED` comes from the
 * 分账动账通知 or `syncSplit`, exactly once, with the `@OnPayProfitSharingSettled()` handlers in the same transaction.
 * @publicApi
 */
@Entity('miniprogram_pay_profit_share')
export class PayProfitShare {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The merchant's split number (`out_order_no`); retries reuse it. */
  @Index('UQ_miniprogram_pay_profit_share_out_order_no', { unique: true })
  @Column({ name: 'out_order_no', type: 'varchar', length: 64 })
  outOrderNo!: string;

  @Index('IDX_miniprogram_pay_profit_share_order')
  @Column({ name: 'order_id', type: 'int' })
  orderId!: number;

  @ManyToOne(() => PayOrder, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  order?: PayOrder;

  /** The payment's `transaction_id`. */
  @Column({ name: 'transaction_id', type: 'varchar', length: 32 })
  transactionId!: string;

  /** WeChat's split number (`order_id`), once WeChat accepted the split. */
  @Column({ name: 'wechat_order_id', type: 'varchar', length: 64, nullable: true })
  wechatOrderId!: string | null;

  /** The sum of the receivers' amounts (fen): what the split reserves of the order. */
  @Column({ type: 'int' })
  amount!: number;

  /** The receivers, their amounts and WeChat's result for each. */
  @Column({ type: 'simple-json' })
  receivers!: PayProfitShareReceiver[];

  /** `unfreeze_unsplit`: whether the rest of the order is unfrozen to the merchant with this split. */
  @Column({ name: 'unfreeze_unsplit', type: 'boolean', default: false })
  unfreezeUnsplit!: boolean;

  @Column({ type: 'varchar', length: 16, default: 'PROCESSING' })
  state!: PayProfitShareState;

  /** A keyed digest of what was asked (receivers' names included, never stored in clear): a retry must ask the same. */
  @Column({ name: 'request_digest', type: 'varchar', length: 64 })
  requestDigest!: string;

  /** When the split finished (WeChat's `finish_time`, else when it was applied). */
  @Column({ name: 'finished_at', type: Date, precision: 3, nullable: true })
  finishedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;
}
