import { randomBytes } from 'node:crypto';
import { encryptRefundReqInfo } from '../../crypto/pay-sign.crypto';
import { buildPayXml } from '../../crypto/pay-xml.codec';
import { createNonceStr } from '../../crypto/random.util';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-state';
import type { SimV3NotifyVariant } from '../pay-v3/pay-v3.interfaces';
import { beijingDateTime, newRefundId } from './pay-format';
import { REFUND_VARIANTS, V3_VARIANTS, otherAppId, variantRequest } from './pay-notify-variants';
import type { OrderRecord, PayState, RefundRecord } from './pay-state';
import { copyRefund } from './pay-store';
import type {
  SimNotification,
  SimRefund,
  SimRefundNotifyInput,
  SimRefundStatus,
  SimSettleRefundInput,
  SimulatorMerchant,
} from './pay.interfaces';

const ID_TEXT = /^[0-9A-Za-z_\-|*@]{1,64}$/;

/** What the refund APIs (v2 and v3) give to open a refund; the rest comes from the order and the clock. @internal */
export type NewRefund = Pick<
  RefundRecord,
  'appId' | 'mchId' | 'outRefundNo' | 'totalFee' | 'refundFee' | 'refundDesc' | 'notifyUrl' | 'apiVersion'
>;

/**
 * The refunds of the simulated WeChat Pay: opened PROCESSING, settled after the (scaled) refund delay or when the
 * control API says so, then notified (the genuine notification, and the variants the control API asks for). API v3
 * refunds get their notifications from {@link PayState.v3}.
 * @internal
 */
export class PayRefunds {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly state: PayState,
    private readonly log: (line: string) => void,
  ) {}

  /** Opens a new PROCESSING refund of a paid order (v2 and v3 alike), with a fresh refund id, and records it. */
  open(order: OrderRecord, fields: NewRefund): RefundRecord {
    const now = this.state.now();
    const { refundDesc, notifyUrl, apiVersion, ...required } = fields;
    const record: RefundRecord = {
      ...required,
      outTradeNo: order.outTradeNo,
      transactionId: order.transactionId as string,
      refundId: newRefundId(now),
      ...(refundDesc !== undefined ? { refundDesc } : {}),
      ...(notifyUrl !== undefined ? { notifyUrl } : {}),
      status: 'PROCESSING',
      createdAt: now,
      ...(apiVersion !== undefined ? { apiVersion } : {}),
    };
    this.add(record, order);
    return record;
  }

  /** Settles a PROCESSING refund now; resolves after the first attempt of its notification, if it has a notify_url. */
  async settleNow(input: SimSettleRefundInput): Promise<{ refund: SimRefund; notification?: SimNotification }> {
    const raw = asInput(input);
    const merchant = this.state.resolveMerchant(raw.mchId);
    // The API v3 names of the final states are accepted too.
    const status = raw.status === 'CLOSED' ? 'REFUNDCLOSE' : raw.status === 'ABNORMAL' ? 'CHANGE' : (raw.status ?? 'SUCCESS');
    if (status !== 'SUCCESS' && status !== 'REFUNDCLOSE' && status !== 'CHANGE') {
      throw new SimulatorInputError("status must be 'SUCCESS', 'REFUNDCLOSE' or 'CHANGE'");
    }
    const refund = this.requireRefund(merchant, raw.outRefundNo);
    if (refund.status !== 'PROCESSING') throw new SimulatorInputError(`the refund is already ${refund.status}`, 409);
    const notification = await this.settle(refund, status);
    return { refund: copyRefund(refund), ...(notification ? { notification } : {}) };
  }

  /** Sends variants of a settled refund's notification, once each and concurrently, without retries. */
  async notify(input: SimRefundNotifyInput): Promise<SimNotification[]> {
    const raw = asInput(input);
    const merchant = this.state.resolveMerchant(raw.mchId);
    const { kind, v3Kind, copies } = variantRequest(raw, REFUND_VARIANTS);
    const refund = this.requireRefund(merchant, raw.outRefundNo);
    if (refund.notifyUrl === undefined) throw new SimulatorInputError('the refund has no notify_url', 409);
    if (refund.apiVersion === 'v3' && this.state.v3) {
      if (!v3Kind) throw new SimulatorInputError(`kind must be one of ${V3_VARIANTS.join(', ')} for an API v3 refund`);
      if (refund.v3Notification === undefined) throw new SimulatorInputError('the refund is not settled yet', 409);
      return this.state.v3.refundNotify(refund, raw.kind as SimV3NotifyVariant, copies);
    }
    if (!REFUND_VARIANTS.includes(kind)) throw new SimulatorInputError(`kind must be one of ${REFUND_VARIANTS.join(', ')}`);
    const { reqInfoPlain, notifyBody } = refund;
    if (reqInfoPlain === undefined || notifyBody === undefined) throw new SimulatorInputError('the refund is not settled yet', 409);
    const url = refund.notifyUrl;
    return Promise.all(
      Array.from({ length: copies }, () => {
        let body = notifyBody;
        if (kind === 'garbage-req-info') {
          // 37 bytes: never a whole number of AES blocks.
          body = refundNotifyBody(merchant, merchant.appId, randomBytes(37).toString('base64'));
        } else if (kind === 'wrong-key') {
          body = refundNotifyBody(merchant, merchant.appId, encryptRefundReqInfo(reqInfoPlain, createNonceStr(32)));
        } else if (kind === 'wrong-appid') {
          body = refundNotifyBody(merchant, otherAppId(merchant.appId), encryptRefundReqInfo(reqInfoPlain, merchant.apiKey));
        }
        return this.state.notifier.deliver({
          kind: 'refund',
          mchId: refund.mchId,
          outTradeNo: refund.outTradeNo,
          outRefundNo: refund.outRefundNo,
          url,
          variant: kind,
          body,
          retry: false,
        });
      }),
    );
  }

  /** Cancels the pending settlements (the server stopped). */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Records a PROCESSING refund and schedules its settlement after the (scaled) refund delay. */
  private add(refund: RefundRecord, order: OrderRecord): void {
    this.state.storeRefund(refund, order);
    const { refundDelayMs, timeScale } = this.state.config;
    this.schedule(refundDelayMs * timeScale, () => {
      if (refund.status !== 'PROCESSING' || this.state.refund(refund.mchId, refund.outRefundNo) !== refund) return;
      this.settle(refund, 'SUCCESS').catch((error: unknown) => this.log(`refund settlement failed: ${String(error)}`));
    });
  }

  private requireRefund(merchant: SimulatorMerchant, outRefundNo: unknown): RefundRecord {
    if (typeof outRefundNo !== 'string' || !ID_TEXT.test(outRefundNo)) throw new SimulatorInputError('outRefundNo must be a refund number');
    const refund = this.state.refund(merchant.mchId, outRefundNo);
    if (!refund) throw new SimulatorInputError('unknown refund', 404);
    return refund;
  }

  private async settle(refund: RefundRecord, status: Exclude<SimRefundStatus, 'PROCESSING'>): Promise<SimNotification | undefined> {
    const now = this.state.now();
    refund.status = status;
    refund.settledAt = now;
    const order = this.state.order(refund.mchId, refund.outTradeNo);
    if (status === 'SUCCESS') {
      refund.successTime = beijingDateTime(now);
      if (order && order.tradeState === 'SUCCESS') order.tradeState = 'REFUND';
    }
    if (refund.notifyUrl === undefined) return undefined;
    if (refund.apiVersion === 'v3' && this.state.v3) return this.state.v3.refundNotification(refund);
    const merchant = this.state.merchants.get(refund.mchId) as SimulatorMerchant;
    refund.reqInfoPlain = buildPayXml(
      {
        transaction_id: refund.transactionId,
        out_trade_no: refund.outTradeNo,
        refund_id: refund.refundId,
        out_refund_no: refund.outRefundNo,
        total_fee: String(refund.totalFee),
        settlement_total_fee: String(refund.totalFee),
        refund_fee: String(refund.refundFee),
        settlement_refund_fee: String(refund.refundFee),
        refund_status: status,
        success_time: refund.successTime,
        refund_recv_accout: '支付用户的零钱',
        refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
        refund_request_source: 'API',
      },
      { root: 'root' },
    );
    refund.notifyBody = refundNotifyBody(merchant, merchant.appId, encryptRefundReqInfo(refund.reqInfoPlain, merchant.apiKey));
    return this.state.notifier.deliver({
      kind: 'refund',
      mchId: refund.mchId,
      outTradeNo: refund.outTradeNo,
      outRefundNo: refund.outRefundNo,
      url: refund.notifyUrl,
      variant: 'genuine',
      body: refund.notifyBody,
      retry: true,
    });
  }

  private schedule(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }
}

/** The body of an API v2 refund notification: its `req_info` is the encrypted refund. */
function refundNotifyBody(merchant: SimulatorMerchant, appId: string, reqInfo: string): string {
  return buildPayXml({ return_code: 'SUCCESS', appid: appId, mch_id: merchant.mchId, nonce_str: createNonceStr(32), req_info: reqInfo });
}
