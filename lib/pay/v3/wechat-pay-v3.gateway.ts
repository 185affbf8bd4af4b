import type { PayOrder } from '../../entities/pay-order.entity';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import { gatewayTransaction } from '../orders/pay-gateway';
import type { GatewayRefund, GatewayTransaction, PayGateway } from '../orders/pay-gateway';
import { parseBeijingTime, PayInput } from '../pay-input.util';
import { refundFields } from '../v2/wechat-pay-v2.api';
import { isRetryablePayV2ErrCode } from '../v2/wechat-pay-v2.client';
import type { CreateJsapiPaymentRequest, OrderKey, RefundRequest } from '../wechat-pay.interfaces';
import { V3_REFUND_STATUS, WeChatPayV3Api } from './wechat-pay-v3.api';
import type { V3JsapiPaymentParams, V3RefundResult } from './wechat-pay-v3.interfaces';

/** The `PayOrder` operations through WeChat Pay API v3. @internal */
export class V3PayGateway implements PayGateway {
  readonly version = 'v3' as const;

  constructor(
    private readonly v3: WeChatPayV3Api,
    private readonly appId: string,
  ) {}

  async prepay(order: PayOrder, req: CreateJsapiPaymentRequest): Promise<string> {
    const result = await this.v3.jsapi({
      outTradeNo: order.outTradeNo,
      description: order.body,
      total: order.totalFee,
      openId: order.openId,
      attach: order.attach ?? undefined,
      timeExpire: v3Time('createJsapiPayment', req.timeExpire),
      ...(req.profitSharing !== undefined ? { profitSharing: req.profitSharing } : {}),
    });
    return result.prepayId;
  }

  paymentParams(prepayId: string): V3JsapiPaymentParams {
    return this.v3.jsapiParams(prepayId);
  }

  async query(api: string, order: PayOrder, key: OrderKey): Promise<GatewayTransaction> {
    const q = await this.v3.queryOrder(key);
    if (q.appId !== undefined && q.appId !== this.appId) {
      throw new WeChatUnavailableError(api, 'invalid-response', 'the transaction belongs to another AppID');
    }
    if (q.totalFee !== undefined && q.totalFee !== order.totalFee && (q.tradeState === 'SUCCESS' || q.tradeState === 'REFUND')) {
      throw new WeChatUnavailableError(api, 'invalid-response', "the transaction's amount differs from the order's");
    }
    return gatewayTransaction(q, q.successTime);
  }

  async close(outTradeNo: string): Promise<void> {
    await this.v3.closeOrder(outTradeNo);
  }

  checkRefund(req: RefundRequest): void {
    const input = new PayInput('v3.refund');
    refundFields(input, req);
    input.done();
  }

  async refund(req: RefundRequest): Promise<GatewayRefund<V3RefundResult>> {
    const result = await this.v3.refund({
      transactionId: req.transactionId!,
      outRefundNo: req.outRefundNo,
      total: req.totalFee,
      refund: req.refundFee,
      reason: req.refundDesc,
    });
    const status = V3_REFUND_STATUS.get(result.status);
    return {
      refundId: result.refundId,
      settled: status && { status, raw: result.raw, successAt: result.successTime, recvAccount: result.userReceivedAccount },
      result,
    };
  }

  refusedForGood(error: unknown): boolean {
    return (
      error instanceof WeChatPayError &&
      !isRetryablePayV2ErrCode(error.errCode) &&
      error.errCode !== 'SYSTEM_ERROR' &&
      (error.httpStatus ?? 400) < 500
    );
  }
}

/** A `WeChatTime` as a Date for v3 (`yyyyMMddHHmmss` strings are Beijing time). */
function v3Time(api: string, value: CreateJsapiPaymentRequest['timeExpire']): Date | undefined {
  if (value === undefined || value instanceof Date) return value;
  const parsed = parseBeijingTime(value);
  if (!parsed) throw new WeChatPayInputError(api, ['timeExpire must be a Date or a yyyyMMddHHmmss string (Beijing time)']);
  return parsed;
}
