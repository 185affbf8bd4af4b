import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { decryptRefundReqInfo, verifyPayV2Sign } from '../crypto/pay-sign.crypto';
import { decryptPayV3Resource, PAY_V3_AEAD_ALGORITHM } from '../crypto/pay-v3.crypto';
import { buildPayXml, parsePayXml } from '../crypto/pay-xml.codec';
import { PayOrder } from '../entities/pay-order.entity';
import { PayRefund, PayRefundStatus } from '../entities/pay-refund.entity';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions } from '../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { PayLedger } from './pay-ledger';
import { int, parseBeijingTime } from './pay-input.util';
import { normaliseRefund, normaliseTransaction, V3_REFUND_STATUS } from './v3/wechat-pay-v3.api';
import { HeaderBag, PAY_V3_CLOCK_SKEW_SECONDS } from './v3/pay-v3-headers';
import { ReplayCache } from './v3/pay-v3-replay-cache';
import { PayV3SignatureError, WeChatPayV3Client } from './v3/wechat-pay-v3.client';
import type { NotifyOutcome, PayNotification, V3NotifyOutcome } from './wechat-pay.interfaces';

/** The XML answers WeChat expects. */
const ACK = buildPayXml({ return_code: 'SUCCESS', return_msg: 'OK' });
const nack = (message: string) => buildPayXml({ return_code: 'FAIL', return_msg: message });

const FINAL_REFUND_STATES: readonly PayRefundStatus[] = ['SUCCESS', 'CHANGE', 'REFUNDCLOSE'];

/** A refund notification rejected for a reason that is not worth a warning (e.g. a forgery). */
class Rejection extends Error {}

/** How long a processed v3 notification id is remembered (at least the timestamp window), and how many. */
const REPLAY_TTL_MS = 2 * PAY_V3_CLOCK_SKEW_SECONDS * 1000;
const REPLAY_MAX_ENTRIES = 10_000;

/**
 * The notification pipelines: parse safely, authenticate, check against the stored order, then
 * change state exactly once in a transaction together with the host's handlers. Anything wrong
 * answers `FAIL` and changes nothing; a repeat of a processed notification answers `SUCCESS`
 * and changes nothing.
 * @internal
 */
@Injectable()
export class PayNotifyProcessor {
  private readonly logger = new Logger('MiniProgram');
  private readonly replays = new ReplayCache(REPLAY_TTL_MS, REPLAY_MAX_ENTRIES);

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    @InjectRepository(PayOrder) private readonly orders: Repository<PayOrder>,
    @InjectRepository(PayRefund) private readonly refunds: Repository<PayRefund>,
    private readonly v3Client: WeChatPayV3Client,
    private readonly ledger: PayLedger,
  ) {}

  handlePayNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayOrder>> {
    return this.ledger.track(this.processPayNotify(rawXml));
  }

  handleRefundNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayRefund>> {
    return this.ledger.track(this.processRefundNotify(rawXml));
  }

  private async processPayNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayOrder>> {
    try {
      const pay = this.payOptions();
      const n = await this.parse(rawXml);
      if (n.return_code !== 'SUCCESS') throw new Rejection('return_code is not SUCCESS');
      if (!pay.apiKey) throw new Rejection('API v2 is not configured (pay.apiKey)');
      if (!verifyPayV2Sign(n, pay.apiKey)) throw new Rejection('signature does not verify');
      this.checkMerchant(n, pay);

      const order = await this.orders.findOne({ where: { outTradeNo: n.out_trade_no ?? '' } });
      if (!order) throw new Rejection('unknown out_trade_no');
      if (n.result_code !== 'SUCCESS') {
        // A failed payment: nothing was paid; record it unless the order is paid already.
        await this.orders.update({ id: order.id, paid: false }, { status: 'PAYERROR' });
        return { status: 'processed', result: order, xml: ACK };
      }
      const totalFee = int(n.total_fee);
      if (totalFee !== order.totalFee) throw new Rejection(`total_fee ${n.total_fee} differs from the order's ${order.totalFee}`);
      if (!n.transaction_id) throw new Rejection('transaction_id missing');

      const notification: PayNotification = {
        outTradeNo: order.outTradeNo,
        transactionId: n.transaction_id,
        totalFee,
        cashFee: int(n.cash_fee),
        openId: n.openid,
        bankType: n.bank_type,
        timeEnd: parseBeijingTime(n.time_end),
        attach: n.attach,
        raw: n,
      };
      const { status, order: result } = await this.ledger.applyPayment(order, notification, 'notify');
      return { status, result, xml: ACK };
    } catch (error) {
      return this.reject('payment', error);
    }
  }

  private async processRefundNotify(rawXml: string | Buffer): Promise<NotifyOutcome<PayRefund>> {
    try {
      const pay = this.payOptions();
      const outer = await this.parse(rawXml);
      if (outer.return_code !== 'SUCCESS') throw new Rejection('return_code is not SUCCESS');
      this.checkMerchant(outer, pay);
      if (!outer.req_info) throw new Rejection('req_info missing');
      let info: Record<string, string>;
      try {
        if (!pay.apiKey) throw new Rejection('API v2 is not configured (pay.apiKey)');
        info = await parsePayXml(decryptRefundReqInfo(outer.req_info, pay.apiKey), { root: 'root' });
      } catch {
        // Refund notifications carry no signature: decryption with our key is what authenticates them.
        throw new Rejection('req_info does not decrypt with the API key');
      }
      const status = info.refund_status as PayRefundStatus;
      if (!FINAL_REFUND_STATES.includes(status)) {
        throw new Rejection(`unknown refund_status ${JSON.stringify(String(info.refund_status).slice(0, 20))}`);
      }
      const order = await this.orders.findOne({ where: { outTradeNo: info.out_trade_no ?? '' } });
      if (!order) throw new Rejection('unknown out_trade_no');
      const refundFee = int(info.refund_fee);
      if (!info.out_refund_no || refundFee === undefined || refundFee <= 0) throw new Rejection('out_refund_no or refund_fee missing');

      let refund = await this.refunds.findOne({ where: { outRefundNo: info.out_refund_no } });
      if (!refund) refund = await this.ledger.adoptRefund(order, info.out_refund_no, refundFee);
      if (refund.orderId !== order.id) throw new Rejection('the refund belongs to another order');
      if (refund.refundFee !== refundFee) throw new Rejection(`refund_fee ${refundFee} differs from the refund's ${refund.refundFee}`);

      const outcome = await this.ledger.applyRefund(refund, order, status, info, 'notify');
      return { status: outcome.status, result: outcome.refund, xml: ACK };
    } catch (error) {
      return this.reject('refund', error);
    }
  }

  /**
   * A WeChat Pay v3 notification: signature (fail-closed) and timestamp, replay cache on `id`, resource decrypted with
   * the APIv3 key, checked against the stored order, then the same exactly-once transitions as v2.
   */
  handleV3Notify(headers: HeaderBag, rawBody: Buffer | string): Promise<V3NotifyOutcome<PayOrder | PayRefund>> {
    return this.ledger.track(this.processV3Notify(headers, typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody));
  }

  private async processV3Notify(headers: HeaderBag, body: Buffer): Promise<V3NotifyOutcome<PayOrder | PayRefund>> {
    const fail = (httpStatus: 400 | 401 | 500, reason: string, error?: unknown): V3NotifyOutcome<PayOrder | PayRefund> => {
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
    };
    const pay = this.options.pay;
    if (!pay?.v3) return fail(400, 'WeChat Pay API v3 is not configured');
    try {
      await this.v3Client.verify('v3.notify', headers ?? {}, body);
    } catch (error) {
      if (error instanceof PayV3SignatureError) return fail(401, error.message);
      return fail(500, 'the signature could not be checked', error);
    }
    let envelope: Record<string, unknown>;
    try {
      envelope = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      if (envelope === null || typeof envelope !== 'object' || Array.isArray(envelope)) throw new Error();
    } catch {
      return fail(400, 'the body is not a JSON object');
    }
    const id = typeof envelope.id === 'string' && envelope.id.length > 0 && envelope.id.length <= 64 ? envelope.id : undefined;
    if (!id) return fail(400, 'id missing');
    if (this.replays.has(id)) return { status: 'duplicate', reason: 'notification id already processed', httpStatus: 204 };
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
      return fail(400, 'the resource does not decrypt with the APIv3 key');
    }
    try {
      const eventType = envelope.event_type;
      let outcome: { status: 'processed' | 'duplicate'; result: PayOrder | PayRefund };
      if (eventType === 'TRANSACTION.SUCCESS' && resource.original_type !== 'refund') {
        outcome = await this.v3Payment(plain, pay);
      } else if (typeof eventType === 'string' && eventType.startsWith('REFUND.') && resource.original_type !== 'transaction') {
        outcome = await this.v3Refund(plain, pay);
      } else {
        throw new Rejection(`unsupported event_type ${String(eventType).slice(0, 40)}`);
      }
      this.replays.add(id);
      return { status: outcome.status, result: outcome.result, httpStatus: 204 };
    } catch (error) {
      if (error instanceof Rejection) return fail(400, error.message);
      return fail(500, 'internal error', error);
    }
  }

  private async v3Payment(
    plain: Record<string, unknown>,
    pay: ResolvedPayOptions,
  ): Promise<{ status: 'processed' | 'duplicate'; result: PayOrder }> {
    const t = normaliseTransaction(plain);
    if (t.appId !== this.options.appId || t.mchId !== pay.mchId) throw new Rejection('appid or mchid is not ours');
    const order = await this.orders.findOne({ where: { outTradeNo: t.outTradeNo } });
    if (!order) throw new Rejection('unknown out_trade_no');
    if (t.tradeState !== 'SUCCESS') {
      throw new Rejection(`trade_state ${JSON.stringify(String(plain.trade_state).slice(0, 20))} in a TRANSACTION.SUCCESS notification`);
    }
    if (t.totalFee !== order.totalFee) throw new Rejection(`amount.total ${t.totalFee} differs from the order's ${order.totalFee}`);
    if (t.currency !== undefined && t.currency !== 'CNY') throw new Rejection(`amount.currency ${t.currency} is not CNY`);
    if (!t.transactionId) throw new Rejection('transaction_id missing');
    const notification: PayNotification = {
      outTradeNo: order.outTradeNo,
      transactionId: t.transactionId,
      totalFee: t.totalFee,
      cashFee: t.cashFee,
      openId: t.openId,
      bankType: t.bankType,
      timeEnd: t.successTime,
      attach: t.attach,
      raw: plain,
    };
    const { status, order: result } = await this.ledger.applyPayment(order, notification, 'notify');
    return { status, result };
  }

  private async v3Refund(
    plain: Record<string, unknown>,
    pay: ResolvedPayOptions,
  ): Promise<{ status: 'processed' | 'duplicate'; result: PayRefund }> {
    const r = normaliseRefund(plain);
    if (plain.mchid !== pay.mchId) throw new Rejection('mchid is not ours');
    const status = typeof plain.refund_status === 'string' ? V3_REFUND_STATUS.get(plain.refund_status) : undefined;
    if (!status) throw new Rejection(`unknown refund_status ${JSON.stringify(String(plain.refund_status).slice(0, 20))}`);
    const order = await this.orders.findOne({ where: { outTradeNo: r.outTradeNo ?? '' } });
    if (!order) throw new Rejection('unknown out_trade_no');
    if (order.transactionId && r.transactionId && order.transactionId !== r.transactionId)
      throw new Rejection('transaction_id differs from the order');
    const refundFee = r.refund;
    if (!r.outRefundNo || refundFee === undefined || refundFee <= 0) throw new Rejection('out_refund_no or amount.refund missing');
    if (r.total !== undefined && r.total !== order.totalFee)
      throw new Rejection(`amount.total ${r.total} differs from the order's ${order.totalFee}`);
    let refund = await this.refunds.findOne({ where: { outRefundNo: r.outRefundNo } });
    if (!refund) refund = await this.ledger.adoptRefund(order, r.outRefundNo, refundFee);
    if (refund.orderId !== order.id) throw new Rejection('the refund belongs to another order');
    if (refund.refundFee !== refundFee) throw new Rejection(`amount.refund ${refundFee} differs from the refund's ${refund.refundFee}`);
    const outcome = await this.ledger.applyRefund(refund, order, status, plain, 'notify', {
      refundId: r.refundId,
      successAt: r.successTime,
      recvAccount: r.userReceivedAccount,
    });
    return { status: outcome.status, result: outcome.refund };
  }

  private payOptions(): ResolvedPayOptions {
    if (!this.options.pay) throw new Rejection('WeChat Pay is not configured');
    return this.options.pay;
  }

  private async parse(rawXml: string | Buffer): Promise<Record<string, string>> {
    try {
      return await parsePayXml(rawXml);
    } catch {
      throw new Rejection('malformed or unsafe XML');
    }
  }

  private checkMerchant(n: Record<string, string>, pay: ResolvedPayOptions): void {
    if (n.appid !== this.options.appId || n.mch_id !== pay.mchId) throw new Rejection('appid or mch_id is not ours');
  }

  private reject<T>(kind: string, error: unknown): NotifyOutcome<T> {
    const reason = error instanceof Rejection ? error.message : 'internal error';
    if (error instanceof Rejection) {
      this.logger.warn(`WeChat ${kind} notification rejected: ${reason}`);
    } else {
      this.logger.error(`WeChat ${kind} notification failed, answered FAIL so that WeChat retries: ${(error as Error)?.message ?? error}`);
    }
    return { status: 'rejected', reason, xml: nack(error instanceof Rejection ? 'rejected' : 'temporarily unavailable') };
  }
}
