import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PayProfitShare, PayProfitShareReceiver } from '../../entities/pay-profit-share.entity';
import { AfterCommitQueue } from '../../utils/after-commit';
import { PayEventRegistry } from '../pay-event.registry';
import { PayLedger } from '../pay-ledger';
import type { ProfitSharingOrder } from './profit-sharing.interfaces';

/** What applying WeChat's view of a split did. @internal */
export type ShareApplied = { status: 'processed' | 'duplicate' | 'updated'; share: PayProfitShare };

/** The stored receivers with WeChat's results laid over them (matched by type and account). */
function mergeReceivers(stored: PayProfitShareReceiver[], answered: ProfitSharingOrder['receivers']): PayProfitShareReceiver[] {
  return stored.map((r) => {
    const line = answered.find((a) => a.type === r.type && a.account === r.account);
    if (!line) return r;
    return {
      ...r,
      ...(line.result ? { result: line.result } : {}),
      ...(line.failReason ? { failReason: line.failReason } : {}),
      ...(line.detailId ? { detailId: line.detailId } : {}),
    };
  });
}

/** Why a split WeChat told of cannot be the stored one, or `undefined` when it can. @internal */
export function splitMismatch(share: PayProfitShare, split: ProfitSharingOrder): string | undefined {
  if (split.outOrderNo !== share.outOrderNo) return 'out_order_no differs from the split';
  if (split.transactionId !== undefined && split.transactionId !== share.transactionId) return 'transaction_id differs from the split';
  if (share.wechatOrderId && split.orderId && split.orderId !== share.wechatOrderId) return 'order_id differs from the split';
  for (const line of split.receivers) {
    const mine = share.receivers.find((r) => r.type === line.type && r.account === line.account);
    if (mine && mine.amount !== line.amount) return `the amount of receiver ${line.account} differs from the split's`;
  }
  return undefined;
}

/**
 * The one place a `PayProfitShare` changes state. `FINISHED` is written by a conditional update that only a split not
 * yet finished passes, in a transaction with the host's `@OnPayProfitSharingSettled()` handlers: exactly once across
 * every instance sharing the database. `PROCESSING` answers record WeChat's `order_id` and per-receiver results.
 * @internal
 */
@Injectable()
export class PayProfitSharingLedger {
  private readonly logger = new Logger('MiniProgram');

  constructor(
    private readonly events: PayEventRegistry,
    private readonly ledger: PayLedger,
    @InjectRepository(PayProfitShare) private readonly shares: Repository<PayProfitShare>,
  ) {}

  /** Applies what WeChat says of a stored split (checked against it by the caller). */
  async apply(share: PayProfitShare, split: ProfitSharingOrder, source: 'notify' | 'query'): Promise<ShareApplied> {
    if (split.state === undefined) return { status: 'duplicate', share: await this.shares.findOneByOrFail({ id: share.id }) };
    if (split.state !== 'FINISHED') {
      await this.shares
        .createQueryBuilder()
        .update(PayProfitShare)
        .set({ wechatOrderId: split.orderId ?? share.wechatOrderId, receivers: mergeReceivers(share.receivers, split.receivers) })
        .where('id = :id', { id: share.id })
        .andWhere('state = :state', { state: 'PROCESSING' })
        .execute();
      return { status: 'updated', share: await this.shares.findOneByOrFail({ id: share.id }) };
    }
    return this.ledger.track(this.finish(share, split, source));
  }

  private async finish(share: PayProfitShare, split: ProfitSharingOrder, source: 'notify' | 'query'): Promise<ShareApplied> {
    const afterCommit = new AfterCommitQueue(this.logger);
    const finished = split.receivers.map((r) => r.finishTime?.getTime() ?? 0).reduce((a, b) => Math.max(a, b), 0);
    const outcome = await this.shares.manager.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(PayProfitShare)
        .set({
          state: 'FINISHED',
          wechatOrderId: split.orderId ?? share.wechatOrderId,
          receivers: mergeReceivers(share.receivers, split.receivers),
          finishedAt: finished > 0 ? new Date(finished) : new Date(),
        })
        .where('id = :id', { id: share.id })
        .andWhere('state = :state', { state: 'PROCESSING' })
        .execute();
      const current = await manager.findOneByOrFail(PayProfitShare, { id: share.id });
      if (!result.affected) return { status: 'duplicate' as const, share: current };
      await this.events.profitSharingSettled({ share: current, source, raw: split.raw, manager, afterCommit: afterCommit.add });
      return { status: 'processed' as const, share: current };
    });
    if (outcome.status === 'processed') void this.ledger.track(afterCommit.run());
    return outcome;
  }
}
