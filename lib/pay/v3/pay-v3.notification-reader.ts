import { decryptPayV3Resource, PAY_V3_AEAD_ALGORITHM } from '../../crypto/pay-v3.crypto';
import type { ResolvedMiniProgramOptions } from '../../interfaces';
import { IncomingPayment, IncomingRefund, NotificationRejection } from '../notifications/incoming';
import type { TransferBill } from '../transfers/pay-transfer.interfaces';
import { PROFIT_SHARING_EVENT_TYPES, readProfitSharingNotice } from '../profit-sharing/profit-sharing-notice';
import type { ProfitSharingNotice } from '../profit-sharing/profit-sharing-notice';
import { isFinalTransferState, normaliseTransferBill } from '../transfers/transfer-bill';
import { HeaderBag, PAY_V3_CLOCK_SKEW_SECONDS } from './pay-v3-headers';
import { ReplayCache } from './pay-v3-replay-cache';
import { normaliseRefund, normaliseTransaction, V3_REFUND_STATUS } from './wechat-pay-v3.api';
import { PayV3SignatureError, WeChatPayV3Client } from './wechat-pay-v3.client';

/** How long a processed v3 notification id is remembered (at least the timestamp window), and how many. */
const REPLAY_TTL_MS = 2 * PAY_V3_CLOCK_SKEW_SECONDS * 1000;
const REPLAY_MAX_ENTRIES = 10_000;

/** Why a v3 notification could not be read: the HTTP status WeChat gets (401 signature, 400 content, 500 retry). @internal */
export class V3ReadError extends Error {
  constructor(
    readonly httpStatus: 400 | 401 | 500,
    reason: string,
    override readonly cause?: unknown,
  ) {
    super(reason);
  }
}

/** What a v3 notification holds, read and authenticated. @internal */
export type V3Read =
  | { kind: 'duplicate' }
  | { kind: 'payment'; id: string; payment: IncomingPayment }
  | { kind: 'refund'; id: string; refund: IncomingRefund }
  | { kind: 'transfer'; id: string; bill: TransferBill }
  | { kind: 'profit-sharing'; id: string; notice: ProfitSharingNotice };

/**
 * Reads and authenticates WeChat Pay API v3 notifications: the signature (fail-closed) and timestamp, the replay cache
 * on the notification `id` (answered before the database), the resource decrypted with the APIv3 key, the AppID and
 * merchant. `remember` the id once the notification is applied.
 * @internal
 */
export class PayV3NotificationReader {
  private readonly replays = new ReplayCache(REPLAY_TTL_MS, REPLAY_MAX_ENTRIES);

  constructor(
    private readonly options: ResolvedMiniProgramOptions,
    private readonly client: WeChatPayV3Client,
  ) {}

  async read(headers: HeaderBag, body: Buffer): Promise<V3Read> {
    const pay = this.options.pay;
    if (!pay?.v3) throw new V3ReadError(400, 'WeChat Pay API v3 is not configured');
    try {
      await this.client.verify('v3.notify', headers ?? {}, body);
    } catch (error) {
      if (error instanceof PayV3SignatureError) throw new V3ReadError(401, error.message);
      throw new V3ReadError(500, 'the signature could not be checked', error);
    }
    let envelope: Record<string, unknown>;
    try {
      envelope = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) throw new Error();
    } catch {
      throw new V3ReadError(400, 'the body is not a JSON object');
    }
    const id = typeof envelope.id === 'string' && envelope.id.length > 0 && envelope.id.length <= 64 ? envelope.id : undefined;
    if (!id) throw new V3ReadError(400, 'id missing');
    if (this.replays.has(id)) return { kind: 'duplicate' };
    const resource = envelope.resource as Record<string, unknown> | undefined;
    let plain: Record<string, unknown>;
    try {
      if (!resource || resource.algorithm !== PAY_V3_AEAD_ALGORITHM) throw new Error();
      const text = decryptPayV3Resource(
        {
          ciphertext: resource.ciphertext as string,
          nonce: resource.nonce as string,
          associated_data: (resource.associated_data as string | undefined) ?? '',
        },
        pay.v3.apiV3Key,
      );
      plain = JSON.parse(text) as Record<string, unknown>;
      if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) throw new Error();
    } catch {
      throw new V3ReadError(400, 'the resource does not decrypt with the APIv3 key');
    }
    const eventType = envelope.event_type;
    if (eventType === 'TRANSACTION.SUCCESS' && resource.original_type !== 'refund') {
      return { kind: 'payment', id, payment: this.payment(plain, pay.mchId) };
    }
    if (typeof eventType === 'string' && eventType.startsWith('REFUND.') && resource.original_type !== 'transaction') {
      return { kind: 'refund', id, refund: this.refund(plain, pay.mchId) };
    }
    if (eventType === 'MCHTRANSFER.BILL.FINISHED') return { kind: 'transfer', id, bill: this.transfer(plain, pay.mchId) };
    if (typeof eventType === 'string' && PROFIT_SHARING_EVENT_TYPES.has(eventType)) {
      return { kind: 'profit-sharing', id, notice: readProfitSharingNotice(eventType, plain, pay.mchId) };
    }
    throw new NotificationRejection(`unsupported event_type ${String(eventType).slice(0, 40)}`);
  }

  /** Remembers a notification id as processed (a replay within the window is answered from memory). */
  remember(id: string): void {
    this.replays.add(id);
  }

  private payment(plain: Record<string, unknown>, mchId: string): IncomingPayment {
    const t = normaliseTransaction(plain);
    if (t.appId !== this.options.appId || t.mchId !== mchId) throw new NotificationRejection('appid or mchid is not ours');
    if (t.tradeState !== 'SUCCESS') {
      throw new NotificationRejection(
        `trade_state ${JSON.stringify(String(plain.trade_state).slice(0, 20))} in a TRANSACTION.SUCCESS notification`,
      );
    }
    if (t.currency !== undefined && t.currency !== 'CNY') throw new NotificationRejection(`amount.currency ${t.currency} is not CNY`);
    return {
      outTradeNo: t.outTradeNo,
      succeeded: true,
      transactionId: t.transactionId,
      totalFee: t.totalFee,
      cashFee: t.cashFee,
      openId: t.openId,
      bankType: t.bankType,
      timeEnd: t.successTime,
      attach: t.attach,
      raw: plain,
      amount: { field: 'amount.total', sent: t.totalFee },
    };
  }

  /** A transfer bill's final state: ours, named, and final (the event is only sent for SUCCESS, FAIL and CANCELLED). */
  private transfer(plain: Record<string, unknown>, mchId: string): TransferBill {
    const bill = normaliseTransferBill(plain);
    if (bill.mchId !== mchId) throw new NotificationRejection('mchid is not ours');
    if (!bill.outBillNo || !bill.transferBillNo || bill.transferAmount === undefined) {
      throw new NotificationRejection('out_bill_no, transfer_bill_no or transfer_amount missing');
    }
    if (!isFinalTransferState(bill.state)) {
      throw new NotificationRejection(
        `state ${JSON.stringify(String(plain.state).slice(0, 20))} in a MCHTRANSFER.BILL.FINISHED notification`,
      );
    }
    return bill;
  }

  private refund(plain: Record<string, unknown>, mchId: string): IncomingRefund {
    const r = normaliseRefund(plain);
    if (plain.mchid !== mchId) throw new NotificationRejection('mchid is not ours');
    const status = typeof plain.refund_status === 'string' ? V3_REFUND_STATUS.get(plain.refund_status) : undefined;
    if (!status) throw new NotificationRejection(`unknown refund_status ${JSON.stringify(String(plain.refund_status).slice(0, 20))}`);
    return {
      outTradeNo: r.outTradeNo,
      outRefundNo: r.outRefundNo || undefined,
      refundFee: r.refund,
      status,
      transactionId: r.transactionId,
      total: r.total,
      raw: plain,
      given: { refundId: r.refundId, successAt: r.successTime, recvAccount: r.userReceivedAccount },
      refundField: 'amount.refund',
    };
  }
}
