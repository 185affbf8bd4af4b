import { PayOrder } from '../../entities/pay-order.entity';
import { PayRefund } from '../../entities/pay-refund.entity';
import type { WeChatPayApiVersion } from '../../interfaces';
import type { ResolvedPayOptions } from '../../interfaces';
import type { PayLedger } from '../pay-ledger';
import type { WeChatPayV2Api } from '../v2/wechat-pay-v2.api';
import { V3_REFUND_STATUS } from '../v3/wechat-pay-v3.api';
import type { WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import type { PayRawData } from '../wechat-pay.interfaces';

/** The API a stored order's follow-ups go through: the one that issued its prepay_id, when it is configured. @internal */
export function versionFor(pay: ResolvedPayOptions, order: Pick<PayOrder, 'prepayApiVersion'>): WeChatPayApiVersion {
  const wanted = order.prepayApiVersion ?? pay.apiVersion;
  if (wanted === 'v3' && pay.v3) return 'v3';
  if (wanted === 'v2' && pay.apiKey) return 'v2';
  return pay.apiVersion;
}

/**
 * Asks WeChat for a PROCESSING refund (v2 `refundquery` or v3 `GET /v3/refund/domestic/refunds/{out_refund_no}`) and
 * applies a final state through the ledger: the same exactly-once step as the refund notification, handlers included.
 * @returns whether this call moved the refund to its final state.
 * @internal
 */
export async function syncRefund(
  deps: { v2: WeChatPayV2Api; v3: WeChatPayV3Api; ledger: PayLedger },
  version: WeChatPayApiVersion,
  refund: PayRefund,
  order: PayOrder,
): Promise<boolean> {
  let found: { status: PayRefund['status']; raw: PayRawData; refundId?: string; successAt?: Date; recvAccount?: string } | undefined;
  if (version === 'v3') {
    const result = await deps.v3.queryRefund(refund.outRefundNo);
    const status = V3_REFUND_STATUS.get(result.status);
    if (status) {
      found = {
        status,
        raw: result.raw as PayRawData,
        refundId: result.refundId,
        successAt: result.successTime,
        recvAccount: result.userReceivedAccount,
      };
    }
  } else {
    const result = await deps.v2.refundQuery({ outRefundNo: refund.outRefundNo });
    const item = result.refunds.find((r) => r.outRefundNo === refund.outRefundNo);
    if (item) {
      found = {
        status: item.refundStatus,
        raw: result.raw,
        refundId: item.refundId,
        successAt: item.refundSuccessTime,
        recvAccount: item.refundRecvAccout,
      };
    }
  }
  if (!found || found.status === 'PROCESSING') return false;
  const { status, raw, ...given } = found;
  const outcome = await deps.ledger.applyRefund(refund, order, status, raw, 'query', given);
  return outcome.status === 'processed';
}
