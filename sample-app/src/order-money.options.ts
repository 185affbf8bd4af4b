import type { AddProfitSharingReceiverRequest } from 'nestjs-miniprogram-api';

/** Injection token of {@link OrderMoneyOptions}. */
export const ORDER_MONEY_OPTIONS = Symbol('ORDER_MONEY_OPTIONS');

/** What the sample offers after a payment besides the order itself: cash back and a profit split. */
export interface OrderMoneyOptions {
  /** Whether merchant transfers are possible: WeChat Pay API v3 is configured (`WECHAT_PAY_API_VERSION=v3`). */
  transfers: boolean;
  /**
   * The partner the sample splits paid orders with (simulator mode with API v3 only): added as a receiver at start-up,
   * and the orders are then paid with `profitSharing: true`. Without it the split route answers 409.
   */
  splitReceiver?: AddProfitSharingReceiverRequest & { type: 'MERCHANT_ID' | 'PERSONAL_OPENID' };
}

/** The simulator's partner merchant of the sample (any merchant number: the simulator keeps receivers by number). */
export const SIMULATOR_PARTNER: NonNullable<OrderMoneyOptions['splitReceiver']> = {
  type: 'MERCHANT_ID',
  account: '1900000110',
  name: '示例合作门店',
  relationType: 'PARTNER',
};

/** Cash back: 1% of the order, rounded down to the fen, at least 1 fen. */
export function cashbackAmount(totalFee: number): number {
  return Math.max(1, Math.floor(totalFee / 100));
}

/** The partner's default share of an order: 10% rounded down (WeChat allows up to 30%, `pay.profitSharingMaxRatio`). */
export function defaultSplitAmount(totalFee: number): number {
  return Math.floor(totalFee / 10);
}
