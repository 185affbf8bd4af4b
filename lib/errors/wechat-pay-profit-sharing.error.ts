import { PayOrderStateError } from './wechat-pay.error';

/**
 * A split (分账) would take more of an order than it allows: the configured share of the payment (30% by default) minus
 * what earlier splits reserved, or what refunds left of the payment. Nothing was reserved and WeChat was not asked.
 * @publicApi
 */
export class PayProfitSharingLimitError extends PayOrderStateError {
  constructor(
    outTradeNo: string,
    status: string,
    /** Fen asked. */
    readonly requested: number,
    /** Fen the order still allows to split. */
    readonly left: number,
  ) {
    super(`a split of ${requested} fen exceeds what order ${outTradeNo} still allows to split (${left} fen)`, outTradeNo, status);
  }
}
