import { Injectable, Logger } from '@nestjs/common';
import { PayOrder } from '../../entities/pay-order.entity';
import { OnWeChatEvent } from '../../push/wechat-push.decorators';
import type { TradeManageOrderSettlementEvent, TradeManageRemindShippingEvent } from '../../push/wechat-push.events';
import type { WeChatPushEvent } from '../../push/wechat-push.interfaces';

const at = (seconds: number | undefined) => (typeof seconds === 'number' && seconds > 0 ? new Date(seconds * 1000) : undefined);

/**
 * Keeps each `PayOrder`'s shipping state in step with WeChat's order-shipping pushes, in the push's transaction: the
 * shipment (`shipped_time`, `estimated_settlement_time`) and the settlement (`confirm_receive_time`,
 * `settlement_time`) of `trade_manage_order_settlement`. Orders this module does not hold are left alone. The host's
 * own handlers of these events run as well.
 * @internal
 */
@Injectable()
export class PayShippingEvents {
  private readonly logger = new Logger('MiniProgram');

  @OnWeChatEvent('trade_manage_order_settlement')
  async settlement({ message, manager }: WeChatPushEvent<TradeManageOrderSettlementEvent>): Promise<void> {
    const { transaction_id: transactionId, merchant_trade_no: outTradeNo } = message;
    const criteria =
      typeof transactionId === 'string' && transactionId
        ? { transactionId }
        : typeof outTradeNo === 'string' && outTradeNo
          ? { outTradeNo }
          : null;
    if (!criteria) return;
    const changes: Partial<PayOrder> = { shippingUploaded: true };
    const fields: Array<[keyof PayOrder, number | undefined]> = [
      ['shippedAt', message.shipped_time],
      ['estimatedSettlementAt', message.estimated_settlement_time],
      ['receiptConfirmedAt', message.confirm_receive_time],
      ['settledAt', message.settlement_time],
    ];
    for (const [field, seconds] of fields) {
      const value = at(seconds);
      if (value) Object.assign(changes, { [field]: value });
    }
    await manager.update(PayOrder, criteria, changes);
  }

  @OnWeChatEvent('trade_manage_remind_shipping')
  remind({ message }: WeChatPushEvent<TradeManageRemindShippingEvent>): void {
    this.logger.warn(`WeChat reminds that order ${message.merchant_trade_no ?? message.transaction_id} has no shipping info yet`);
  }
}
