import { randomUUID } from 'node:crypto';
import { encryptPayV3Resource } from '../../crypto/pay-v3.crypto';
import { randomDigits } from '../pay/pay-format';
import type { OrderRecord, V3NotificationRecord } from '../pay/pay-state';
import type { SimNotification } from '../pay/pay.interfaces';
import { rfc3339 } from '../pay-v3/pay-v3-format';
import type { PayV3State } from '../pay-v3/pay-v3-state';
import { deliverGenuine, resend, resendInput, signedRecord } from '../pay-v3/pay-v3-delivery';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-state';
import { STORE_LIMIT } from '../server/simulator.constants';
import type {
  SimProfitSharingFinishInput,
  SimProfitSharingNotifyInput,
  SimProfitSharingOrder,
  SimProfitSharingReceiver,
  SimProfitSharingReturn,
  SimProfitSharingSettings,
} from './profit-sharing.interfaces';

/** A split as kept: the public shape, what its request asked (for retries), its order and genuine notification. @internal */
export interface ShareRecord extends SimProfitSharingOrder {
  content: string;
  notifyUrl: string;
  notification?: V3NotificationRecord;
}

const EVENT_TYPE = 'PROFITSHARING.SUCCESS';
const ORIGINAL_TYPE = 'profitsharing';

/**
 * The profit sharing (分账) of the simulated WeChat Pay: receivers per merchant, splits of paid orders marked
 * `settle_info.profit_sharing`, the share limit and the unsplit amount, returns, unfreezing, and the signed, encrypted
 * 分账动账通知 (PROFITSHARING.SUCCESS, one per merchant receiver) delivered with the pay notifications' retries to the
 * order's notify_url (standing in for the URL set in the merchant platform).
 * @internal
 */
export class ProfitSharingState {
  readonly receivers = new Map<string, SimProfitSharingReceiver>();
  private readonly shares = new Map<string, ShareRecord>();
  private readonly returns = new Map<string, SimProfitSharingReturn>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private settingsValue: SimProfitSharingSettings = { maxRatio: 0.3, autoFinish: true };

  constructor(readonly v3: PayV3State) {
    v3.pay.sim.resetHooks.push(() => {
      this.receivers.clear();
      this.shares.clear();
      this.returns.clear();
      this.stop();
    });
  }

  /** The settings, changed by the given fields (`POST /__sim/profitSharing`). */
  settings(input: Partial<SimProfitSharingSettings> = {}): SimProfitSharingSettings {
    const raw = asInput(input);
    if (raw.maxRatio !== undefined && (typeof raw.maxRatio !== 'number' || !(raw.maxRatio > 0 && raw.maxRatio <= 1))) {
      throw new SimulatorInputError('maxRatio must be a number above 0 and at most 1');
    }
    if (raw.autoFinish !== undefined && typeof raw.autoFinish !== 'boolean') throw new SimulatorInputError('autoFinish must be a boolean');
    this.settingsValue = {
      maxRatio: (raw.maxRatio as number | undefined) ?? this.settingsValue.maxRatio,
      autoFinish: (raw.autoFinish as boolean | undefined) ?? this.settingsValue.autoFinish,
    };
    return { ...this.settingsValue };
  }

  receiverKey(mchId: string, type: string, account: string): string {
    return `${mchId}:${type}:${account}`;
  }

  get(mchId: string, outOrderNo: string): ShareRecord | undefined {
    return this.shares.get(`${mchId}:${outOrderNo}`);
  }

  byWeChatNo(mchId: string, orderId: string): ShareRecord | undefined {
    for (const share of this.shares.values()) if (share.mchId === mchId && share.orderId === orderId) return share;
    return undefined;
  }

  sharesOf(order: OrderRecord): ShareRecord[] {
    return [...this.shares.values()].filter((s) => s.mchId === order.mchId && s.transactionId === order.transactionId);
  }

  /** Fen split from an order so far (closed receivers give theirs back). */
  split(order: OrderRecord): number {
    return this.sharesOf(order)
      .filter((s) => s.kind === 'split')
      .flatMap((s) => s.receivers)
      .filter((r) => r.result !== 'CLOSED')
      .reduce((sum, r) => sum + r.amount, 0);
  }

  /** Whether the rest of the order was unfrozen (an unfreeze, or a split with `unfreeze_unsplit` that finished). */
  unfrozen(order: OrderRecord): boolean {
    return this.sharesOf(order).some((s) => s.kind === 'unfreeze' || (s.unfreezeUnsplit && s.state === 'FINISHED'));
  }

  /** What is left to split or unfreeze: the payment less refunds and splits; nothing once unfrozen. */
  unsplit(order: OrderRecord): number {
    if (this.unfrozen(order)) return 0;
    return Math.max(0, this.v3.pay.refundableFee(order) - this.split(order));
  }

  /** The largest sum of splits of an order. */
  limit(order: OrderRecord): number {
    return Math.floor((order.totalFee * Math.round(this.settingsValue.maxRatio * 10_000)) / 10_000);
  }

  /** Records a new split (or unfreeze) and schedules its finish. */
  open(fields: Omit<ShareRecord, 'orderId' | 'creates' | 'createdAt'>): ShareRecord {
    const share: ShareRecord = { ...fields, orderId: `3008${randomDigits(24)}`, creates: 1, createdAt: this.v3.pay.now() };
    this.shares.set(`${share.mchId}:${share.outOrderNo}`, share);
    if (this.shares.size > STORE_LIMIT) {
      const [oldest] = this.shares.keys();
      this.shares.delete(oldest);
    }
    if (share.state === 'PROCESSING' && this.settingsValue.autoFinish) {
      const { refundDelayMs, timeScale } = this.v3.pay.config;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (share.state === 'PROCESSING') void this.finish(share, 'SUCCESS', undefined, true);
      }, refundDelayMs * timeScale);
      this.timers.add(timer);
    }
    return share;
  }

  getReturn(mchId: string, outReturnNo: string): SimProfitSharingReturn | undefined {
    return this.returns.get(`${mchId}:${outReturnNo}`);
  }

  addReturn(record: SimProfitSharingReturn): void {
    this.returns.set(`${record.mchId}:${record.outReturnNo}`, record);
  }

  /** A copy of a split of a merchant (the first configured by default). */
  copy(outOrderNo: string, mchId?: string): SimProfitSharingOrder | undefined {
    const share = this.get(this.v3.pay.resolveMerchant(mchId).mchId, outOrderNo);
    return share ? publicView(share) : undefined;
  }

  /** A copy of a receiver of a merchant. */
  receiver(type: string, account: string, mchId?: string): SimProfitSharingReceiver | undefined {
    const found = this.receivers.get(this.receiverKey(this.v3.pay.resolveMerchant(mchId).mchId, type, account));
    return found ? { ...found } : undefined;
  }

  /** Finishes a split that is `PROCESSING` (`POST /__sim/profitSharingFinish`), then delivers its notifications. */
  async control(input: SimProfitSharingFinishInput): Promise<{ share: SimProfitSharingOrder; notifications: SimNotification[] }> {
    const raw = asInput(input);
    const merchant = this.v3.pay.resolveMerchant(raw.mchId);
    if (typeof raw.outOrderNo !== 'string' || raw.outOrderNo === '') throw new SimulatorInputError('outOrderNo must be a non-empty string');
    const result = raw.result ?? 'SUCCESS';
    if (result !== 'SUCCESS' && result !== 'CLOSED') throw new SimulatorInputError("result must be 'SUCCESS' or 'CLOSED'");
    if (raw.failReason !== undefined && (typeof raw.failReason !== 'string' || !/^[A-Z_]{1,64}$/.test(raw.failReason))) {
      throw new SimulatorInputError('failReason must be 1–64 of A–Z and _');
    }
    if (raw.notify !== undefined && typeof raw.notify !== 'boolean') throw new SimulatorInputError('notify must be a boolean');
    const share = this.get(merchant.mchId, raw.outOrderNo);
    if (!share) throw new SimulatorInputError('unknown split', 404);
    if (share.state !== 'PROCESSING') throw new SimulatorInputError(`the split is ${share.state}, not PROCESSING`, 409);
    const notifications = await this.finish(share, result, raw.failReason as string | undefined, raw.notify !== false);
    return { share: publicView(share), notifications };
  }

  /** Moves a split to FINISHED and delivers a PROFITSHARING.SUCCESS per merchant receiver that succeeded. */
  async finish(
    share: ShareRecord,
    result: 'SUCCESS' | 'CLOSED',
    failReason: string | undefined,
    notify: boolean,
  ): Promise<SimNotification[]> {
    const now = this.v3.pay.now();
    share.state = 'FINISHED';
    share.finishedAt = now;
    for (const line of share.receivers) {
      line.result = result;
      if (result === 'CLOSED') line.failReason = failReason ?? 'NO_RELATION';
    }
    const apiV3Key = this.v3.apiV3Key(share.mchId);
    const records = share.receivers
      .filter((r) => r.type === 'MERCHANT_ID' && r.result === 'SUCCESS')
      .map((line) => {
        const plain = {
          mchid: share.mchId,
          transaction_id: share.transactionId,
          order_id: share.orderId,
          out_order_no: share.outOrderNo,
          receiver: { type: line.type, account: line.account, amount: line.amount, description: line.description },
          success_time: rfc3339(now),
        };
        const body = JSON.stringify({
          id: randomUUID(),
          create_time: rfc3339(now),
          resource_type: 'encrypt-resource',
          event_type: EVENT_TYPE,
          summary: '分账',
          resource: encryptPayV3Resource(JSON.stringify(plain), apiV3Key, { associatedData: ORIGINAL_TYPE, originalType: ORIGINAL_TYPE }),
        });
        return signedRecord(this.v3, body, plain);
      });
    share.notification = records[0];
    if (!notify) return [];
    return Promise.all(records.map((record) => deliverGenuine(this.v3, record, this.target(share))));
  }

  /** Sends variants of a finished split's (first) notification, once each and concurrently. */
  async notify(input: SimProfitSharingNotifyInput): Promise<SimNotification[]> {
    const raw = asInput(input);
    const merchant = this.v3.pay.resolveMerchant(raw.mchId);
    if (typeof raw.outOrderNo !== 'string') throw new SimulatorInputError('outOrderNo must be a string');
    const variant = resendInput(raw);
    const share = this.get(merchant.mchId, raw.outOrderNo);
    if (!share) throw new SimulatorInputError('unknown split', 404);
    const genuine = share.notification;
    if (!genuine) throw new SimulatorInputError('the split has no notification to resend', 409);
    return resend(this.v3, genuine, variant, this.target(share));
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private target(share: ShareRecord) {
    return {
      kind: 'profit-sharing' as const,
      mchId: share.mchId,
      outTradeNo: share.outTradeNo,
      outOrderNo: share.outOrderNo,
      url: share.notifyUrl,
    };
  }
}

/** A split without what only the simulator keeps. @internal */
export function publicView(share: ShareRecord): SimProfitSharingOrder {
  const { content: _content, notification: _notification, notifyUrl: _notifyUrl, ...view } = share;
  return structuredClone(view);
}
