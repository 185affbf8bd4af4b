import type { PayOrder } from '../../entities/pay-order.entity';
import { WeChatPayError } from '../../errors/wechat-pay.error';
import { gatewayTransaction } from '../orders/pay-gateway';
import type { GatewayRefund, GatewayTransaction, PayGateway } from '../orders/pay-gateway';
import type { CreateJsapiPaymentRequest, JsapiPaymentParams, OrderKey, RefundRequest, RefundResult } from '../wechat-pay.interfaces';
import type { WeChatPayV2Api } from './wechat-pay-v2.api';
import { isRetryablePayV2ErrCode } from './wechat-pay-v2.client';

/** The `PayOrder` operations through WeChat Pay API v2. @internal */
export class V2PayGateway implements PayGateway {
  readonly version = 'v2' as const;

  constructor(private readonly v2: WeChatPayV2Api) {}

  async prepay(order: PayOrder, req: CreateJsapiPaymentRequest): Promise<string> {
    const result = await this.v2.unifiedOrder({
      outTradeNo: order.outTradeNo,
      body: order.body,
      totalFee: order.totalFee,
      openId: order.openId,
      attach: order.attach ?? undefined,
      spbillCreateIp: req.spbillCreateIp,
      timeExpire: req.timeExpire,
      ...(req.profitSharing !== undefined ? { profitSharing: req.profitSharing } : {}),
    });
    return result.prepayId;
  }

  paymentParams(prepayId: string): JsapiPaymentParams {
    return this.v2.jsapiParams(prepayId);
  }

  async query(_api: string, _order: PayOrder, key: OrderKey): Promise<GatewayTransaction> {
    const q = await this.v2.orderQuery(key);
    return gatewayTransaction(q, q.timeEnd);
  }

  async close(outTradeNo: string): Promise<void> {
    await this.v2.closeOrder(outTradeNo);
  }

  checkRefund(req: RefundRequest): void {
    this.v2.refundParams(req);
  }

  async refund(req: RefundRequest): Promise<GatewayRefund<RefundResult>> {
    const result = await this.v2.sendRefund(this.v2.refundParams(req), req);
    return { refundId: result.refundId, result };
  }

  refusedForGood(error: unknown): boolean {
    return error instanceof WeChatPayError && !isRetryablePayV2ErrCode(error.errCode);
  }
}
