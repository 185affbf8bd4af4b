import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { certificateSerialNo, encryptPayV3Resource, loadPayV3PublicKey, payV3Message, signPayV3 } from '../../crypto/pay-v3.crypto';
import type { KeyObject } from 'node:crypto';
import { createNonceStr } from '../../crypto/random.util';
import { SIMULATOR_DEV_V3 } from '../dev-keys/dev-v3-keys';
import { beijingDateTime, newTransactionId, randomDigits } from '../pay/pay-format';
import type { OrderRecord, PayState, PayV3Hooks, RefundRecord, V3NotificationRecord } from '../pay/pay-state';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-state';
import type { SimPayV3Mode, SimPayV3Settings, SimPayV3SettingsInput, SimV3NotifyVariant } from './pay-v3.interfaces';
import type { SimNotification, SimTradeState, SimulatorMerchant } from '../pay/pay.interfaces';

/** `trade_state_desc` of API v3. @internal */
export const V3_TRADE_STATE_DESC: Record<SimTradeState, string> = {
  SUCCESS: '支付成功',
  REFUND: '转入退款',
  NOTPAY: '未支付',
  CLOSED: '已关闭',
  USERPAYING: '用户支付中',
  PAYERROR: '支付失败',
};

/** The v3 names of the refund states. @internal */
export const V3_REFUND_STATUS: Record<string, string> = {
  PROCESSING: 'PROCESSING',
  SUCCESS: 'SUCCESS',
  REFUNDCLOSE: 'CLOSED',
  CHANGE: 'ABNORMAL',
};

const STALE_SECONDS = 600;
const USER_RECEIVED_ACCOUNT = '支付用户零钱';

/** A merchant with API v3 credentials, its certificate's public key and serial loaded. @internal */
export interface V3Merchant {
  merchant: SimulatorMerchant;
  apiV3Key: string;
  publicKey: KeyObject;
  serialNo: string;
}

/** A platform certificate the simulator can list. @internal */
interface PlatformCert {
  serialNo: string;
  certificate: string;
  privateKey: string;
}

const CURRENT: PlatformCert = {
  serialNo: SIMULATOR_DEV_V3.platformSerialNo,
  certificate: SIMULATOR_DEV_V3.platformCertificate,
  privateKey: SIMULATOR_DEV_V3.platformPrivateKey,
};
const NEXT: PlatformCert = {
  serialNo: SIMULATOR_DEV_V3.nextPlatformSerialNo,
  certificate: SIMULATOR_DEV_V3.nextPlatformCertificate,
  privateKey: SIMULATOR_DEV_V3.nextPlatformPrivateKey,
};

/** Notifications carry `Wechatpay-Signature-Type` besides the signature headers, as WeChat's. */
function notificationHeaders(signed: Record<string, string>): Record<string, string> {
  return { ...signed, 'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048' };
}

/** RFC 3339 in Beijing time, e.g. `2026-11-24T16:00:05+08:00`. @internal */
export function rfc3339(ms: number): string {
  return `${beijingDateTime(ms).replace(' ', 'T')}+08:00`;
}

/** A `Request-ID` shaped like WeChat's (uppercase hex). @internal */
export function newRequestId(): string {
  return randomBytes(20).toString('hex').toUpperCase();
}

/**
 * The WeChat Pay API v3 side of the simulator: the merchants' v3 credentials, the signing identity (WeChat Pay public
 * key or platform certificate, with rotation), the signing of answers and the v3 notifications of v3 orders and
 * refunds, which share the orders and refunds of {@link PayState}.
 * @internal
 */
export class PayV3State implements PayV3Hooks {
  readonly merchants = new Map<string, V3Merchant>();
  private mode: SimPayV3Mode;
  private rotated = false;
  private readonly billTokens = new Map<string, { mchId: string; file: Buffer; expiresAt: number }>();

  constructor(
    readonly pay: PayState,
    mode: SimPayV3Mode,
  ) {
    this.mode = mode;
    for (const merchant of pay.merchants.values()) {
      if (!merchant.v3) continue;
      this.merchants.set(merchant.mchId, {
        merchant,
        apiV3Key: merchant.v3.apiV3Key,
        publicKey: loadPayV3PublicKey(merchant.v3.merchantCertificate),
        serialNo: certificateSerialNo(merchant.v3.merchantCertificate),
      });
    }
    pay.v3 = this;
    pay.sim.resetHooks.push(() => this.billTokens.clear());
  }

  /** The current settings. */
  settings(): SimPayV3Settings {
    return { mode: this.mode, rotated: this.rotated, serial: this.signer().serial };
  }

  /** Changes the mode and/or the rotation (`POST /__sim/v3`). */
  configure(input: SimPayV3SettingsInput): SimPayV3Settings {
    const raw = asInput(input);
    if (raw.mode !== undefined && raw.mode !== 'public-key' && raw.mode !== 'certificate') {
      throw new SimulatorInputError("mode must be 'public-key' or 'certificate'");
    }
    if (raw.rotate !== undefined && typeof raw.rotate !== 'boolean') throw new SimulatorInputError('rotate must be a boolean');
    if (raw.mode !== undefined) this.mode = raw.mode as SimPayV3Mode;
    if (raw.rotate !== undefined) this.rotated = raw.rotate;
    return this.settings();
  }

  /** The key answers and notifications are signed with now, and the `Wechatpay-Serial` naming it. */
  signer(): { serial: string; privateKey: string } {
    if (this.mode === 'public-key') return { serial: SIMULATOR_DEV_V3.publicKeyId, privateKey: SIMULATOR_DEV_V3.wechatPayPrivateKey };
    const cert = this.rotated ? NEXT : CURRENT;
    return { serial: cert.serialNo, privateKey: cert.privateKey };
  }

  /** The platform certificates `GET /v3/certificates` lists; none in public-key mode. */
  platformCertificates(): Array<{ serialNo: string; certificate: string; effective: string; expire: string }> {
    if (this.mode === 'public-key') return [];
    return (this.rotated ? [CURRENT, NEXT] : [CURRENT]).map((cert) => {
      const x509 = new X509Certificate(cert.certificate);
      return {
        serialNo: cert.serialNo,
        certificate: cert.certificate,
        effective: rfc3339(Date.parse(x509.validFrom)),
        expire: rfc3339(Date.parse(x509.validTo)),
      };
    });
  }

  /** Signed headers over `body` (answers and notifications). */
  signedHeaders(body: string, options: { timestamp?: number; serial?: string } = {}): Record<string, string> {
    const signer = this.signer();
    const timestamp = String(options.timestamp ?? Math.floor(this.pay.now() / 1000));
    const nonce = createNonceStr(32);
    return {
      'wechatpay-nonce': nonce,
      'wechatpay-signature': signPayV3(payV3Message(timestamp, nonce, body), signer.privateKey),
      'wechatpay-timestamp': timestamp,
      'wechatpay-serial': options.serial ?? signer.serial,
    };
  }

  /** Keeps a bill for `GET /v3/billdownload/file` and gives its token (valid 30 s of simulated time, as WeChat). */
  storeBill(mchId: string, file: Buffer): string {
    const now = this.pay.now();
    for (const [token, bill] of this.billTokens) if (bill.expiresAt <= now) this.billTokens.delete(token);
    const token = randomBytes(24).toString('base64url');
    this.billTokens.set(token, { mchId, file, expiresAt: now + 30_000 * Math.max(this.pay.config.timeScale, 1) });
    return token;
  }

  bill(mchId: string, token: string): Buffer | undefined {
    const bill = this.billTokens.get(token);
    if (!bill || bill.mchId !== mchId || bill.expiresAt <= this.pay.now()) return undefined;
    return bill.file;
  }

  /** The v3 transaction JSON of an order (query answers and payment notifications). */
  transaction(order: OrderRecord): Record<string, unknown> {
    const paid = order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND';
    const failed = order.tradeState === 'PAYERROR';
    return {
      appid: order.appId,
      mchid: order.mchId,
      out_trade_no: order.outTradeNo,
      ...(order.transactionId !== undefined && (paid || failed) ? { transaction_id: order.transactionId } : {}),
      trade_type: order.tradeType,
      trade_state: order.tradeState,
      trade_state_desc: V3_TRADE_STATE_DESC[order.tradeState],
      ...(paid || failed ? { bank_type: order.bankType ?? 'OTHERS' } : {}),
      ...(order.attach !== undefined ? { attach: order.attach } : {}),
      ...(paid && order.paidAt !== undefined ? { success_time: rfc3339(order.paidAt) } : {}),
      payer: order.openId !== undefined ? { openid: order.openId } : {},
      amount: paid
        ? { total: order.totalFee, payer_total: order.totalFee, currency: 'CNY', payer_currency: 'CNY' }
        : { total: order.totalFee, currency: 'CNY', payer_currency: 'CNY' },
    };
  }

  /** The v3 refund JSON (answers of the refund APIs). */
  refundJson(refund: RefundRecord): Record<string, unknown> {
    return {
      refund_id: refund.refundId,
      out_refund_no: refund.outRefundNo,
      transaction_id: refund.transactionId,
      out_trade_no: refund.outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: USER_RECEIVED_ACCOUNT,
      ...(refund.status === 'SUCCESS' && refund.settledAt !== undefined ? { success_time: rfc3339(refund.settledAt) } : {}),
      create_time: rfc3339(refund.createdAt),
      status: V3_REFUND_STATUS[refund.status],
      funds_account: 'AVAILABLE',
      amount: {
        total: refund.totalFee,
        refund: refund.refundFee,
        from: [],
        payer_total: refund.totalFee,
        payer_refund: refund.refundFee,
        settlement_refund: refund.refundFee,
        settlement_total: refund.totalFee,
        discount_refund: 0,
        currency: 'CNY',
        refund_fee: 0,
      },
      promotion_detail: [],
    };
  }

  private refundPlain(refund: RefundRecord): Record<string, unknown> {
    return {
      mchid: refund.mchId,
      out_trade_no: refund.outTradeNo,
      transaction_id: refund.transactionId,
      out_refund_no: refund.outRefundNo,
      refund_id: refund.refundId,
      refund_status: V3_REFUND_STATUS[refund.status],
      ...(refund.status === 'SUCCESS' && refund.settledAt !== undefined ? { success_time: rfc3339(refund.settledAt) } : {}),
      user_received_account: USER_RECEIVED_ACCOUNT,
      amount: { total: refund.totalFee, refund: refund.refundFee, payer_total: refund.totalFee, payer_refund: refund.refundFee },
    };
  }

  private apiV3Key(mchId: string): string {
    const v3 = this.merchants.get(mchId);
    if (!v3) throw new SimulatorInputError(`merchant ${mchId} has no API v3 credentials`, 409);
    return v3.apiV3Key;
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
      create_time: rfc3339(this.pay.now()),
      resource_type: 'encrypt-resource',
      event_type: eventType,
      summary,
      resource: encryptPayV3Resource(JSON.stringify(plain), apiV3Key, { associatedData: originalType, originalType }),
    });
  }

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
    const plain = this.transaction(order);
    const body = this.notificationBody(randomUUID(), 'TRANSACTION.SUCCESS', '支付成功', plain, 'transaction', this.apiV3Key(order.mchId));
    const record: V3NotificationRecord = { body, plain, headers: notificationHeaders(this.signedHeaders(body)) };
    order.v3Notification = record;
    let first = true;
    return this.pay.notifier.deliver({
      kind: 'pay',
      mchId: order.mchId,
      outTradeNo: order.outTradeNo,
      url: order.notifyUrl,
      variant: 'genuine',
      body,
      retry: true,
      // The first attempt carries the recorded headers; retries are signed afresh.
      v3: {
        headers: () => {
          if (!first) return notificationHeaders(this.signedHeaders(body));
          first = false;
          return record.headers;
        },
      },
    });
  }

  async refundNotification(refund: RefundRecord): Promise<SimNotification> {
    const plain = this.refundPlain(refund);
    const event = refund.status === 'SUCCESS' ? 'REFUND.SUCCESS' : refund.status === 'REFUNDCLOSE' ? 'REFUND.CLOSED' : 'REFUND.ABNORMAL';
    const summary = refund.status === 'SUCCESS' ? '退款成功' : refund.status === 'REFUNDCLOSE' ? '退款关闭' : '退款异常';
    const body = this.notificationBody(randomUUID(), event, summary, plain, 'refund', this.apiV3Key(refund.mchId));
    const record: V3NotificationRecord = { body, plain, headers: notificationHeaders(this.signedHeaders(body)) };
    refund.v3Notification = record;
    let first = true;
    return this.pay.notifier.deliver({
      kind: 'refund',
      mchId: refund.mchId,
      outTradeNo: refund.outTradeNo,
      outRefundNo: refund.outRefundNo,
      url: refund.notifyUrl as string,
      variant: 'genuine',
      body,
      retry: true,
      v3: {
        headers: () => {
          if (!first) return notificationHeaders(this.signedHeaders(body));
          first = false;
          return record.headers;
        },
      },
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
      const now = this.pay.now();
      const wouldBe: OrderRecord = {
        ...order,
        transactionId: order.transactionId ?? newTransactionId(now),
        tradeState: 'SUCCESS',
        paidAt: now,
        bankType: order.bankType ?? 'OTHERS',
      };
      const plain = this.transaction(wouldBe);
      const body = this.notificationBody(randomUUID(), 'TRANSACTION.SUCCESS', '支付成功', plain, 'transaction', this.apiV3Key(order.mchId));
      genuine = { body, plain, headers: notificationHeaders(this.signedHeaders(body)) };
    }
    const found = genuine;
    return Promise.all(
      Array.from({ length: copies }, () =>
        this.sendVariant(kind, found, 'transaction', {
          kind: 'pay',
          mchId: order.mchId,
          outTradeNo: order.outTradeNo,
          url: order.notifyUrl,
        }),
      ),
    );
  }

  async refundNotify(refund: RefundRecord, kind: SimV3NotifyVariant, copies: number): Promise<SimNotification[]> {
    const genuine = refund.v3Notification as V3NotificationRecord;
    return Promise.all(
      Array.from({ length: copies }, () =>
        this.sendVariant(kind, genuine, 'refund', {
          kind: 'refund',
          mchId: refund.mchId,
          outTradeNo: refund.outTradeNo,
          outRefundNo: refund.outRefundNo,
          url: refund.notifyUrl as string,
        }),
      ),
    );
  }

  private sendVariant(
    kind: SimV3NotifyVariant,
    genuine: V3NotificationRecord,
    originalType: 'transaction' | 'refund',
    target: { kind: 'pay' | 'refund'; mchId: string; outTradeNo: string; outRefundNo?: string; url: string },
  ): Promise<SimNotification> {
    const apiV3Key = this.apiV3Key(target.mchId);
    const envelope = JSON.parse(genuine.body) as { event_type: string; summary: string };
    const rebuild = (plain: Record<string, unknown>, key = apiV3Key): string =>
      this.notificationBody(randomUUID(), envelope.event_type, envelope.summary, plain, originalType, key);
    let body = genuine.body;
    let headers: Record<string, string> | (() => Record<string, string>);
    switch (kind) {
      case 'duplicate':
        headers = () => this.signedHeaders(body);
        break;
      case 'replay':
        headers = genuine.headers;
        break;
      case 'forged-signature':
        headers = () => ({ ...this.signedHeaders(body), 'wechatpay-signature': randomBytes(256).toString('base64') });
        break;
      case 'missing-signature':
        headers = () => {
          const { 'wechatpay-signature': _signature, ...rest } = this.signedHeaders(body);
          return rest;
        };
        break;
      case 'stale-timestamp':
        headers = () => this.signedHeaders(body, { timestamp: Math.floor(this.pay.now() / 1000) - STALE_SECONDS });
        break;
      case 'unknown-serial':
        headers = () =>
          this.signedHeaders(body, {
            serial: this.mode === 'public-key' ? `PUB_KEY_ID_01${randomDigits(34)}` : randomBytes(20).toString('hex').toUpperCase(),
          });
        break;
      case 'wrong-key': {
        let other = apiV3Key;
        while (other === apiV3Key) other = createNonceStr(32);
        body = rebuild(genuine.plain, other);
        headers = () => this.signedHeaders(body);
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
        headers = () => this.signedHeaders(body);
        break;
      }
      case 'wrong-mchid': {
        let other = target.mchId;
        while (other === target.mchId) other = `1${randomDigits(9)}`;
        body = rebuild({ ...genuine.plain, mchid: other });
        headers = () => this.signedHeaders(body);
        break;
      }
    }
    const fixed = headers;
    const withType = typeof fixed === 'function' ? () => notificationHeaders(fixed()) : notificationHeaders(fixed);
    return this.pay.notifier.deliver({ ...target, variant: kind, body, retry: false, v3: { headers: withType } });
  }
}
