import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, In, LessThanOrEqual, Repository } from 'typeorm';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayShippingUpload } from '../../entities/pay-shipping-upload.entity';
import { WeChatApiError, WeChatUnavailableError } from '../../errors/wechat-api.error';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import type { MiniProgramShippingAutoUpload, ResolvedMiniProgramOptions } from '../../interfaces';
import { InflightWork } from '../../utils/inflight-work';
import { OnPayOrderPaid } from '../pay-event.decorators';
import { PayLedger } from '../pay-ledger';
import type { PayOrderPaidEvent } from '../wechat-pay.interfaces';
import { ShippingUploader } from './shipping-uploader';

/** How long an instance owns an upload it started sending: far longer than one call with its retries. */
const LEASE_MS = 2 * 60_000;
/** After an attempt whose outcome is unknown, the next waits at least this many request timeouts. */
const UNCERTAIN_WAIT_TIMEOUTS = 3;
/** The longest wait between attempts. */
const MAX_RETRY_MS = 3_600_000;
/** Uploads taken per sweep. */
const BATCH = 20;

/**
 * The automatic shipping upload (`shipping.autoUpload`), as an outbox: the row is written by an `@OnPayOrderPaid()`
 * handler in the payment's own transaction, so a payment never commits without it; it is sent right after the commit
 * and, should the process stop first, by the sweep every instance runs. Each row is sent by one instance at a time (a
 * lease taken by a conditional update), retried with backoff until WeChat accepts it, and never uploaded twice: an
 * attempt after one whose outcome is unknown (a timeout, a crash) first asks WeChat whether the order is shipped.
 * @internal
 */
@Injectable()
export class PayShippingOutbox implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MiniProgram');
  private readonly inflight = new InflightWork();
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /** A sweep was asked for while one ran. */
  private again = false;
  private stopped = false;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    @InjectRepository(PayShippingUpload) private readonly uploads: Repository<PayShippingUpload>,
    private readonly uploader: ShippingUploader,
    private readonly ledger: PayLedger,
  ) {}

  private get auto(): MiniProgramShippingAutoUpload | undefined {
    return this.options.shipping?.autoUpload;
  }

  onApplicationBootstrap(): void {
    if (!this.auto) return;
    this.ledger.onPaymentCommitted(() => this.kick());
    this.timer = setInterval(() => this.kick(), this.options.shipping!.sweepIntervalMs);
    this.timer.unref();
    this.kick(); // what a previous process left
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.inflight.drain(PayLedger.shutdownGraceMs);
  }

  /** Queues the upload of a paid order, in the payment's transaction. */
  @OnPayOrderPaid()
  async queue({ order, manager }: PayOrderPaidEvent): Promise<void> {
    const auto = this.auto;
    if (!auto || (auto.when && !auto.when(order))) return;
    const desc = typeof auto.itemDesc === 'function' ? auto.itemDesc(order) : (auto.itemDesc ?? order.body);
    await manager.insert(PayShippingUpload, {
      orderId: order.id,
      logisticsType: auto.logisticsType,
      itemDesc: [...String(desc)].slice(0, 120).join('') || order.body,
      status: 'PENDING',
      nextAttemptAt: new Date(),
    });
  }

  /**
   * Sends what is due now. A sweep already running is not doubled: it is followed by one more, since a payment that
   * committed after it read its rows would otherwise wait for the next interval.
   */
  sweep(): Promise<void> {
    if (this.sweeping) {
      this.again = true;
      return this.sweeping;
    }
    this.sweeping = this.inflight
      .track(
        (async () => {
          do {
            this.again = false;
            await this.sendDue();
          } while (this.again && !this.stopped);
        })(),
      )
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private kick(): void {
    if (!this.stopped) this.sweep().catch((error: Error) => this.logger.warn(`shipping uploads could not be swept: ${error.message}`));
  }

  private async sendDue(): Promise<void> {
    const now = new Date();
    const due = await this.uploads
      .createQueryBuilder('upload')
      .where('upload.status IN (:...statuses)', { statuses: ['PENDING', 'SENDING'] })
      .andWhere('upload.next_attempt_at <= :now', { now })
      .andWhere(new Brackets((lease) => lease.where('upload.lease_until IS NULL').orWhere('upload.lease_until < :now', { now })))
      .orderBy('upload.id', 'ASC')
      .take(BATCH)
      .getMany();
    for (const upload of due) {
      if (this.stopped) return;
      await this.send(upload);
    }
  }

  /** Takes an upload (if no other instance did), sends it, and records the outcome. */
  private async send(upload: PayShippingUpload): Promise<void> {
    const now = new Date();
    const taken = await this.uploads.update(
      {
        id: upload.id,
        status: In(['PENDING', 'SENDING']),
        nextAttemptAt: LessThanOrEqual(now),
        attempts: upload.attempts,
      },
      { status: 'SENDING', attempts: upload.attempts + 1, leaseUntil: new Date(now.getTime() + LEASE_MS) },
    );
    if (!taken.affected) return; // another instance took it first
    const attempts = upload.attempts + 1;
    const order = await this.uploads.manager.findOneBy(PayOrder, { id: upload.orderId });
    if (!order) return void (await this.uploads.delete({ id: upload.id }));
    try {
      // Only the first attempt can be sure WeChat has not got it yet.
      const shipped = attempts > 1 && (await this.uploader.isShipped(order));
      if (!shipped) await this.uploader.upload(order, upload.logisticsType, upload.itemDesc);
      await this.sent(upload, order);
    } catch (error) {
      await this.failed(upload, attempts, error);
    }
  }

  private async sent(upload: PayShippingUpload, order: PayOrder): Promise<void> {
    const now = new Date();
    await this.uploads.manager.transaction(async (manager) => {
      await manager.update(PayShippingUpload, { id: upload.id }, { status: 'SENT', sentAt: now, leaseUntil: null, lastError: null });
      await manager.update(
        PayOrder,
        { id: order.id, shippingUploaded: false },
        { shippingUploaded: true, shippedAt: order.shippedAt ?? now },
      );
    });
  }

  private async failed(upload: PayShippingUpload, attempts: number, error: unknown): Promise<void> {
    const reason =
      error instanceof WeChatApiError
        ? `errcode ${error.errcode}: ${error.errmsg}`
        : error instanceof WeChatUnavailableError
          ? `WeChat unavailable (${error.kind})`
          : (error as Error)?.message || 'unknown error';
    const lastError = reason.slice(0, 255);
    if (attempts >= this.options.shipping!.maxAttempts) {
      this.logger.error(`shipping info of order ${upload.orderId} was not accepted after ${attempts} attempts; giving up: ${lastError}`);
      await this.uploads.update({ id: upload.id }, { status: 'FAILED', leaseUntil: null, lastError });
      return;
    }
    const backoff = Math.min(MAX_RETRY_MS, this.options.shipping!.retryDelayMs * 2 ** Math.min(attempts - 1, 30));
    // A request that timed out or lost its connection may still be processed by WeChat: the next attempt, which asks
    // first whether the order is shipped, waits until such a late request has surely been handled.
    const uncertain = error instanceof WeChatUnavailableError && (error.kind === 'timeout' || error.kind === 'network');
    const delay = uncertain ? Math.max(backoff, UNCERTAIN_WAIT_TIMEOUTS * this.options.http.timeoutMs) : backoff;
    this.logger.warn(
      `shipping info of order ${upload.orderId} not uploaded (attempt ${attempts}): ${lastError}; retrying in ${delay / 1000} s`,
    );
    await this.uploads.update(
      { id: upload.id },
      { status: 'PENDING', leaseUntil: null, lastError, nextAttemptAt: new Date(Date.now() + delay) },
    );
  }
}
