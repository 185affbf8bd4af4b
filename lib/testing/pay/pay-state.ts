import { STORE_LIMIT } from '../server/simulator.constants';
import { PayNotifier } from './pay-notifier';
import { PayPayments } from './pay-payments';
import { PayRefunds } from './pay-refunds';
import type { NewRefund } from './pay-refunds';
import { PayStore, copyOrder, copyRefund } from './pay-store';
import { SimulatorInputError } from '../server/simulator-http';
import type { SimulatorState } from '../server/simulator-state';
import type { SimV3NotifyVariant } from '../pay-v3/pay-v3.interfaces';
import type {
  SimNotification,
  SimNotifyInput,
  SimOrder,
  SimPayInput,
  SimPayReport,
  SimPayResult,
  SimRefund,
  SimRefundNotifyInput,
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

/**
 * The WeChat Pay side of the simulator's memory: merchants, orders and refunds (kept by {@link PayStore}),
 * `/payitil/report` calls and notifications, with the operations of the simulated user and of the control API
 * (payments in {@link PayPayments}, refunds in {@link PayRefunds}).
 * @internal
 */
export class PayState extends PayStore {
  readonly merchants = new Map<string, SimulatorMerchant>();
  readonly reports: SimPayReport[] = [];
  readonly notifier: PayNotifier;
  /** The API v3 side, once plugged in. */
  v3?: PayV3Hooks;
  private readonly payments: PayPayments;
  private readonly refunding: PayRefunds;

  constructor(
    readonly sim: SimulatorState,
    readonly config: PayConfig,
    log: (line: string) => void,
  ) {
    super();
    for (const merchant of config.merchants) this.merchants.set(merchant.mchId, { ...merchant });
    this.notifier = new PayNotifier(config.timeScale, log);
    this.payments = new PayPayments(this);
    this.refunding = new PayRefunds(this, log);
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

  /** Gives an order a new `prepay_id`; the old one stays known, so paying with it says "expired". */
  renewPrepay(order: OrderRecord, prepayId: string): void {
    order.prepayId = prepayId;
    order.prepayExpiresAt = this.now() + this.config.prepayTtlMs * this.config.timeScale;
    this.indexPrepay(order, prepayId);
  }

  /** Opens a new PROCESSING refund of a paid order (v2 and v3 alike), with a fresh refund id, and records it. */
  openRefund(order: OrderRecord, fields: NewRefund): RefundRecord {
    return this.refunding.open(order, fields);
  }

  recordReport(report: SimPayReport): void {
    this.reports.push(report);
    if (this.reports.length > STORE_LIMIT) this.reports.splice(0, this.reports.length - STORE_LIMIT);
  }

  /** Plays the user confirming `wx.requestPayment`, then delivers the payment notification (first attempt awaited). */
  pay(input: SimPayInput): Promise<SimPayResult> {
    return this.payments.pay(input);
  }

  /** Sends variants of an order's payment notification, once each and concurrently, without retries. */
  notify(input: SimNotifyInput): Promise<SimNotification[]> {
    return this.payments.notify(input);
  }

  /** Sends variants of a settled refund's notification, once each and concurrently, without retries. */
  refundNotify(input: SimRefundNotifyInput): Promise<SimNotification[]> {
    return this.refunding.notify(input);
  }

  /** Settles a PROCESSING refund now; resolves after the first attempt of its notification, if it has a notify_url. */
  settleRefund(input: SimSettleRefundInput): Promise<{ refund: SimRefund; notification?: SimNotification }> {
    return this.refunding.settleNow(input);
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
    this.refunding.stop();
  }

  /** Forgets orders, refunds, reports and notifications; the merchants stay. */
  reset(): void {
    this.stop();
    this.notifier.clear();
    this.clearRecords();
    this.reports.length = 0;
  }
}
