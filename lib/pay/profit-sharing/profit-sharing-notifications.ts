import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PayProfitShare } from '../../entities/pay-profit-share.entity';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { NotificationRejection } from '../notifications/incoming';
import { WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import { normaliseSplit } from './profit-sharing-input';
import { PayProfitSharingLedger, splitMismatch } from './profit-sharing-ledger';
import type { ProfitSharingNotice } from './profit-sharing-notice';

/**
 * Applies a 分账动账通知 to the stored split. The notification tells of one receiver; the split's state is WeChat's
 * answer to a query made here (signed both ways), applied through the exactly-once step of {@link PayProfitSharingLedger}.
 * A notification for an unknown split, another payment or a receiver the split does not have is refused.
 * @internal
 */
@Injectable()
export class PayProfitSharingNotifications {
  constructor(
    private readonly v3: WeChatPayV3Api,
    private readonly ledger: PayProfitSharingLedger,
    @InjectRepository(PayProfitShare) private readonly shares: Repository<PayProfitShare>,
  ) {}

  async apply(notice: ProfitSharingNotice): Promise<{ status: 'processed' | 'duplicate'; result: PayProfitShare }> {
    const share = await this.shares.findOne({ where: { outOrderNo: notice.outOrderNo } });
    if (!share) throw new NotificationRejection('unknown out_order_no');
    if (share.transactionId !== notice.transactionId) throw new NotificationRejection('transaction_id differs from the split');
    if (notice.eventType === 'PROFITSHARING.RETURN') return { status: 'duplicate', result: share };
    const mine = share.receivers.find((r) => r.type === notice.receiver.type && r.account === notice.receiver.account);
    if (!mine || mine.amount !== notice.receiver.amount) throw new NotificationRejection('the receiver is not one of the split');
    if (share.state === 'FINISHED') return { status: 'duplicate', result: share };
    const { data } = await this.v3.request('GET', `/v3/profitsharing/orders/${share.outOrderNo}?transaction_id=${share.transactionId}`);
    const split = normaliseSplit(data);
    const mismatch = splitMismatch(share, split);
    if (mismatch) throw new WeChatUnavailableError('profitSharingNotify', 'invalid-response', mismatch);
    const outcome = await this.ledger.apply(share, split, 'notify');
    return { status: outcome.status === 'processed' ? 'processed' : 'duplicate', result: outcome.share };
  }
}
