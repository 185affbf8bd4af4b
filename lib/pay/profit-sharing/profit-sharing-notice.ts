import { NotificationRejection } from '../notifications/incoming';

/** The event types of the 分账动账通知: a split, or a return (回退). @internal */
export const PROFIT_SHARING_EVENT_TYPES: ReadonlySet<string> = new Set(['PROFITSHARING.SUCCESS', 'PROFITSHARING.RETURN']);

/** A 分账动账通知, decrypted and checked to be ours. @internal */
export interface ProfitSharingNotice {
  eventType: 'PROFITSHARING.SUCCESS' | 'PROFITSHARING.RETURN';
  transactionId: string;
  outOrderNo: string;
  orderId?: string;
  receiver: { type: string; account: string; amount: number };
  raw: Record<string, unknown>;
}

/** The decrypted resource of a 分账动账通知, checked: ours (`mchid`), naming the split and one receiver. @internal */
export function readProfitSharingNotice(eventType: string, plain: Record<string, unknown>, mchId: string): ProfitSharingNotice {
  if (plain.mchid !== mchId) throw new NotificationRejection('mchid is not ours');
  const receiver = plain.receiver as Record<string, unknown> | undefined;
  const amount = receiver?.amount;
  if (
    typeof plain.transaction_id !== 'string' ||
    typeof plain.out_order_no !== 'string' ||
    plain.out_order_no === '' ||
    !receiver ||
    typeof receiver !== 'object' ||
    typeof receiver.type !== 'string' ||
    typeof receiver.account !== 'string' ||
    typeof amount !== 'number' ||
    !Number.isSafeInteger(amount) ||
    amount < 0
  ) {
    throw new NotificationRejection('transaction_id, out_order_no or receiver missing');
  }
  return {
    eventType: eventType as ProfitSharingNotice['eventType'],
    transactionId: plain.transaction_id,
    outOrderNo: plain.out_order_no,
    ...(typeof plain.order_id === 'string' ? { orderId: plain.order_id } : {}),
    receiver: { type: receiver.type, account: receiver.account, amount },
    raw: plain,
  };
}
