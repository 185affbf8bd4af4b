import { randomBytes, randomUUID } from 'node:crypto';
import { encryptPayV3Resource } from '../../crypto/pay-v3.crypto';
import { createNonceStr } from '../../crypto/random.util';
import { newTransactionId, randomDigits } from '../pay/pay-format';
import type { OrderRecord, PayV3Hooks, RefundRecord, V3NotificationRecord } from '../pay/pay-state';
import { SimulatorInputError } from '../server/simulator-http';
import { rfc3339, v3RefundResource, v3Transaction } from './pay-v3-format';
import type { PayV3State } from './pay-v3-state';
import type { SimV3NotifyVariant } from './pay-v3.interfaces';
import type { SimNotification } from '../pay/pay.interfaces';
import { deliverGenuine, notificationHeaders } from './pay-v3-delivery';
import type { V3DeliveryTarget } from './pay-v3-delivery';

const STALE_SECONDS = 600;

/** Where a notification goes, and what the notification report says it is about. */
type VariantTarget = V3DeliveryTarget & { kind: 'pay' | 'refund' };

/**
 * The WeChat Pay API v3 notifications of v3 orders and refunds: the genuine ones (encrypted with the merchant's APIv3
 * key, signed by the current signing identity of {@link PayV3State}) and their variants for `POST /__sim/notify` and
 * `POST /__sim/refundNotify`. `PayState` calls it through its {@link PayV3Hooks}.
 * @internal
 */
export class PayV3Notifications implements PayV3Hooks {
  constructor(private readonly v3: PayV3State) {}

  async paymentNotification(order: OrderRecord, result: 'SUCCESS' | 'FAIL'): Promise<SimNotification> {
    if (result === 'FAIL') {
      // API v3 only notifies successful payments: nothing is sent (the report is not listed).
      return {
        id: `n-skipped-${randomUUID()}`,
        kind: 'pay',
        mchId: order.mchId,
        outTradeNo: order.outTradeNo,
        url: order.notifyUrl,
        variant: 'genuine',
        apiVersion: 'v3',
        attempts: [],
        acknowledged: false,
        done: true,
        refused: false,
      };
    }
    const record = this.genuine('TRANSACTION.SUCCESS', '支付成功', v3Transaction(order), 'transaction', order.mchId);
    order.v3Notification = record;
    return deliverGenuine(this.v3, record, { kind: 'pay', mchId: order.mchId, outTradeNo: order.outTradeNo, url: order.notifyUrl });
  }

  async refundNotification(refund: RefundRecord): Promise<SimNotification> {
    const event = refund.status === 'SUCCESS' ? 'REFUND.SUCCESS' : refund.status === 'REFUNDCLOSE' ? 'REFUND.CLOSED' : 'REFUND.ABNORMAL';
    const summary = refund.status === 'SUCCESS' ? '退款成功' : refund.status === 'REFUNDCLOSE' ? '退款关闭' : '退款异常';
    const record = this.genuine(event, summary, v3RefundResource(refund), 'refund', refund.mchId);
    refund.v3Notification = record;
    return deliverGenuine(this.v3, record, {
      kind: 'refund',
      mchId: refund.mchId,
      outTradeNo: refund.outTradeNo,
      outRefundNo: refund.outRefundNo,
      url: refund.notifyUrl as string,
    });
  }

  async notify(order: OrderRecord, kind: SimV3NotifyVariant, copies: number): Promise<SimNotification[]> {
    let genuine = order.v3Notification;
    if (!genuine) {
      if (kind === 'duplicate' || kind === 'replay') {
        throw new SimulatorInputError(
          `the order has not been paid, so there is no notification to ${kind === 'duplicate' ? 'duplicate' : 'replay'}`,
          409,
        );
      }
      // As for API v2: forgeries of the notification the order would get if paid now (not stored; state unchanged).
      const now = this.v3.pay.now();
      const wouldBe: OrderRecord = {
        ...order,
        transactionId: order.transactionId ?? newTransactionId(now),
        tradeState: 'SUCCESS',
        paidAt: now,
        bankType: order.bankType ?? 'OTHERS',
      };
      genuine = this.genuine('TRANSACTION.SUCCESS', '支付成功', v3Transaction(wouldBe), 'transaction', order.mchId);
    }
    return this.sendCopies(copies, kind, genuine, 'transaction', {
      kind: 'pay',
      mchId: order.mchId,
      outTradeNo: order.outTradeNo,
      url: order.notifyUrl,
    });
  }

  async refundNotify(refund: RefundRecord, kind: SimV3NotifyVariant, copies: number): Promise<SimNotification[]> {
    return this.sendCopies(copies, kind, refund.v3Notification as V3NotificationRecord, 'refund', {
      kind: 'refund',
      mchId: refund.mchId,
      outTradeNo: refund.outTradeNo,
      outRefundNo: refund.outRefundNo,
      url: refund.notifyUrl as string,
    });
  }

  /** A notification body: `{id, create_time, resource_type, event_type, summary, resource}`. */
  private notificationBody(
    id: string,
    eventType: string,
    summary: string,
    plain: Record<string, unknown>,
    originalType: 'transaction' | 'refund',
    apiV3Key: string,
  ): string {
    return JSON.stringify({
      id,
      create_time: rfc3339(this.v3.pay.now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: encryptPayV3Resource(JSON.stringify(plain), apiV3Key, { associatedData: originalType, originalType }),
    });
  }

  /** A genuine notification of `plain` with a new `id`, signed now: the record `duplicate` and `replay` resend. */
  private genuine(
    eventType: string,
    summary: string,
    plain: Record<string, unknown>,
    originalType: 'transaction' | 'refund',
    mchId: string,
  ): V3NotificationRecord {
    const body = this.notificationBody(randomUUID(), eventType, summary, plain, originalType, this.v3.apiV3Key(mchId));
    return { body, plain, headers: notificationHeaders(this.v3.signedHeaders(body)) };
  }

  /** Sends `copies` notifications of one variant at once. */
  private sendCopies(
    copies: number,
    kind: SimV3NotifyVariant,
    genuine: V3NotificationRecord,
    originalType: 'transaction' | 'refund',
    target: VariantTarget,
  ): Promise<SimNotification[]> {
    return Promise.all(Array.from({ length: copies }, () => this.sendVariant(kind, genuine, originalType, target)));
  }

  private sendVariant(
    kind: SimV3NotifyVariant,
    genuine: V3NotificationRecord,
    originalType: 'transaction' | 'refund',
    target: VariantTarget,
  ): Promise<SimNotification> {
    const apiV3Key = this.v3.apiV3Key(target.mchId);
    const envelope = JSON.parse(genuine.body) as { event_type: string; summary: string };
    const rebuild = (plain: Record<string, unknown>, key = apiV3Key): string =>
      this.notificationBody(randomUUID(), envelope.event_type, envelope.summary, plain, originalType, key);
    let body = genuine.body;
    let headers: Record<string, string> | (() => Record<string, string>);
    switch (kind) {
      case 'duplicate':
        headers = () => this.v3.signedHeaders(body);
        break;
      case 'replay':
        headers = genuine.headers;
        break;
      case 'forged-signature':
        headers = () => ({ ...this.v3.signedHeaders(body), 'wechatpay-signature': randomBytes(256).toString('base64') });
        break;
      case 'missing-signature':
        headers = () => {
          const { 'wechatpay-signature': _signature, ...rest } = this.v3.signedHeaders(body);
          return rest;
        };
        break;
      case 'stale-timestamp':
        headers = () => this.v3.signedHeaders(body, { timestamp: Math.floor(this.v3.pay.now() / 1000) - STALE_SECONDS });
        break;
      case 'unknown-serial':
        headers = () =>
          this.v3.signedHeaders(body, {
            serial:
              this.v3.settings().mode === 'public-key' ? `PUB_KEY_ID_01${randomDigits(34)}` : randomBytes(20).toString('hex').toUpperCase(),
          });
        break;
      case 'wrong-key': {
        let other = apiV3Key;
        while (other === apiV3Key) other = createNonceStr(32);
        body = rebuild(genuine.plain, other);
        headers = () => this.v3.signedHeaders(body);
        break;
      }
      case 'wrong-amount': {
        const amount = { ...(genuine.plain.amount as Record<string, number>) };
        if (originalType === 'transaction') {
          amount.total += 1;
          if (amount.payer_total !== undefined) amount.payer_total += 1;
        } else {
          amount.refund += 1;
          amount.payer_refund += 1;
        }
        body = rebuild({ ...genuine.plain, amount });
        headers = () => this.v3.signedHeaders(body);
        break;
      }
      case 'wrong-mchid': {
        let other = target.mchId;
        while (other === target.mchId) other = `1${randomDigits(9)}`;
        body = rebuild({ ...genuine.plain, mchid: other });
        headers = () => this.v3.signedHeaders(body);
        break;
      }
    }
    const fixed = headers;
    const withType = typeof fixed === 'function' ? () => notificationHeaders(fixed()) : notificationHeaders(fixed);
    return this.v3.pay.notifier.deliver({ ...target, variant: kind, body, retry: false, v3: { headers: withType } });
  }
}
