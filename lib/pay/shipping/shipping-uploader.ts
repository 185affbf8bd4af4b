import { Injectable } from '@nestjs/common';
import type { PayOrder } from '../../entities/pay-order.entity';
import { WeChatShippingService } from '../../shipping/wechat-shipping.service';
import { ShippingOrderState } from '../../shipping/wechat-shipping.interfaces';

/**
 * What the automatic upload needs of WeChat's shipping API: the upload of an order that needs no logistics, and
 * whether WeChat already has its shipping info (asked before an attempt whose predecessor's outcome is unknown).
 * @internal
 */
@Injectable()
export class ShippingUploader {
  constructor(private readonly shipping: WeChatShippingService) {}

  upload(order: PayOrder, logisticsType: 3 | 4, itemDesc: string): Promise<void> {
    return this.shipping.uploadForPayOrder(order, { logisticsType, itemDesc });
  }

  async isShipped(order: PayOrder): Promise<boolean> {
    if (!order.transactionId) return false;
    const { state } = await this.shipping.getOrder({ transactionId: order.transactionId });
    return state !== ShippingOrderState.ToShip;
  }
}
