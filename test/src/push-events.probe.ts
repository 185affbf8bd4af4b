import { Injectable } from '@nestjs/common';
import { OnWeChatEvent, OnWeChatMessage, OnWeChatPush, WeChatAccount } from '../../lib';
import type { WeChatPushEvent, WeChatPushMessage } from '../../lib';

/** A host provider with push handlers that records every call and can be told to fail. */
@Injectable()
export class PushEventsProbe {
  readonly events: Array<Omit<WeChatPushEvent, 'manager' | 'afterCommit'>> = [];
  readonly texts: WeChatPushMessage[] = [];
  readonly unclaimed: WeChatPushMessage[] = [];
  /** The settlement pushes whose after-commit work ran (by CreateTime): only once committed. */
  readonly afterCommitted: number[] = [];
  /** How many of the next event-handler calls throw (after writing through the manager). */
  failNext = 0;
  /** Delay inside the handler, to widen race windows. */
  delayMs = 0;

  @OnWeChatEvent('trade_manage_order_settlement')
  async settled({ manager, afterCommit, ...event }: WeChatPushEvent): Promise<void> {
    afterCommit(() => this.afterCommitted.push(event.message.CreateTime));
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    // A write inside the transaction: it must commit or roll back with the receipt.
    await manager
      .getRepository(WeChatAccount)
      .update({ openId: event.message.FromUserName }, { city: `settled:${event.message.CreateTime}` });
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('the host handler failed');
    }
    this.events.push(event);
  }

  @OnWeChatMessage('text')
  text({ message }: WeChatPushEvent): void {
    this.texts.push(message);
  }

  @OnWeChatPush()
  other({ message }: WeChatPushEvent): void {
    this.unclaimed.push(message);
  }
}
