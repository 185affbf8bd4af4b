import { Column, CreateDateColumn, Entity, Index, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { PayRefund } from './pay-refund.entity';

/** WeChat's trade states (`trade_state`). @publicApi */
export type PayOrderStatus = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'CLOSED' | 'REFUND' | 'PAYERROR' | 'REVOKED';

/**
 * A WeChat Pay order (one JSAPI payment of a mini program user). Host entities point at it with
 * `@OneToOne(() => PayOrder) @JoinColumn()`. Amounts are integer fen. State changes come from
 * the payment notification (exactly once) and from `syncOrder`.
 * @publicApi
 */
@Entity('miniprogram_pay_order')
export class PayOrder {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The merchant's order number sent to WeChat (6–32 of `[0-9A-Za-z_-|*]`). */
  @Index('UQ_miniprogram_pay_order_out_trade_no', { unique: true })
  @Column({ name: 'out_trade_no', type: 'varchar', length: 32 })
  outTradeNo!: string;

  /** Goods description (`body`, at most 127 characters). */
  @Column({ type: 'varchar', length: 128 })
  body!: string;

  @Column({ type: 'varchar', length: 127, nullable: true })
  attach!: string | null;

  /** Amount in fen. */
  @Column({ name: 'total_fee', type: 'int' })
  totalFee!: number;

  @Column({ name: 'fee_type', type: 'varchar', length: 8, default: 'CNY' })
  feeType!: string;

  /** The payer's openid under the mini program's AppID (WeChat Pay's `openid`, at most 128 characters). */
  @Index('IDX_miniprogram_pay_order_open_id')
  @Column({ name: 'open_id', type: 'varchar', length: 128 })
  openId!: string;

  @Column({ name: 'trade_type', type: 'varchar', length: 16, default: 'JSAPI' })
  tradeType!: string;

  @Column({ name: 'prepay_id', type: 'varchar', length: 64, nullable: true })
  prepayId!: string | null;

  /**
   * Which API issued `prepayId` (`v2` or `v3`; `null` for rows written before v3 support, meaning `v2`), so that a
   * reused prepay_id is signed for `wx.requestPayment` the way that API expects (MD5/HMAC-SHA256 or RSA).
   */
  @Column({ name: 'prepay_api_version', type: 'varchar', length: 2, nullable: true })
  prepayApiVersion!: 'v2' | 'v3' | null;

  /** Until when `prepayId` is reused instead of asking WeChat again. */
  @Column({ name: 'prepay_expires_at', type: Date, precision: 3, nullable: true })
  prepayExpiresAt!: Date | null;

  /** WeChat's order number, known once paid. */
  @Index('UQ_miniprogram_pay_order_transaction_id', { unique: true })
  @Column({ name: 'transaction_id', type: 'varchar', length: 32, nullable: true })
  transactionId!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'NOTPAY' })
  status!: PayOrderStatus;

  /** Whether the order was paid (as in the original); stays true after refunds. */
  @Column({ type: 'boolean', default: false })
  paid!: boolean;

  @Column({ name: 'paid_at', type: Date, precision: 3, nullable: true })
  paidAt!: Date | null;

  /** What the user paid in cash (fen), from the notification. */
  @Column({ name: 'cash_fee', type: 'int', nullable: true })
  cashFee!: number | null;

  @Column({ name: 'bank_type', type: 'varchar', length: 32, nullable: true })
  bankType!: string | null;

  /** Sum of settled refunds (fen). */
  @Column({ name: 'refunded_fee', type: 'int', default: 0 })
  refundedFee!: number;

  /**
   * Whether WeChat has the order's shipping info (发货信息管理): uploaded by this module (`WeChatShippingService`, or the
   * automatic upload of `shipping.autoUpload`), or learnt from WeChat's `trade_manage_order_settlement` push.
   */
  @Column({ name: 'shipping_uploaded', type: 'boolean', default: false })
  shippingUploaded!: boolean;

  /** When it was shipped, as WeChat records it (`shipped_time`), or when this module's upload was accepted. */
  @Column({ name: 'shipped_at', type: Date, precision: 3, nullable: true })
  shippedAt!: Date | null;

  /** When WeChat expects to settle the order (`estimated_settlement_time` of the shipment push). */
  @Column({ name: 'estimated_settlement_at', type: Date, precision: 3, nullable: true })
  estimatedSettlementAt!: Date | null;

  /** When the user's receipt was confirmed (`confirm_receive_time`), by the user or automatically. */
  @Column({ name: 'receipt_confirmed_at', type: Date, precision: 3, nullable: true })
  receiptConfirmedAt!: Date | null;

  /** When WeChat settled the order and released the money to the merchant (`settlement_time`). */
  @Column({ name: 'settled_at', type: Date, precision: 3, nullable: true })
  settledAt!: Date | null;

  /** Until when one instance's reconciler (`PayReconciler`) owns the row; `null` when none does. */
  @Column({ name: 'reconcile_lease_until', type: Date, precision: 3, nullable: true })
  reconcileLeaseUntil!: Date | null;

  @OneToMany('PayRefund', 'order')
  refunds?: PayRefund[];

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;

  @VersionColumn()
  version!: number;
}
