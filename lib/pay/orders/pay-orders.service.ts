import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { createNonceStr } from '../../crypto/random.util';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayRefund } from '../../entities/pay-refund.entity';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { PayOrderStateError, WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions } from '../../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { isUniqueViolation } from '../../utils/unique-violation.util';
import { PayInput } from '../pay-input.util';
import { PayLedger } from '../pay-ledger';
import { WeChatPayV2Api } from '../v2/wechat-pay-v2.api';
import { V2PayGateway } from '../v2/wechat-pay-v2.gateway';
import { TRADE_STATES, WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import { V3PayGateway } from '../v3/wechat-pay-v3.gateway';
import type {
  CreateJsapiPaymentRequest,
  CreateJsapiPaymentResult,
  PayApiVersionOption,
  PayNotification,
  RefundRequest,
  RefundResult,
} from '../wechat-pay.interfaces';
import type { PayGateway } from './pay-gateway';
import { PayRefundReservations } from './pay-refund-reservations';
import { payOptionsFor } from '../pay-options.util';

/** err_codes meaning "this out_trade_no cannot be paid any more with these parameters". */
const OUT_TRADE_NO_SPENT = new Set(['OUT_TRADE_NO_USED', 'ORDERCLOSED', 'ORDER_CLOSED', 'INVALID_REQUEST']);

/** err_codes (v2 and v3) meaning "this order is paid". */
const ORDER_PAID = new Set(['ORDERPAID', 'ORDER_PAID', 'TRADE_STATE_SUCCESS']);

/** err_codes (v2 and v3) of a close that has nothing to close. */
const NOTHING_TO_CLOSE = new Set(['ORDERNOTEXIST', 'ORDER_NOT_EXIST', 'RESOURCE_NOT_EXISTS', 'ORDERCLOSED', 'ORDER_CLOSED']);

/**
 * The version-neutral `PayOrder` operations: create a payment (reusing a valid prepay_id, renewing a spent
 * out_trade_no), sync an order with WeChat, close it, refund it. The one place that chooses the API version (per call,
 * or `pay.apiVersion`); everything that differs between the versions is behind a {@link PayGateway}, a refund's amount
 * is reserved by {@link PayRefundReservations}, and every state change goes through the {@link PayLedger}.
 * `WeChatPayService` is its public front.
 * @internal
 */
@Injectable()
export class PayOrdersService {
  private readonly logger = new Logger('MiniProgram');
  private readonly v2Gateway: PayGateway;
  private readonly v3Gateway: PayGateway;
  /** The `PayRefund` rows reserved before WeChat is asked for a refund. */
  private readonly reservations: PayRefundReservations;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly ledger: PayLedger,
    @InjectRepository(PayOrder) private readonly orders: Repository<PayOrder>,
    @InjectRepository(PayRefund) private readonly refunds: Repository<PayRefund>,
    private readonly v2Api: WeChatPayV2Api,
    v3: WeChatPayV3Api,
  ) {
    this.v2Gateway = new V2PayGateway(v2Api);
    this.v3Gateway = new V3PayGateway(v3, options.appId);
    this.reservations = new PayRefundReservations(orders, refunds);
  }

  /**
   * Creates (or continues) the `PayOrder` of a business order and returns the
   * `wx.requestPayment` parameters. A stored prepay_id is reused while it is valid; when the
   * amount, description or payer changed, or WeChat no longer accepts the out_trade_no
   * (`OUT_TRADE_NO_USED`, `ORDERCLOSED`), the old one is closed and the same `PayOrder` gets a
   * fresh out_trade_no — the host keeps one business order.
   * @throws PayOrderStateError when the order is already paid.
   */
  async createJsapiPayment(req: CreateJsapiPaymentRequest): Promise<CreateJsapiPaymentResult> {
    const input = new PayInput('createJsapiPayment');
    input.text('body', req.body, 127);
    input.fen('totalFee', req.totalFee);
    input.text('openId', req.openId, 128);
    if (req.outTradeNo !== undefined) input.outTradeNo('outTradeNo', req.outTradeNo);
    // Everything the PayOrder stores or the first call sends, before either happens.
    input.text('attach', req.attach, 127, false);
    input.text('spbillCreateIp', req.spbillCreateIp, 64, false);
    input.time('timeExpire', req.timeExpire);
    input.done();

    const gateway = this.gateway('createJsapiPayment', req);
    const version = gateway.version;
    let order = req.order === undefined ? null : await this.loadOrder(req.order);
    if (!order) {
      order = await this.createOrder(req);
    } else if (order.paid) {
      throw new PayOrderStateError(`order ${order.outTradeNo} is already paid`, order.outTradeNo, order.status);
    }

    const sameTerms = order.totalFee === req.totalFee && order.body === req.body && order.openId === req.openId;
    if (
      sameTerms &&
      order.status === 'NOTPAY' &&
      order.prepayId &&
      order.prepayExpiresAt &&
      new Date(order.prepayExpiresAt).getTime() > Date.now() &&
      (order.prepayApiVersion ?? 'v2') === version
    ) {
      // Signed the way the API that issued the prepay_id expects.
      return { order, params: gateway.paymentParams(order.prepayId), reusedPrepayId: true };
    }
    if (!sameTerms || order.status === 'CLOSED') order = await this.renewOutTradeNo(order, req, gateway);

    for (let attempt = 0; ; attempt++) {
      try {
        const prepayId = await gateway.prepay(order, req);
        const prepayExpiresAt = new Date(Date.now() + this.pay('createJsapiPayment').prepayReuseSeconds * 1000);
        const changes = { prepayId, prepayExpiresAt, prepayApiVersion: version, status: 'NOTPAY' as const };
        await this.orders.update({ id: order.id }, changes);
        Object.assign(order, changes);
        return { order, params: gateway.paymentParams(prepayId), reusedPrepayId: false };
      } catch (error) {
        if (error instanceof WeChatPayError && ORDER_PAID.has(error.errCode ?? '')) {
          const synced = await this.syncOrder(order, { apiVersion: version });
          throw new PayOrderStateError(`order ${order.outTradeNo} is already paid`, order.outTradeNo, synced.status);
        }
        if (attempt > 0 || !(error instanceof WeChatPayError) || !OUT_TRADE_NO_SPENT.has(error.errCode ?? '')) throw error;
        this.logger.warn(`out_trade_no ${order.outTradeNo} cannot be used again (${error.errCode}); continuing with a new one`);
        order = await this.renewOutTradeNo(order, req, gateway);
      }
    }
  }

  /**
   * Asks WeChat for the order's state and applies it to the `PayOrder`. A payment learnt this
   * way goes through the same exactly-once transition as a notification (handlers run once,
   * whichever arrives first).
   */
  async syncOrder(orderOrOutTradeNo: PayOrder | string | number, options?: PayApiVersionOption): Promise<PayOrder> {
    const gateway = this.gateway('syncOrder', options);
    const order = await this.loadOrder(orderOrOutTradeNo);
    if (!order) throw new WeChatPayInputError('syncOrder', ['no such PayOrder']);
    const key = order.transactionId ? { transactionId: order.transactionId } : { outTradeNo: order.outTradeNo };
    const query = await gateway.query('syncOrder', order, key);
    // v2's orderQuery reads a missing trade_state as NOTPAY, v3 leaves an undocumented one out: neither may overwrite the order.
    const sent = query.sentTradeState;
    if (typeof sent !== 'string' || !TRADE_STATES.has(sent) || query.tradeState !== sent) {
      throw new WeChatUnavailableError(
        'syncOrder',
        'invalid-response',
        `the answer has no known trade_state (${typeof sent === 'string' ? JSON.stringify(sent.slice(0, 32)) : typeof sent})`,
      );
    }
    if ((query.tradeState === 'SUCCESS' || query.tradeState === 'REFUND') && !order.paid && query.transactionId) {
      await this.ledger.applyPayment(
        order,
        {
          outTradeNo: order.outTradeNo,
          transactionId: query.transactionId,
          totalFee: query.totalFee ?? order.totalFee,
          cashFee: query.cashFee,
          openId: query.openId,
          bankType: query.bankType,
          timeEnd: query.timeEnd,
          attach: query.attach,
          raw: query.raw,
        } satisfies PayNotification,
        'query',
      );
    } else if (!order.paid && ['CLOSED', 'REVOKED', 'PAYERROR', 'USERPAYING', 'NOTPAY'].includes(sent)) {
      await this.orders.update({ id: order.id, paid: false }, { status: sent as PayOrder['status'] });
    }
    return (await this.loadOrder(order.id))!;
  }

  /**
   * Closes an unpaid `PayOrder` at WeChat (through `pay.apiVersion` or the version asked for) and marks it `CLOSED`; its
   * prepay_id is forgotten, so paying it later goes through a new out_trade_no. Closing an order that is closed already,
   * or that never reached WeChat, just marks it.
   * @throws PayOrderStateError when the order is paid (or was paid meanwhile: then the payment is applied first).
   */
  async closePayOrder(orderOrOutTradeNo: PayOrder | string | number, options?: PayApiVersionOption): Promise<PayOrder> {
    const gateway = this.gateway('closePayOrder', options);
    const order = await this.loadOrder(orderOrOutTradeNo);
    if (!order) throw new WeChatPayInputError('closePayOrder', ['no such PayOrder']);
    if (order.paid) throw new PayOrderStateError(`order ${order.outTradeNo} is paid`, order.outTradeNo, order.status);
    await this.closeAtWeChat(order, gateway);
    const result = await this.orders.update(
      { id: order.id, paid: false },
      { status: 'CLOSED', prepayId: null, prepayExpiresAt: null, prepayApiVersion: null },
    );
    const current = (await this.loadOrder(order.id))!;
    if (!result.affected) throw new PayOrderStateError(`order ${order.outTradeNo} was paid meanwhile`, order.outTradeNo, current.status);
    return current;
  }

  /**
   * Refunds a paid `PayOrder` — all that is left of it by default — recording the `PayRefund` before WeChat is asked.
   * Calling again with the same `outRefundNo` is safe. Concurrent refunds of one order, from
   * any number of instances, are reserved one at a time: the sum of the accepted ones never exceeds the payment, and
   * the excess is refused here, before WeChat is asked.
   * @throws PayOrderStateError when the order is not paid, nothing is left to refund, or the amount exceeds what is left.
   */
  async refundOrder(
    req: {
      order: PayOrder | string | number;
      refundFee?: number;
      outRefundNo?: string;
      refundDesc?: string;
    } & PayApiVersionOption,
  ): Promise<PayRefund> {
    const gateway = this.gateway('refundOrder', req);
    const order = await this.loadOrder(req.order);
    if (!order) throw new WeChatPayInputError('refundOrder', ['no such PayOrder']);
    if (!order.paid || !order.transactionId)
      throw new PayOrderStateError(`order ${order.outTradeNo} is not paid`, order.outTradeNo, order.status);
    const outRefundNo = req.outRefundNo ?? `R${Date.now().toString(36)}${createNonceStr(24)}`;
    const existing = await this.refunds.findOne({ where: { outRefundNo } });
    const refundFee = existing?.refundFee ?? req.refundFee ?? order.totalFee - (await this.reservations.committed(order.id));
    if (req.refundFee === undefined && refundFee <= 0)
      throw new PayOrderStateError(`nothing is left to refund of order ${order.outTradeNo}`, order.outTradeNo, order.status);
    const request: RefundRequest = {
      transactionId: order.transactionId,
      outRefundNo,
      totalFee: order.totalFee,
      refundFee,
      refundDesc: existing?.refundDesc ?? req.refundDesc ?? undefined,
    };
    return (await this.refundThrough(gateway, order, request)).record;
  }

  /**
   * `secapi/pay/refund` (API v2) as `WeChatPayService.refund` makes it: checked first; for an order of this database
   * the `PayRefund` is kept as for `refundOrder`, otherwise the request is only sent.
   */
  async refund(req: RefundRequest): Promise<RefundResult> {
    const params = this.v2Api.refundParams(req);
    const order = await this.orders.findOne({
      where: req.transactionId ? { transactionId: req.transactionId } : { outTradeNo: req.outTradeNo },
    });
    if (!order) return this.v2Api.sendRefund(params, req);
    const { record, result } = await this.refundThrough<RefundResult>(this.v2Gateway, order, req);
    return { ...result!, record };
  }

  /**
   * A refund of a stored order through `gateway`: checked, its amount reserved as a `PayRefund` (PROCESSING) before
   * WeChat is asked — so a refund notification can never arrive for an unknown refund — settled at once when the answer
   * already tells the outcome, and removed again only if WeChat refuses it for good.
   */
  private async refundThrough<R>(gateway: PayGateway, order: PayOrder, req: RefundRequest): Promise<{ record: PayRefund; result?: R }> {
    // Checked before the PayRefund is recorded: an input error must not leave a PROCESSING row behind.
    gateway.checkRefund(req);
    const record = await this.reservations.record(order, req);
    try {
      const sent = await gateway.refund(req);
      if (sent.refundId && sent.refundId !== record.refundId) {
        await this.refunds.update({ id: record.id }, { refundId: sent.refundId });
        record.refundId = sent.refundId;
      }
      if (sent.settled && record.status === 'PROCESSING') {
        const { status, raw, successAt, recvAccount } = sent.settled;
        const outcome = await this.ledger.applyRefund(record, order, status, raw, 'query', {
          refundId: sent.refundId,
          successAt,
          recvAccount,
        });
        return { record: outcome.refund, result: sent.result as R };
      }
      return { record, result: sent.result as R };
    } catch (error) {
      // Refused for good: the refund never existed at WeChat. Anything else may have reached it.
      if (!record.refundId && gateway.refusedForGood(error)) await this.refunds.delete({ id: record.id, status: 'PROCESSING' });
      throw error;
    }
  }

  // ---------------------------------------------------------------- plumbing

  private pay(api: string): ResolvedPayOptions {
    return payOptionsFor(this.options, api);
  }

  /** The gateway of a high-level call: the version it asks for, else `pay.apiVersion`, checked to be configured. */
  private gateway(api: string, option?: PayApiVersionOption): PayGateway {
    const pay = this.pay(api);
    const version = option?.apiVersion ?? pay.apiVersion;
    if (version !== 'v2' && version !== 'v3') throw new WeChatPayInputError(api, ["apiVersion must be 'v2' or 'v3'"]);
    if (version === 'v3' && !pay.v3) throw new WeChatPayInputError(api, ['apiVersion v3 needs pay.v3']);
    if (version === 'v2' && !pay.apiKey) throw new WeChatPayInputError(api, ['apiVersion v2 needs pay.apiKey']);
    return version === 'v3' ? this.v3Gateway : this.v2Gateway;
  }

  /**
   * Closes the order's out_trade_no at WeChat. ORDERNOTEXIST (it never reached WeChat) and ORDERCLOSED leave nothing to
   * close; a paid order is synced (its payment applied) and refused with PayOrderStateError.
   */
  private async closeAtWeChat(order: PayOrder, gateway: PayGateway): Promise<void> {
    try {
      await gateway.close(order.outTradeNo);
    } catch (error) {
      if (error instanceof WeChatPayError && ORDER_PAID.has(error.errCode ?? '')) {
        const synced = await this.syncOrder(order, { apiVersion: gateway.version });
        throw new PayOrderStateError(`order ${order.outTradeNo} is already paid`, order.outTradeNo, synced.status);
      }
      if (!(error instanceof WeChatPayError) || !NOTHING_TO_CLOSE.has(error.errCode ?? '')) throw error;
    }
  }

  private async loadOrder(ref: PayOrder | string | number): Promise<PayOrder | null> {
    if (typeof ref === 'number') return this.orders.findOne({ where: { id: ref } });
    if (typeof ref === 'string') return this.orders.findOne({ where: { outTradeNo: ref } });
    return ref?.id ? this.orders.findOne({ where: { id: ref.id } }) : null;
  }

  private async createOrder(req: CreateJsapiPaymentRequest): Promise<PayOrder> {
    const outTradeNo = req.outTradeNo ?? newOutTradeNo();
    try {
      return await this.orders.save(
        this.orders.create({
          outTradeNo,
          body: req.body,
          totalFee: req.totalFee,
          openId: req.openId,
          attach: req.attach ?? null,
          status: 'NOTPAY',
          paid: false,
        }),
      );
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The same business order paid twice at once (a double tap): continue with the PayOrder the
      // other request created, as long as it is the same payment.
      const existing = await this.orders.findOne({ where: { outTradeNo } });
      if (existing && existing.totalFee === req.totalFee && existing.body === req.body && existing.openId === req.openId) return existing;
      throw new WeChatPayInputError('createJsapiPayment', [`outTradeNo ${outTradeNo} is already used by another PayOrder`]);
    }
  }

  /** Closes the order's current out_trade_no at WeChat and gives the same PayOrder a new one with the new terms. */
  private async renewOutTradeNo(order: PayOrder, req: CreateJsapiPaymentRequest, gateway: PayGateway): Promise<PayOrder> {
    if (order.status !== 'CLOSED') await this.closeAtWeChat(order, gateway);
    const changes = {
      outTradeNo: newOutTradeNo(),
      body: req.body,
      totalFee: req.totalFee,
      openId: req.openId,
      attach: req.attach ?? order.attach,
      status: 'NOTPAY' as const,
      prepayId: null,
      prepayExpiresAt: null,
      prepayApiVersion: null,
    };
    const result = await this.orders.update({ id: order.id, paid: false }, changes);
    if (!result.affected) throw new PayOrderStateError(`order ${order.outTradeNo} was paid meanwhile`, order.outTradeNo, 'SUCCESS');
    return Object.assign(order, changes);
  }
}

/** A fresh out_trade_no: time plus randomness, 32 characters of WeChat's alphabet. */
function newOutTradeNo(): string {
  return `${Date.now().toString(36)}${createNonceStr(32)}`.slice(0, 32);
}
