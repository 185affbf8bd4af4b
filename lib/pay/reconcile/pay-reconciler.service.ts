import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, MoreThan, Not, Repository } from 'typeorm';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayRefund } from '../../entities/pay-refund.entity';
import { PAY_TRANSFER_FINAL_STATES, PayTransfer } from '../../entities/pay-transfer.entity';
import { WeChatPayInputError } from '../../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions } from '../../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { InflightWork } from '../../utils/inflight-work';
import { PayOrdersService } from '../orders/pay-orders.service';
import { PayEventRegistry } from '../pay-event.registry';
import { PayLedger } from '../pay-ledger';
import { payOptionsFor } from '../pay-options.util';
import { WeChatPayTransferService } from '../transfers/wechat-pay-transfer.service';
import { WeChatPayV2Api } from '../v2/wechat-pay-v2.api';
import { WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import { billDay } from './bill-compare';
import { reconcileBillRun } from './pay-reconcile-bill';
import { reconcilePendingRun } from './pay-reconcile-pending';
import type {
  BillReconciliationReport,
  PayPendingAges,
  PayReconcileBillOptions,
  PayReconcileMetrics,
  PayReconcilePendingOptions,
  PayReconcileSummary,
} from './pay-reconcile.interfaces';

const AGES = [5 * 60_000, 3_600_000, 86_400_000] as const;

/**
 * Keeps the stored payments, refunds and transfers in step with WeChat Pay:
 * - `reconcilePending()` asks WeChat for every order, refund and transfer left in a state that is not final past
 *   `pay.reconcile.minAgeSeconds` (a lost notification) and applies what it says through the same exactly-once ledger as
 *   the notifications, handlers included; with `closeExpiredUnpaid`, unpaid orders whose prepay_id expired are closed.
 *   Each item is taken under a lease in the database, so that across instances one run handles it at a time.
 * - `reconcileBill(day)` compares the day's trade bill with the stored orders and refunds, reports every mismatch
 *   (typed, and as a `@OnPayBillMismatch()` event) and repairs through the ledger what a query can repair.
 * - `metrics()` counts what is pending by age, and the mismatches of the last bill run.
 * Runs by itself with `pay.reconcile.schedule`, else when the host calls it.
 * @publicApi
 */
@Injectable()
export class PayReconciler implements BeforeApplicationShutdown {
  private readonly logger = new Logger('MiniProgram');
  private readonly inflight = new InflightWork();
  private stopped = false;
  private lastPendingRun: PayReconcileSummary | undefined;
  private lastBill: BillReconciliationReport | undefined;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    @InjectRepository(PayOrder) private readonly orders: Repository<PayOrder>,
    @InjectRepository(PayRefund) private readonly refunds: Repository<PayRefund>,
    @InjectRepository(PayTransfer) private readonly transfers: Repository<PayTransfer>,
    private readonly payOrders: PayOrdersService,
    private readonly transferService: WeChatPayTransferService,
    private readonly ledger: PayLedger,
    private readonly events: PayEventRegistry,
    private readonly v2: WeChatPayV2Api,
    private readonly v3: WeChatPayV3Api,
  ) {}

  /** Lets a run in progress finish (bounded by the ledger's grace period) before the connection closes; no new item is taken. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.inflight.drain(PayLedger.shutdownGraceMs);
  }

  /**
   * Asks WeChat for every order (reached WeChat, unpaid), refund (PROCESSING) and transfer (not final) at least
   * `minAgeSeconds` old, at most `batchSize` of each, and applies what it says through the ledger. Safe to run on several
   * instances at once, and concurrently on one: a lease gives each item to one run. An item WeChat cannot be asked about
   * is counted `failed` and stays for the next run.
   */
  async reconcilePending(options: PayReconcilePendingOptions = {}): Promise<PayReconcileSummary> {
    const api = 'reconcilePending';
    const pay = this.pay(api);
    const problems: string[] = [];
    const now = options?.now ?? new Date();
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) problems.push('now must be a valid Date');
    const check = (value: unknown, name: string, min: number, max: number) => {
      if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max))
        problems.push(`${name} must be an integer from ${min} to ${max}`);
    };
    check(options?.minAgeSeconds, 'minAgeSeconds', 0, 604_800);
    check(options?.batchSize, 'batchSize', 1, 1000);
    if (options?.closeExpiredUnpaid !== undefined && typeof options.closeExpiredUnpaid !== 'boolean')
      problems.push('closeExpiredUnpaid must be a boolean');
    if (problems.length > 0) throw new WeChatPayInputError(api, problems);
    if (this.stopped) throw new WeChatPayInputError(api, ['the application is shutting down']);
    const settings = {
      ...pay.reconcile,
      ...(options?.minAgeSeconds !== undefined ? { minAgeSeconds: options.minAgeSeconds } : {}),
      ...(options?.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      ...(options?.closeExpiredUnpaid !== undefined ? { closeExpiredUnpaid: options.closeExpiredUnpaid } : {}),
    };
    const deps = { ...this.deps(pay), transfers: this.transfers, transferService: this.transferService, stopped: () => this.stopped };
    return this.inflight.track(reconcilePendingRun(deps, settings, now, this.logger).then((summary) => (this.lastPendingRun = summary)));
  }

  /**
   * Downloads the trade bill (`ALL`) of a Beijing day (`yyyy-MM-dd`, `yyyyMMdd` or a Date) and compares every row with
   * the stored orders and refunds, and every order paid (refund succeeded) that day with the bill. Each mismatch is in
   * the report and goes to the `@OnPayBillMismatch()` handlers, after the repair was tried: a payment or refund the bill
   * has and the row does not yet is asked for at WeChat and applied through the ledger (handlers run exactly once).
   * @throws WeChatPayInputError for a day that is not one.
   */
  async reconcileBill(day: string | Date, options: PayReconcileBillOptions = {}): Promise<BillReconciliationReport> {
    const api = 'reconcileBill';
    const pay = this.pay(api);
    const bounds = billDay(day);
    if (!bounds) throw new WeChatPayInputError(api, ['day must be a Date or a yyyy-MM-dd string']);
    const version = options?.apiVersion ?? pay.apiVersion;
    if (version !== 'v2' && version !== 'v3') throw new WeChatPayInputError(api, ["apiVersion must be 'v2' or 'v3'"]);
    if (version === 'v3' && !pay.v3) throw new WeChatPayInputError(api, ['apiVersion v3 needs pay.v3']);
    if (version === 'v2' && !pay.apiKey) throw new WeChatPayInputError(api, ['apiVersion v2 needs pay.apiKey']);
    if (options?.repair !== undefined && typeof options.repair !== 'boolean')
      throw new WeChatPayInputError(api, ['repair must be a boolean']);
    if (this.stopped) throw new WeChatPayInputError(api, ['the application is shutting down']);
    const run = async () => {
      const report = await reconcileBillRun(this.deps(pay), bounds, version, options?.repair ?? true, this.logger);
      this.lastBill = report;
      for (const mismatch of report.mismatches) await this.events.billMismatch({ mismatch, manager: this.orders.manager });
      return report;
    };
    return this.inflight.track(run());
  }

  /** Counts of pending orders, refunds and transfers by age, and this instance's last runs. */
  async metrics(options: { now?: Date } = {}): Promise<PayReconcileMetrics> {
    const now = options.now ?? new Date();
    const ages = async (count: (newer?: Date) => Promise<number>): Promise<PayPendingAges> => {
      const total = await count();
      const [a, b, c] = await Promise.all(AGES.map((ms) => count(new Date(now.getTime() - ms))));
      return { under5m: a, under1h: b - a, under1d: c - b, older: total - c, total };
    };
    const after = (newer?: Date) => (newer ? { createdAt: MoreThan(newer) } : {});
    const orders = await ages((newer) =>
      this.orders.countBy({ paid: false, status: In(['NOTPAY', 'USERPAYING']), prepayId: Not(IsNull()), ...after(newer) }),
    );
    const refunds = await ages((newer) => this.refunds.countBy({ status: 'PROCESSING', ...after(newer) }));
    const transfers = await ages((newer) => this.transfers.countBy({ state: Not(In([...PAY_TRANSFER_FINAL_STATES])), ...after(newer) }));
    const bill = this.lastBill;
    return {
      at: now,
      pending: { orders, refunds, transfers },
      ...(this.lastPendingRun ? { lastPendingRun: this.lastPendingRun } : {}),
      ...(bill
        ? {
            lastBill: {
              billDate: bill.billDate,
              finishedAt: bill.finishedAt,
              counts: { ...bill.counts },
              mismatches: bill.mismatches.length,
            },
          }
        : {}),
    };
  }

  private pay(api: string): ResolvedPayOptions {
    return payOptionsFor(this.options, api);
  }

  private deps(pay: ResolvedPayOptions) {
    return { pay, orders: this.orders, refunds: this.refunds, payOrders: this.payOrders, ledger: this.ledger, v2: this.v2, v3: this.v3 };
  }
}
