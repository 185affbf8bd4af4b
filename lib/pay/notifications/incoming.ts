import type { PayRefundStatus } from '../../entities/pay-refund.entity';
import type { PayRawData } from '../wechat-pay.interfaces';

/** A notification refused for what it says (a forgery, another merchant's, not ours to apply): no state changes. @internal */
export class NotificationRejection extends Error {}

/**
 * A payment notification read and authenticated by its version's reader, named alike for both versions, not yet
 * checked against the stored order. @internal
 */
export interface IncomingPayment {
  outTradeNo: string;
  /** False for a v2 notification of a failed payment (`result_code` FAIL): the order is marked PAYERROR, nothing paid. */
  succeeded: boolean;
  transactionId?: string;
  totalFee?: number;
  cashFee?: number;
  openId?: string;
  bankType?: string;
  timeEnd?: Date;
  attach?: string;
  raw: PayRawData;
  /** How the version names the amount (and wrote it), for the reasons of a refusal. */
  amount: { field: 'total_fee' | 'amount.total'; sent: unknown };
}

/** A refund notification read and authenticated by its version's reader, not yet checked against the stored order. @internal */
export interface IncomingRefund {
  outTradeNo?: string;
  outRefundNo?: string;
  refundFee?: number;
  status: PayRefundStatus;
  /** v3: the refund's transaction and order amount, checked against the order when present. */
  transactionId?: string;
  total?: number;
  raw: PayRawData;
  /** What v3 tells beside the status (v2's `req_info` fields are read from `raw` by the ledger). */
  given?: { refundId?: string; successAt?: Date; recvAccount?: string };
  /** How the version names the refunded amount, for the reasons of a refusal. */
  refundField: 'refund_fee' | 'amount.refund';
}
