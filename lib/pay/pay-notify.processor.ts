import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { buildPayXml } from '../crypto/pay-xml.codec';
import { PayOrder } from '../entities/pay-order.entity';
import type { PayProfitShare } from '../entities/pay-profit-share.entity';
import { PayRefund } from '../entities/pay-refund.entity';
import { PayTransfer } from '../entities/pay-transfer.entity';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { IncomingPayment, IncomingRefund, NotificationRejection } from './notifications/incoming';
import { PayLedger } from './pay-ledger';
import { PayProfitSharingNotifications } from './profit-sharing/profit-sharing-notifications';
import { PayTransferLedger } from './transfers/pay-transfer-ledger';
import type { TransferBill } from './transfers/pay-transfer.interfaces';
import { billMismatch } from './transfers/transfer-bill';
import { PayV2NotificationReader } from './v2/pay-v2.notification-reader';
import type { ProfitSharingNotice } from './profit-sharing/profit-sharing-notice';
import type { HeaderBag } from './v3/pay-v3-headers';
import { PayV3NotificationReader, V3ReadError } from './v3/pay-v3.notification-reader';
import { WeChatPayV3Client } from './v3/wechat-pay-v3.client';
import type { NotifyOutcome, PayNotification, V3NotifyOutcome } from './wechat-pay.interfaces';

/** The XML answers WeChat expects. */
const ACK = buildPayXml({ return_code: 'SUCCESS', return_msg: 'OK' });
const nack = (message: string) => buildPayXml({ return_code: 'FAIL', return_msg: message });

type Applied<T> = { status: 'processed' | 'duplicate'; result: T };
/** What a v3 notification applies to. */
type V3Notified = PayOrder | PayRefund | PayTransfer | PayProfitShare;

/**
 * The notification pipelines, by stage: each version's reader parses safely and authenticates (yielding one payment or
 * refund, named alike for both versions), then the notification is checked against the stored order here, and the
 * {@link PayLedger} changes state exactly once in a transaction together with the host's handlers. Anything wrong
 * answers `FAIL` (v3: 400 or 401) and changes nothing; a repeat of a processed notification answers `SUCCESS` (v3: 204)
 * and changes nothing; a failure of ours answers so that WeChat retries.
 * @internal
 */
@Injectable()
export class PayNotifyProcessor {
  private readonly logger = new Logger('MiniProgram');
  private readonly v2: PayV2NotificationReader;
  private readonly v3: PayV3NotificationReader;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) options: ResolvedMiniProgramOptions,
    @InjectRepository(PayOrder) private readonly orders: Repository<PayOrder>,
    @InjectRepository(PayRefund) private readonly refunds: Repository<PayRefund>,
    v3Client: WeChatPayV3Client,
    private readonly ledger: PayLedger,
    @InjectRepository(PayTransfer) private readonly transfers: Repository<PayTransfer>,
    private readonly transferLedger: PayTransferLedger,
    @Optional() private readonly profitSharing?: PayProfitSharingNotifications,
  ) {
    this.v2 = new PayV2NotificationReader(options);
    this.v3 = new PayV3NotificationReader(options, v3Client);
  }

  /** An API v2 payment notification (XML). */
  handlePayNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayOrder>> {
    return this.ledger.track(this.v2Outcome('payment', async () => this.applyPayment(await this.v2.payment(rawXml))));
  }

  /** An API v2 refund notification (XML, `req_info` encrypted). */
  handleRefundNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayRefund>> {
    return this.ledger.track(this.v2Outcome('refund', async () => this.applyRefund(await this.v2.refund(rawXml))));
  }

  /** An API v3 notification (payment or refund): the headers as received and the raw body. */
  handleV3Notify(headers: HeaderBag, rawBody: Buffer | string): Promise<V3NotifyOutcome<V3Notified>> {
    return this.ledger.track(this.processV3Notify(headers, typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody));
  }

  private async v2Outcome<T>(kind: string, run: () => Promise<Applied<T>>): Promise<NotifyOutcome<T>> {
    try {
      const { status, result } = await run();
      return { status, result, xml: ACK };
    } catch (error) {
      const reason = error instanceof NotificationRejection ? error.message : 'internal error';
      if (error instanceof NotificationRejection) {
        this.logger.warn(`WeChat ${kind} notification rejected: ${reason}`);
      } else {
        this.logger.error(
          `WeChat ${kind} notification failed, answered FAIL so that WeChat retries: ${(error as Error)?.message ?? error}`,
        );
      }
      return { status: 'rejected', reason, xml: nack(error instanceof NotificationRejection ? 'rejected' : 'temporarily unavailable') };
    }
  }

  private async processV3Notify(headers: HeaderBag, body: Buffer): Promise<V3NotifyOutcome<V3Notified>> {
    try {
      const read = await this.v3.read(headers, body);
      if (read.kind === 'duplicate') return { status: 'duplicate', reason: 'notification id already processed', httpStatus: 204 };
      const outcome: Applied<V3Notified> =
        read.kind === 'payment'
          ? await this.applyPayment(read.payment)
          : read.kind === 'refund'
            ? await this.applyRefund(read.refund)
            : read.kind === 'transfer'
              ? await this.applyTransfer(read.bill)
              : await this.applyProfitSharing(read.notice);
      this.v3.remember(read.id);
      return { status: outcome.status, result: outcome.result, httpStatus: 204 };
    } catch (error) {
      if (error instanceof V3ReadError) return this.v3Failure(error.httpStatus, error.message, error.cause);
      if (error instanceof NotificationRejection) return this.v3Failure(400, error.message);
      return this.v3Failure(500, 'internal error', error);
    }
  }

  private v3Failure(httpStatus: 400 | 401 | 500, reason: string, error?: unknown): V3NotifyOutcome<V3Notified> {
    if (httpStatus === 500) {
      this.logger.error(`WeChat v3 notification failed, answered 500 so that WeChat retries: ${(error as Error)?.message ?? reason}`);
    } else {
      this.logger.warn(`WeChat v3 notification rejected: ${reason}`);
    }
    return {
      status: httpStatus === 500 ? 'failed' : 'rejected',
      reason,
      httpStatus,
      body: {
        code: 'FAIL',
        message: httpStatus === 500 ? 'temporarily unavailable' : httpStatus === 401 ? 'signature refused' : 'rejected',
      },
    };
  }

  /** A payment (either version), checked against the stored order, then applied exactly once. */
  private async applyPayment(n: IncomingPayment): Promise<Applied<PayOrder>> {
    const order = await this.orders.findOne({ where: { outTradeNo: n.outTradeNo } });
    if (!order) throw new NotificationRejection('unknown out_trade_no');
    if (!n.succeeded) {
      // A failed payment: nothing was paid; record it unless the order is paid already.
      await this.orders.update({ id: order.id, paid: false }, { status: 'PAYERROR' });
      return { status: 'processed', result: order };
    }
    if (n.totalFee !== order.totalFee) {
      throw new NotificationRejection(`${n.amount.field} ${String(n.amount.sent)} differs from the order's ${order.totalFee}`);
    }
    if (!n.transactionId) throw new NotificationRejection('transaction_id missing');
    const notification: PayNotification = {
      outTradeNo: order.outTradeNo,
      transactionId: n.transactionId,
      totalFee: n.totalFee,
      cashFee: n.cashFee,
      openId: n.openId,
      bankType: n.bankType,
      timeEnd: n.timeEnd,
      attach: n.attach,
      raw: n.raw,
    };
    const { status, order: result } = await this.ledger.applyPayment(order, notification, 'notify');
    return { status, result };
  }

  /** A refund (either version), checked against the stored order and refund (one made elsewhere is adopted), then applied once. */
  private async applyRefund(n: IncomingRefund): Promise<Applied<PayRefund>> {
    const order = await this.orders.findOne({ where: { outTradeNo: n.outTradeNo ?? '' } });
    if (!order) throw new NotificationRejection('unknown out_trade_no');
    if (order.transactionId && n.transactionId && order.transactionId !== n.transactionId)
      throw new NotificationRejection('transaction_id differs from the order');
    const refundFee = n.refundFee;
    if (!n.outRefundNo || refundFee === undefined || refundFee <= 0)
      throw new NotificationRejection(`out_refund_no or ${n.refundField} missing`);
    if (n.total !== undefined && n.total !== order.totalFee)
      throw new NotificationRejection(`amount.total ${n.total} differs from the order's ${order.totalFee}`);
    let refund = await this.refunds.findOne({ where: { outRefundNo: n.outRefundNo } });
    if (!refund) refund = await this.ledger.adoptRefund(order, n.outRefundNo, refundFee);
    if (refund.orderId !== order.id) throw new NotificationRejection('the refund belongs to another order');
    if (refund.refundFee !== refundFee)
      throw new NotificationRejection(`${n.refundField} ${refundFee} differs from the refund's ${refund.refundFee}`);
    const outcome = await this.ledger.applyRefund(refund, order, n.status, n.raw, 'notify', n.given);
    return { status: outcome.status, result: outcome.refund };
  }

  /** A transfer's final state, checked against the stored transfer, then applied once. */
  private async applyTransfer(bill: TransferBill): Promise<Applied<PayTransfer>> {
    const transfer = await this.transfers.findOne({ where: { outBillNo: bill.outBillNo } });
    if (!transfer) throw new NotificationRejection('unknown out_bill_no');
    const mismatch = billMismatch(transfer, bill);
    if (mismatch) throw new NotificationRejection(mismatch);
    const outcome = await this.transferLedger.apply(transfer, bill, 'notify');
    return { status: outcome.status === 'processed' ? 'processed' : 'duplicate', result: outcome.transfer };
  }

  /** A 分账动账通知: checked against the stored split, whose state is then applied once. */
  private async applyProfitSharing(notice: ProfitSharingNotice): Promise<Applied<PayProfitShare>> {
    if (!this.profitSharing) throw new NotificationRejection('profit sharing is not provided');
    return this.profitSharing.apply(notice);
  }
}
