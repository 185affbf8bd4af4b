import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PAY_TRANSFER_FINAL_STATES, PayTransfer } from '../../entities/pay-transfer.entity';
import { AfterCommitQueue } from '../../utils/after-commit';
import { PayEventRegistry } from '../pay-event.registry';
import { PayLedger } from '../pay-ledger';
import type { TransferBill } from './pay-transfer.interfaces';
import { isFinalTransferState } from './transfer-bill';

/** What applying a bill did: moved the transfer to its final state, found it there already, or updated a passing state. */
export type TransferApplied = { status: 'processed' | 'duplicate' | 'updated'; transfer: PayTransfer };

/**
 * The one place a `PayTransfer` changes state, whichever source told of it (the notification, a query, a create or
 * cancel answer). A final state is written by a conditional update that only a transfer not yet final passes, in a
 * transaction with the host's `@OnPayTransferSucceeded()` / `@OnPayTransferFailed()` handlers: it happens exactly once
 * across every instance that shares the database. Passing states (`WAIT_USER_CONFIRM`, `TRANSFERING`, …) are recorded
 * without handlers and never overwrite a final one.
 * @internal
 */
@Injectable()
export class PayTransferLedger {
  private readonly logger = new Logger('MiniProgram');

  constructor(
    private readonly events: PayEventRegistry,
    private readonly ledger: PayLedger,
    @InjectRepository(PayTransfer) private readonly transfers: Repository<PayTransfer>,
  ) {}

  /** Applies what WeChat says of a stored transfer's bill (checked against the transfer by the caller). */
  async apply(transfer: PayTransfer, bill: TransferBill, source: 'notify' | 'query'): Promise<TransferApplied> {
    if (bill.state === undefined) {
      return { status: 'duplicate', transfer: await this.transfers.findOneByOrFail({ id: transfer.id }) };
    }
    if (!isFinalTransferState(bill.state)) {
      await this.transfers
        .createQueryBuilder()
        .update(PayTransfer)
        .set({ state: bill.state, transferBillNo: bill.transferBillNo ?? transfer.transferBillNo })
        .where('id = :id', { id: transfer.id })
        .andWhere('state NOT IN (:...finals)', { finals: PAY_TRANSFER_FINAL_STATES })
        .execute();
      return { status: 'updated', transfer: await this.transfers.findOneByOrFail({ id: transfer.id }) };
    }
    return this.ledger.track(this.finish(transfer, bill, source));
  }

  private async finish(transfer: PayTransfer, bill: TransferBill, source: 'notify' | 'query'): Promise<TransferApplied> {
    const afterCommit = new AfterCommitQueue(this.logger);
    const outcome = await this.transfers.manager.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(PayTransfer)
        .set({
          state: bill.state,
          transferBillNo: bill.transferBillNo ?? transfer.transferBillNo,
          failReason: bill.state === 'SUCCESS' ? null : (bill.failReason?.slice(0, 64) ?? null),
          finishedAt: bill.updateTime ?? new Date(),
        })
        .where('id = :id', { id: transfer.id })
        .andWhere('state NOT IN (:...finals)', { finals: PAY_TRANSFER_FINAL_STATES })
        .execute();
      const current = await manager.findOneByOrFail(PayTransfer, { id: transfer.id });
      if (!result.affected) {
        if (current.state !== bill.state) {
          this.logger.error(`transfer ${transfer.outBillNo} is ${current.state}, now also reported ${bill.state}`);
        }
        return { status: 'duplicate' as const, transfer: current };
      }
      await this.events.transferFinished({ transfer: current, source, raw: bill.raw, manager, afterCommit: afterCommit.add });
      return { status: 'processed' as const, transfer: current };
    });
    if (outcome.status === 'processed') void this.ledger.track(afterCommit.run());
    return outcome;
  }
}
