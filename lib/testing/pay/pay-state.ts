import { randomBytes, randomInt } from 'node:crypto';
import { encryptRefundReqInfo, payV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml } from '../../crypto/pay-xml.codec';
import { createNonceStr } from '../../crypto/random.util';
import { STORE_LIMIT } from '../server/simulator.constants';
import { beijingCompact, beijingDateTime, newRefundId, newTransactionId, parseBeijingCompact } from './pay-format';
import { PayNotifier } from './pay-notifier';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-state';
import type { SimulatorState } from '../server/simulator-state';
import type { SimV3NotifyVariant } from '../pay-v3/pay-v3.interfaces';
import type {
  SimNotification,
  SimNotifyInput,
  SimNotifyVariant,
  SimOrder,
  SimPayInput,
  SimPayReport,
  SimPayResult,
  SimRefund,
  SimRefundNotifyInput,
  SimRefundNotifyVariant,
  SimRefundStatus,
  SimSettleRefundInput,
  SimulatorMerchant,
} from './pay.interfaces';

/** Settings of the pay side, already validated. @internal */
export interface PayConfig {
  merchants: SimulatorMerchant[];
  timeScale: number;
  refundDelayMs: number;
  prepayTtlMs: number;
}

/** A genuine API v3 notification as first sent: the JSON body, its plaintext resource and its signed headers. @internal */
export interface V3NotificationRecord {
  body: string;
  plain: Record<string, unknown>;
  headers: Record<string, string>;
}

/** An order as the simulator keeps it: the public shape plus the genuine payment notification. @internal */
export interface OrderRecord extends SimOrder {
  /** The fields (signed) of the genuine payment notification, once paid. */
  notifyFields?: Record<string, string>;
  /** API v3 orders: the genuine payment notification, once paid. */
  v3Notification?: V3NotificationRecord;
}

/** A refund as the simulator keeps it: the public shape plus its genuine notification. @internal */
export interface RefundRecord extends SimRefund {
  /** The decrypted `req_info` of the genuine refund notification, once settled with a notify_url. */
  reqInfoPlain?: string;
  /** The genuine refund notification body. */
  notifyBody?: string;
  /** API v3 refunds: the genuine refund notification, once settled with a notify_url. */
  v3Notification?: V3NotificationRecord;
}

/** The API v3 side, plugged in by the simulator: the notifications of orders and refunds made through API v3. @internal */
export interface PayV3Hooks {
  /** Delivers (or, for a failed payment, skips) the payment notification of a v3 order just paid. */
  paymentNotification(order: OrderRecord, result: 'SUCCESS' | 'FAIL'): Promise<SimNotification>;
  /** Delivers the notification of a v3 refund just settled (it has a notify_url). */
  refundNotification(refund: RefundRecord): Promise<SimNotification>;
  notify(order: OrderRecord, kind: SimV3NotifyVariant, copies: number): Promise<SimNotification[]>;
  refundNotify(refund: RefundRecord, kind: SimV3NotifyVariant, copies: number): Promise<SimNotification[]>;
}

/** @internal */
export const V3_VARIANTS: readonly SimV3NotifyVariant[] = [
  'duplicate',
  'replay',
  'forged-signature',
  'missing-signature',
  'stale-timestamp',
  'unknown-serial',
  'wrong-key',
  'wrong-amount',
  'wrong-mchid',
];

const PAY_VARIANTS: readonly SimNotifyVariant[] = [
  'duplicate',
  'forged-sign',
  'wrong-key',
  'wrong-amount',
  'wrong-appid',
  'wrong-mchid',
  'fail-return-code',
  'unsigned',
];
const REFUND_VARIANTS: readonly SimRefundNotifyVariant[] = ['duplicate', 'garbage-req-info', 'wrong-key', 'wrong-appid'];
const MAX_COPIES = 100;
const BANK_TYPE = /^[A-Z0-9_]{1,32}$/;
const ID_TEXT = /^[0-9A-Za-z_\-|*@]{1,64}$/;

/**
 * The WeChat Pay side of the simulator's memory: merchants, orders, refunds, `/payitil/report` calls and
 * notifications, with the operations of the simulated user and of the control API.
 * @internal
 */
export class PayState {
  readonly merchants = new Map<string, SimulatorMerchant>();
  readonly reports: SimPayReport[] = [];
  readonly notifier: PayNotifier;
  /** The API v3 side, once plugged in. */
  v3?: PayV3Hooks;
  private readonly orders = new Map<string, OrderRecord>();
  private readonly ordersByTransaction = new Map<string, OrderRecord>();
  private readonly ordersByPrepay = new Map<string, OrderRecord>();
  private readonly refunds = new Map<string, RefundRecord>();
  private readonly refundsById = new Map<string, RefundRecord>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    readonly sim: SimulatorState,
    readonly config: PayConfig,
    private readonly log: (line: string) => void,
  ) {
    for (const merchant of config.merchants) this.merchants.set(merchant.mchId, { ...merchant });
    this.notifier = new PayNotifier(config.timeScale, log);
    sim.resetHooks.push(() => this.reset());
  }

  /** The clock of every expiry, shared with the mini program side (so that tests can fake `Date.now`). */
  now(): number {
    return this.sim.now();
  }

  /** The merchant the control API means: the given one, or the first configured. */
  resolveMerchant(mchId: unknown): SimulatorMerchant {
    if (mchId === undefined) return this.config.merchants[0];
    if (typeof mchId !== 'string') throw new SimulatorInputError('mchId must be a string');
    const merchant = this.merchants.get(mchId);
    if (!merchant) throw new SimulatorInputError(`unknown mchId ${JSON.stringify(mchId)}`);
    return merchant;
  }

  order(mchId: string, outTradeNo: string): OrderRecord | undefined {
    return this.orders.get(key(mchId, outTradeNo));
  }

  orderByTransaction(mchId: string, transactionId: string): OrderRecord | undefined {
    const order = this.ordersByTransaction.get(transactionId);
    return order?.mchId === mchId ? order : undefined;
  }

  /** Every order of a merchant, oldest first. */
  ordersOf(mchId: string): OrderRecord[] {
    return [...this.orders.values()].filter((order) => order.mchId === mchId);
  }

  addOrder(order: OrderRecord): void {
    if (this.orders.size >= STORE_LIMIT) this.evictOldestOrder();
    this.orders.set(key(order.mchId, order.outTradeNo), order);
    this.ordersByPrepay.set(order.prepayId, order);
  }

  /** Gives an order a new `prepay_id`; the old one stays known, so paying with it says "expired". */
  renewPrepay(order: OrderRecord, prepayId: string): void {
    order.prepayId = prepayId;
    order.prepayExpiresAt = this.now() + this.config.prepayTtlMs * this.config.timeScale;
    this.ordersByPrepay.set(prepayId, order);
  }

  refund(mchId: string, outRefundNo: string): RefundRecord | undefined {
    return this.refunds.get(key(mchId, outRefundNo));
  }

  refundById(mchId: string, refundId: string): RefundRecord | undefined {
    const refund = this.refundsById.get(refundId);
    return refund?.mchId === mchId ? refund : undefined;
  }

  /** Every refund of a merchant, oldest first. */
  refundsOf(mchId: string): RefundRecord[] {
    return [...this.refunds.values()].filter((refund) => refund.mchId === mchId);
  }

  /** The refunds of an order, oldest first. */
  refundsOfOrder(order: OrderRecord): RefundRecord[] {
    return order.refunds.map((no) => this.refund(order.mchId, no)).filter((r): r is RefundRecord => r !== undefined);
  }

  /** What is left to refund of a paid order: its amount less every refund of it that is not closed. */
  refundableFee(order: OrderRecord): number {
    const taken = this.refundsOfOrder(order)
      .filter((r) => r.status !== 'REFUNDCLOSE')
      .reduce((sum, r) => sum + r.refundFee, 0);
    return order.totalFee - taken;
  }

  /** Opens a new PROCESSING refund of a paid order (v2 and v3 alike), with a fresh refund id, and records it. */
  openRefund(
    order: OrderRecord,
    fields: Pick<RefundRecord, 'appId' | 'mchId' | 'outRefundNo' | 'totalFee' | 'refundFee' | 'refundDesc' | 'notifyUrl' | 'apiVersion'>,
  ): RefundRecord {
    const now = this.now();
    const { refundDesc, notifyUrl, apiVersion, ...required } = fields;
    const record: RefundRecord = {
      ...required,
      outTradeNo: order.outTradeNo,
      transactionId: order.transactionId as string,
      refundId: newRefundId(now),
      ...(refundDesc !== undefined ? { refundDesc } : {}),
      ...(notifyUrl !== undefined ? { notifyUrl } : {}),
      status: 'PROCESSING',
      createdAt: now,
      ...(apiVersion !== undefined ? { apiVersion } : {}),
    };
    this.addRefund(record, order);
    return record;
  }

  /** Records a PROCESSING refund and schedules its settlement after the (scaled) refund delay. */
  addRefund(refund: RefundRecord, order: OrderRecord): void {
    this.refunds.set(key(refund.mchId, refund.outRefundNo), refund);
    this.refundsById.set(refund.refundId, refund);
    order.refunds.push(refund.outRefundNo);
    this.schedule(this.config.refundDelayMs * this.config.timeScale, () => {
      if (refund.status !== 'PROCESSING' || this.refund(refund.mchId, refund.outRefundNo) !== refund) return;
      this.settle(refund, 'SUCCESS').catch((error: unknown) => this.log(`refund settlement failed: ${String(error)}`));
    });
  }

  recordReport(report: SimPayReport): void {
    this.reports.push(report);
    if (this.reports.length > STORE_LIMIT) this.reports.splice(0, this.reports.length - STORE_LIMIT);
  }

  /** Plays the user confirming `wx.requestPayment`, then delivers the payment notification (first attempt awaited). */
  async pay(input: SimPayInput): Promise<SimPayResult> {
    const raw = asInput(input);
    if (typeof raw.prepayId !== 'string' || raw.prepayId.length === 0) throw new SimulatorInputError('prepayId must be a non-empty string');
    const result = raw.result ?? 'SUCCESS';
    if (result !== 'SUCCESS' && result !== 'FAIL') throw new SimulatorInputError("result must be 'SUCCESS' or 'FAIL'");
    const bankType = raw.bankType ?? 'OTHERS';
    if (typeof bankType !== 'string' || !BANK_TYPE.test(bankType))
      throw new SimulatorInputError('bankType must be 1-32 characters of [A-Z0-9_]');

    const order = this.ordersByPrepay.get(raw.prepayId);
    if (!order) throw new SimulatorInputError('unknown prepayId', 404);
    if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new SimulatorInputError('the order is already paid', 409);
    if (order.tradeState === 'CLOSED') throw new SimulatorInputError('the order is closed', 410);
    const now = this.now();
    if (order.prepayId !== raw.prepayId || now >= order.prepayExpiresAt) throw new SimulatorInputError('the prepayId has expired', 410);
    if (order.timeExpire !== undefined && now >= (parseBeijingCompact(order.timeExpire) ?? Infinity)) {
      throw new SimulatorInputError('the order has expired (time_expire)', 410);
    }
    const merchant = this.merchants.get(order.mchId) as SimulatorMerchant;

    order.transactionId ??= newTransactionId(now);
    this.ordersByTransaction.set(order.transactionId, order);
    order.bankType = bankType;
    order.timeEnd = beijingCompact(now);
    if (result === 'SUCCESS') {
      order.tradeState = 'SUCCESS';
      order.paidAt = now;
    } else {
      order.tradeState = 'PAYERROR';
    }
    if (order.apiVersion === 'v3' && this.v3) {
      const v3Notification = await this.v3.paymentNotification(order, result);
      return { outTradeNo: order.outTradeNo, transactionId: order.transactionId, notification: v3Notification };
    }
    order.notifyFields = this.paymentNotifyFields(order, merchant, result);
    const notification = await this.notifier.deliver({
      kind: 'pay',
      mchId: order.mchId,
      outTradeNo: order.outTradeNo,
      url: order.notifyUrl,
      variant: 'genuine',
      body: buildPayXml(order.notifyFields),
      retry: true,
    });
    return { outTradeNo: order.outTradeNo, transactionId: order.transactionId, notification };
  }

  /** Sends variants of an order's payment notification, once each and concurrently, without retries. */
  async notify(input: SimNotifyInput): Promise<SimNotification[]> {
    const raw = asInput(input);
    const merchant = this.resolveMerchant(raw.mchId);
    const kind = raw.kind as SimNotifyVariant;
    const v3Kind = V3_VARIANTS.includes(raw.kind as SimV3NotifyVariant);
    if (!PAY_VARIANTS.includes(kind) && !v3Kind) throw new SimulatorInputError(`kind must be one of ${PAY_VARIANTS.join(', ')}`);
    const copies = copiesOf(raw.copies);
    let order: OrderRecord | undefined;
    if (raw.transactionId !== undefined) {
      if (typeof raw.transactionId !== 'string') throw new SimulatorInputError('transactionId must be a string');
      order = this.orderByTransaction(merchant.mchId, raw.transactionId);
    } else if (raw.outTradeNo !== undefined) {
      if (typeof raw.outTradeNo !== 'string') throw new SimulatorInputError('outTradeNo must be a string');
      order = this.order(merchant.mchId, raw.outTradeNo);
    } else {
      throw new SimulatorInputError('give outTradeNo or transactionId');
    }
    if (!order) throw new SimulatorInputError('unknown order', 404);
    if (order.apiVersion === 'v3' && this.v3) {
      if (!v3Kind) throw new SimulatorInputError(`kind must be one of ${V3_VARIANTS.join(', ')} for an API v3 order`);
      return this.v3.notify(order, raw.kind as SimV3NotifyVariant, copies);
    }
    if (!PAY_VARIANTS.includes(kind)) throw new SimulatorInputError(`kind must be one of ${PAY_VARIANTS.join(', ')}`);
    let genuine = order.notifyFields;
    if (!genuine) {
      // An unpaid order has no genuine notification to repeat, but forgeries of one are exactly what an app must
      // refuse: they are built from the notification the order would get if paid now (not stored; state unchanged).
      if (kind === 'duplicate') throw new SimulatorInputError('the order has not been paid, so there is no notification to duplicate', 409);
      const now = this.now();
      const wouldBe = { ...order, transactionId: order.transactionId ?? newTransactionId(now), timeEnd: beijingCompact(now) };
      genuine = this.paymentNotifyFields(wouldBe, merchant, 'SUCCESS');
    }
    const found = order;
    const fields = genuine;
    return Promise.all(
      Array.from({ length: copies }, () =>
        this.notifier.deliver({
          kind: 'pay',
          mchId: found.mchId,
          outTradeNo: found.outTradeNo,
          url: found.notifyUrl,
          variant: kind,
          body: buildPayXml(payVariant(kind, fields, found, merchant)),
          retry: false,
        }),
      ),
    );
  }

  /** Sends variants of a settled refund's notification, once each and concurrently, without retries. */
  async refundNotify(input: SimRefundNotifyInput): Promise<SimNotification[]> {
    const raw = asInput(input);
    const merchant = this.resolveMerchant(raw.mchId);
    const kind = raw.kind as SimRefundNotifyVariant;
    const v3Kind = V3_VARIANTS.includes(raw.kind as SimV3NotifyVariant);
    if (!REFUND_VARIANTS.includes(kind) && !v3Kind) throw new SimulatorInputError(`kind must be one of ${REFUND_VARIANTS.join(', ')}`);
    const copies = copiesOf(raw.copies);
    const refund = this.requireRefund(merchant, raw.outRefundNo);
    if (refund.notifyUrl === undefined) throw new SimulatorInputError('the refund has no notify_url', 409);
    if (refund.apiVersion === 'v3' && this.v3) {
      if (!v3Kind) throw new SimulatorInputError(`kind must be one of ${V3_VARIANTS.join(', ')} for an API v3 refund`);
      if (refund.v3Notification === undefined) throw new SimulatorInputError('the refund is not settled yet', 409);
      return this.v3.refundNotify(refund, raw.kind as SimV3NotifyVariant, copies);
    }
    if (!REFUND_VARIANTS.includes(kind)) throw new SimulatorInputError(`kind must be one of ${REFUND_VARIANTS.join(', ')}`);
    const { reqInfoPlain, notifyBody } = refund;
    if (reqInfoPlain === undefined || notifyBody === undefined) throw new SimulatorInputError('the refund is not settled yet', 409);
    const url = refund.notifyUrl;
    return Promise.all(
      Array.from({ length: copies }, () => {
        let body = notifyBody;
        if (kind === 'garbage-req-info') {
          // 37 bytes: never a whole number of AES blocks.
          body = refundNotifyBody(merchant, merchant.appId, randomBytes(37).toString('base64'));
        } else if (kind === 'wrong-key') {
          body = refundNotifyBody(merchant, merchant.appId, encryptRefundReqInfo(reqInfoPlain, createNonceStr(32)));
        } else if (kind === 'wrong-appid') {
          body = refundNotifyBody(merchant, otherAppId(merchant.appId), encryptRefundReqInfo(reqInfoPlain, merchant.apiKey));
        }
        return this.notifier.deliver({
          kind: 'refund',
          mchId: refund.mchId,
          outTradeNo: refund.outTradeNo,
          outRefundNo: refund.outRefundNo,
          url,
          variant: kind,
          body,
          retry: false,
        });
      }),
    );
  }

  /** Settles a PROCESSING refund now; resolves after the first attempt of its notification, if it has a notify_url. */
  async settleRefund(input: SimSettleRefundInput): Promise<{ refund: SimRefund; notification?: SimNotification }> {
    const raw = asInput(input);
    const merchant = this.resolveMerchant(raw.mchId);
    // The API v3 names of the final states are accepted too.
    const status = raw.status === 'CLOSED' ? 'REFUNDCLOSE' : raw.status === 'ABNORMAL' ? 'CHANGE' : (raw.status ?? 'SUCCESS');
    if (status !== 'SUCCESS' && status !== 'REFUNDCLOSE' && status !== 'CHANGE') {
      throw new SimulatorInputError("status must be 'SUCCESS', 'REFUNDCLOSE' or 'CHANGE'");
    }
    const refund = this.requireRefund(merchant, raw.outRefundNo);
    if (refund.status !== 'PROCESSING') throw new SimulatorInputError(`the refund is already ${refund.status}`, 409);
    const notification = await this.settle(refund, status);
    return { refund: copyRefund(refund), ...(notification ? { notification } : {}) };
  }

  /** Copies of the public state, for the getters. */
  orderCopy(outTradeNo: string, mchId?: string): SimOrder | undefined {
    const order = this.order(this.resolveMerchant(mchId).mchId, outTradeNo);
    return order ? copyOrder(order) : undefined;
  }

  refundCopy(outRefundNo: string, mchId?: string): SimRefund | undefined {
    const refund = this.refund(this.resolveMerchant(mchId).mchId, outRefundNo);
    return refund ? copyRefund(refund) : undefined;
  }

  /** Cancels pending notification retries and refund settlements (the server stopped). */
  stop(): void {
    this.notifier.cancelAll();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Forgets orders, refunds, reports and notifications; the merchants stay. */
  reset(): void {
    this.stop();
    this.notifier.clear();
    this.orders.clear();
    this.ordersByTransaction.clear();
    this.ordersByPrepay.clear();
    this.refunds.clear();
    this.refundsById.clear();
    this.reports.length = 0;
  }

  private requireRefund(merchant: SimulatorMerchant, outRefundNo: unknown): RefundRecord {
    if (typeof outRefundNo !== 'string' || !ID_TEXT.test(outRefundNo)) throw new SimulatorInputError('outRefundNo must be a refund number');
    const refund = this.refund(merchant.mchId, outRefundNo);
    if (!refund) throw new SimulatorInputError('unknown refund', 404);
    return refund;
  }

  private async settle(refund: RefundRecord, status: Exclude<SimRefundStatus, 'PROCESSING'>): Promise<SimNotification | undefined> {
    const now = this.now();
    refund.status = status;
    refund.settledAt = now;
    const order = this.order(refund.mchId, refund.outTradeNo);
    if (status === 'SUCCESS') {
      refund.successTime = beijingDateTime(now);
      if (order && order.tradeState === 'SUCCESS') order.tradeState = 'REFUND';
    }
    if (refund.notifyUrl === undefined) return undefined;
    if (refund.apiVersion === 'v3' && this.v3) return this.v3.refundNotification(refund);
    const merchant = this.merchants.get(refund.mchId) as SimulatorMerchant;
    refund.reqInfoPlain = buildPayXml(
      {
        transaction_id: refund.transactionId,
        out_trade_no: refund.outTradeNo,
        refund_id: refund.refundId,
        out_refund_no: refund.outRefundNo,
        total_fee: String(refund.totalFee),
        settlement_total_fee: String(refund.totalFee),
        refund_fee: String(refund.refundFee),
        settlement_refund_fee: String(refund.refundFee),
        refund_status: status,
        success_time: refund.successTime,
        refund_recv_accout: '支付用户的零钱',
        refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
        refund_request_source: 'API',
      },
      { root: 'root' },
    );
    refund.notifyBody = refundNotifyBody(merchant, merchant.appId, encryptRefundReqInfo(refund.reqInfoPlain, merchant.apiKey));
    return this.notifier.deliver({
      kind: 'refund',
      mchId: refund.mchId,
      outTradeNo: refund.outTradeNo,
      outRefundNo: refund.outRefundNo,
      url: refund.notifyUrl,
      variant: 'genuine',
      body: refund.notifyBody,
      retry: true,
    });
  }

  private paymentNotifyFields(order: OrderRecord, merchant: SimulatorMerchant, result: 'SUCCESS' | 'FAIL'): Record<string, string> {
    const fields: Record<string, string> = {
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: order.appId,
      mch_id: order.mchId,
      ...(order.deviceInfo !== undefined ? { device_info: order.deviceInfo } : {}),
      nonce_str: createNonceStr(32),
      result_code: result,
      ...(result === 'FAIL' ? { err_code: 'PAYERROR', err_code_des: '支付失败' } : {}),
      ...(order.openId !== undefined ? { openid: order.openId } : {}),
      is_subscribe: 'N',
      trade_type: order.tradeType,
      bank_type: order.bankType ?? 'OTHERS',
      total_fee: String(order.totalFee),
      fee_type: 'CNY',
      cash_fee: String(order.totalFee),
      transaction_id: order.transactionId as string,
      out_trade_no: order.outTradeNo,
      ...(order.attach !== undefined ? { attach: order.attach } : {}),
      time_end: order.timeEnd as string,
      ...(order.signType === 'HMAC-SHA256' ? { sign_type: 'HMAC-SHA256' } : {}),
    };
    fields.sign = payV2Sign(fields, merchant.apiKey, order.signType);
    return fields;
  }

  private schedule(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private evictOldestOrder(): void {
    const oldest = this.orders.values().next();
    if (oldest.done) return;
    const order = oldest.value;
    this.orders.delete(key(order.mchId, order.outTradeNo));
    for (const [prepayId, o] of this.ordersByPrepay) if (o === order) this.ordersByPrepay.delete(prepayId);
    if (order.transactionId !== undefined) this.ordersByTransaction.delete(order.transactionId);
    for (const refund of this.refundsOfOrder(order)) {
      this.refunds.delete(key(refund.mchId, refund.outRefundNo));
      this.refundsById.delete(refund.refundId);
    }
  }
}

function key(mchId: string, id: string): string {
  return `${mchId}\n${id}`;
}

function copiesOf(value: unknown): number {
  const copies = value ?? 1;
  if (typeof copies !== 'number' || !Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) {
    throw new SimulatorInputError(`copies must be an integer from 1 to ${MAX_COPIES}`);
  }
  return copies;
}

/** Another plausible appid, never the merchant's. */
function otherAppId(appId: string): string {
  let other = appId;
  while (other === appId) other = `wx${randomBytes(8).toString('hex')}`;
  return other;
}

/** Another plausible mch_id, never the merchant's. */
function otherMchId(mchId: string): string {
  let other = mchId;
  while (other === mchId) other = `1${String(randomInt(100_000_000, 1_000_000_000))}`;
  return other;
}

function payVariant(
  kind: SimNotifyVariant,
  genuine: Record<string, string>,
  order: OrderRecord,
  merchant: SimulatorMerchant,
): Record<string, string> {
  const { sign: _sign, ...unsigned } = genuine;
  const resign = (fields: Record<string, string>, apiKey = merchant.apiKey): Record<string, string> => ({
    ...fields,
    sign: payV2Sign(fields, apiKey, order.signType),
  });
  switch (kind) {
    case 'duplicate':
      return genuine;
    case 'forged-sign':
      return {
        ...unsigned,
        sign: randomBytes(order.signType === 'MD5' ? 16 : 32)
          .toString('hex')
          .toUpperCase(),
      };
    case 'wrong-key':
      return resign(unsigned, createNonceStr(32));
    case 'wrong-amount':
      return resign({ ...unsigned, total_fee: String(order.totalFee + 1), cash_fee: String(order.totalFee + 1) });
    case 'wrong-appid':
      return resign({ ...unsigned, appid: otherAppId(merchant.appId) });
    case 'wrong-mchid':
      return resign({ ...unsigned, mch_id: otherMchId(merchant.mchId) });
    case 'fail-return-code':
      return { return_code: 'FAIL', return_msg: 'simulated FAIL notification' };
    case 'unsigned':
      return unsigned;
  }
}

function refundNotifyBody(merchant: SimulatorMerchant, appId: string, reqInfo: string): string {
  return buildPayXml({ return_code: 'SUCCESS', appid: appId, mch_id: merchant.mchId, nonce_str: createNonceStr(32), req_info: reqInfo });
}

function copyOrder(order: OrderRecord): SimOrder {
  const { notifyFields: _fields, v3Notification: _v3, ...rest } = order;
  return { ...rest, refunds: [...order.refunds] };
}

function copyRefund(refund: RefundRecord): SimRefund {
  const { reqInfoPlain: _plain, notifyBody: _body, v3Notification: _v3, ...rest } = refund;
  return { ...rest };
}
