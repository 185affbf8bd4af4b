import { randomBytes, randomInt } from 'node:crypto';
import { payV2Sign } from '../../crypto/pay-sign.crypto';
import { createNonceStr } from '../../crypto/random.util';
import { SimulatorInputError } from '../server/simulator-http';
import type { SimV3NotifyVariant } from '../pay-v3/pay-v3.interfaces';
import type { OrderRecord } from './pay-state';
import type { SimNotifyVariant, SimRefundNotifyVariant, SimulatorMerchant } from './pay.interfaces';

/** The variants of an API v3 notification the control API can send. @internal */
export const V3_VARIANTS: readonly SimV3NotifyVariant[] = [
  'duplicate',
  'replay',
  'forged-signature',
  'missing-signature',
  'stale-timestamp',
  'unknown-serial',
  'wrong-key',
  'wrong-amount',
  'wrong-mchid',
];

/** The variants of an API v2 payment notification the control API can send. @internal */
export const PAY_VARIANTS: readonly SimNotifyVariant[] = [
  'duplicate',
  'forged-sign',
  'wrong-key',
  'wrong-amount',
  'wrong-appid',
  'wrong-mchid',
  'fail-return-code',
  'unsigned',
];

/** The variants of an API v2 refund notification the control API can send. @internal */
export const REFUND_VARIANTS: readonly SimRefundNotifyVariant[] = ['duplicate', 'garbage-req-info', 'wrong-key', 'wrong-appid'];

const MAX_COPIES = 100;

/**
 * The common part of a control API request for notification variants: a `kind` of `variants` (or of API v3, which
 * only an API v3 order or refund takes) and how many `copies` to send.
 * @internal
 */
export function variantRequest<K extends string>(
  raw: Record<string, unknown>,
  variants: readonly K[],
): { kind: K; v3Kind: boolean; copies: number } {
  const kind = raw.kind as K;
  const v3Kind = V3_VARIANTS.includes(raw.kind as SimV3NotifyVariant);
  if (!variants.includes(kind) && !v3Kind) throw new SimulatorInputError(`kind must be one of ${variants.join(', ')}`);
  return { kind, v3Kind, copies: copiesOf(raw.copies) };
}

/** How many copies of a variant to send: 1 unless told, at most {@link MAX_COPIES}. @internal */
export function copiesOf(value: unknown): number {
  const copies = value ?? 1;
  if (typeof copies !== 'number' || !Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) {
    throw new SimulatorInputError(`copies must be an integer from 1 to ${MAX_COPIES}`);
  }
  return copies;
}

/** Another plausible appid, never the merchant's. @internal */
export function otherAppId(appId: string): string {
  let other = appId;
  while (other === appId) other = `wx${randomBytes(8).toString('hex')}`;
  return other;
}

/** Another plausible mch_id, never the merchant's. */
function otherMchId(mchId: string): string {
  let other = mchId;
  while (other === mchId) other = `1${String(randomInt(100_000_000, 1_000_000_000))}`;
  return other;
}

/** The fields of one variant of an API v2 payment notification, made from the genuine (signed) fields. @internal */
export function payVariant(
  kind: SimNotifyVariant,
  genuine: Record<string, string>,
  order: OrderRecord,
  merchant: SimulatorMerchant,
): Record<string, string> {
  const { sign: _sign, ...unsigned } = genuine;
  const resign = (fields: Record<string, string>, apiKey = merchant.apiKey): Record<string, string> => ({
    ...fields,
    sign: payV2Sign(fields, apiKey, order.signType),
  });
  switch (kind) {
    case 'duplicate':
      return genuine;
    case 'forged-sign':
      return {
        ...unsigned,
        sign: randomBytes(order.signType === 'MD5' ? 16 : 32)
          .toString('hex')
          .toUpperCase(),
      };
    case 'wrong-key':
      return resign(unsigned, createNonceStr(32));
    case 'wrong-amount':
      return resign({ ...unsigned, total_fee: String(order.totalFee + 1), cash_fee: String(order.totalFee + 1) });
    case 'wrong-appid':
      return resign({ ...unsigned, appid: otherAppId(merchant.appId) });
    case 'wrong-mchid':
      return resign({ ...unsigned, mch_id: otherMchId(merchant.mchId) });
    case 'fail-return-code':
      return { return_code: 'FAIL', return_msg: 'simulated FAIL notification' };
    case 'unsigned':
      return unsigned;
  }
}
