import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { PayOrder, WeChatApiError, WeChatSubscribeMessageService, WeChatUnavailableError } from 'nestjs-miniprogram-api';
import type { PayOrderPaidEvent, SubscribeSendResult } from 'nestjs-miniprogram-api';
import { Repository } from 'typeorm';
import { PaidMessageStatus, PickupOrder } from './pickup-order.entity';

/** Injection token of {@link OrderMessagesOptions}. */
export const ORDER_MESSAGES_OPTIONS = Symbol('ORDER_MESSAGES_OPTIONS');

/** The "order paid" subscribe message. */
export interface OrderMessagesOptions {
  /** The template (`priTmplId`) of the message; without one no message is sent. */
  orderPaidTemplateId?: string;
  /**
   * Whether the module keeps the consent record (`subscribe.recordConsent`): users without an acceptance are then
   * skipped without asking WeChat. Without the record WeChat is asked, and answers 43101 for them.
   */
  skipUnlessAccepted: boolean;
}

/** How often messages left `PENDING` are looked for: a process that stopped between the commit and the send. */
const SWEEP_MS = 30_000;
/** Messages taken per pass; a full batch is followed by another pass. */
const BATCH = 50;

/**
 * The "order paid" subscribe message, sent once the payment has committed — never from inside the payment's
 * transaction, which would hold it open for a call to WeChat, and could send a message for a payment that then rolls
 * back. The `@OnPayOrderPaid()` handler marks the order's message `PENDING` in the payment's transaction (so it is
 * neither lost nor sent for a payment that did not commit) and asks, through the event's `afterCommit`, for it to be
 * sent once that transaction has committed; a sweep sends what a stopped process left. Each message is taken by a conditional update (`PENDING` → `SENDING`), so
 * that one instance sends it, at most once: a process that dies while sending leaves it `SENDING`, not sent twice.
 */
@Injectable()
export class OrderPaidMessages implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SampleApp');
  private running: Promise<void> | undefined;
  /** A commit arrived while a pass was under way: its message may have been missed, so another pass follows. */
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    @Inject(ORDER_MESSAGES_OPTIONS) private readonly options: OrderMessagesOptions,
    @InjectRepository(PickupOrder) private readonly orders: Repository<PickupOrder>,
    private readonly messages: WeChatSubscribeMessageService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.options.orderPaidTemplateId) return;
    this.timer = setInterval(() => this.kick(), SWEEP_MS);
    this.timer.unref();
    this.kick(); // what a previous process left
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    while (this.running) await this.running;
  }

  /**
   * The order's message status to write in the payment's transaction (`PENDING`, or none without a template); the
   * message is sent once that transaction has committed.
   */
  queued(afterCommit: PayOrderPaidEvent['afterCommit']): { paidMessage?: PaidMessageStatus } {
    if (!this.options.orderPaidTemplateId) return {};
    afterCommit(() => this.kick());
    return { paidMessage: 'PENDING' };
  }

  private kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.again = false;
    this.running = this.sendPending()
      .catch((error: Error) => this.logger.warn(`order-paid messages could not be sent: ${error.message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) this.kick();
      });
  }

  private async sendPending(): Promise<void> {
    // The ids alone (an indexed look-up with a plain LIMIT); each order with its payment once it is taken.
    const pending = await this.orders.find({
      select: { id: true },
      where: { paidMessage: 'PENDING' },
      order: { id: 'ASC' },
      take: BATCH,
      loadEagerRelations: false,
    });
    if (pending.length === BATCH) this.again = true;
    for (const { id } of pending) {
      if (this.stopped) return;
      const taken = await this.orders.update({ id, paidMessage: 'PENDING' }, { paidMessage: 'SENDING' });
      if (!taken.affected) continue; // another instance took it
      const order = await this.orders.findOneByOrFail({ id });
      const outcome = order.payOrder ? await this.send(order, order.payOrder) : { paidMessage: 'FAILED' as const, detail: 'no payment' };
      await this.orders.update(
        { id: order.id },
        { paidMessage: outcome.paidMessage, paidMessageDetail: outcome.detail?.slice(0, 255) ?? null },
      );
    }
  }

  private async send(order: PickupOrder, payOrder: PayOrder): Promise<{ paidMessage: PaidMessageStatus; detail?: string }> {
    try {
      const result = await this.messages.send(
        {
          toUser: payOrder.openId,
          templateId: this.options.orderPaidTemplateId!,
          // The keys of 付款成功通知 (物品名称, 付款金额, 付款时间); another template needs other data.
          data: {
            thing1: [...order.description].slice(0, 20).join(''), // thing: at most 20 characters
            amount2: `¥${(order.totalFee / 100).toFixed(2)}`,
            time3: beijingTime(payOrder.paidAt ?? new Date()),
          },
        },
        { skipUnlessAccepted: this.options.skipUnlessAccepted },
      );
      return outcomeOf(result);
    } catch (error) {
      const detail =
        error instanceof WeChatApiError
          ? `errcode ${error.errcode}: ${error.errmsg}`
          : error instanceof WeChatUnavailableError
            ? `WeChat unavailable (${error.kind})`
            : (error as Error)?.message || 'unknown error';
      this.logger.warn(`order-paid message of order ${order.id} not sent: ${detail}`);
      return { paidMessage: 'FAILED', detail };
    }
  }
}

function outcomeOf(result: SubscribeSendResult): { paidMessage: PaidMessageStatus; detail?: string } {
  if (result.sent) return { paidMessage: 'SENT' };
  if (result.reason === 'not-accepted') return { paidMessage: 'SKIPPED', detail: 'not-accepted: the consent record has no acceptance' };
  return { paidMessage: 'REFUSED', detail: `${result.reason}: errcode ${result.errcode}` };
}

/** `2019年10月1日 15:01` in Beijing time (UTC+8, no daylight saving), as WeChat shows a `time` parameter. */
export function beijingTime(at: Date): string {
  const t = new Date(at.getTime() + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}年${t.getUTCMonth() + 1}月${t.getUTCDate()}日 ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}
