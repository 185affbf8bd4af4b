import { randomBytes, randomUUID } from 'node:crypto';
import { decryptPayV3Sensitive, encryptPayV3Resource } from '../../crypto/pay-v3.crypto';
import { SIMULATOR_DEV_V3 } from '../dev-keys/dev-v3-keys';
import { randomDigits } from '../pay/pay-format';
import type { V3NotificationRecord } from '../pay/pay-state';
import type { SimNotification } from '../pay/pay.interfaces';
import { rfc3339 } from '../pay-v3/pay-v3-format';
import type { PayV3State } from '../pay-v3/pay-v3-state';
import { deliverGenuine, resend, resendInput, signedRecord } from '../pay-v3/pay-v3-delivery';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-state';
import { STORE_LIMIT } from '../server/simulator.constants';
import type { SimTransfer, SimTransferConfirmInput, SimTransferNotifyInput, SimTransferState } from './transfer.interfaces';

/** A bill as kept: the public shape, what its create asked (for retries) and its genuine final notification. @internal */
export interface TransferRecord extends SimTransfer {
  /** What the create asked, as compared with a retry's. */
  content: string;
  notification?: V3NotificationRecord;
}

/** The private keys behind the serials a `Wechatpay-Serial` may name: the WeChat Pay public key and both certificates. */
const SENSITIVE_KEYS: ReadonlyMap<string, string> = new Map([
  [SIMULATOR_DEV_V3.publicKeyId, SIMULATOR_DEV_V3.wechatPayPrivateKey],
  [SIMULATOR_DEV_V3.platformSerialNo, SIMULATOR_DEV_V3.platformPrivateKey],
  [SIMULATOR_DEV_V3.nextPlatformSerialNo, SIMULATOR_DEV_V3.nextPlatformPrivateKey],
]);

const FINAL: ReadonlySet<SimTransferState> = new Set<SimTransferState>(['SUCCESS', 'FAIL', 'CANCELLED']);
const EVENT_TYPE = 'MCHTRANSFER.BILL.FINISHED';
const ORIGINAL_TYPE = 'mch_payment';

/**
 * The merchant transfers (商家转账) of the simulated WeChat Pay: the bills, the user's confirmation in
 * `wx.requestMerchantTransfer` played by the control API, and the signed, encrypted MCHTRANSFER.BILL.FINISHED
 * notification delivered with the pay notifications' retries.
 * @internal
 */
export class TransferState {
  private readonly bills = new Map<string, TransferRecord>();
  private readonly byTransferBillNo = new Map<string, TransferRecord>();

  constructor(private readonly v3: PayV3State) {
    v3.pay.sim.resetHooks.push(() => {
      this.bills.clear();
      this.byTransferBillNo.clear();
    });
  }

  /** The private key of a `Wechatpay-Serial`, or `undefined` for a serial the simulator does not know. */
  sensitiveKey(serial: string | undefined): string | undefined {
    return serial === undefined ? undefined : SENSITIVE_KEYS.get(serial);
  }

  /** Decrypts a sensitive field with the key of `serial`; `undefined` when it does not decrypt. */
  decrypt(ciphertext: string, serial: string): string | undefined {
    const key = this.sensitiveKey(serial);
    if (!key) return undefined;
    try {
      return decryptPayV3Sensitive(ciphertext, key);
    } catch {
      return undefined;
    }
  }

  get(mchId: string, outBillNo: string): TransferRecord | undefined {
    return this.bills.get(`${mchId}:${outBillNo}`);
  }

  byWeChatNo(mchId: string, transferBillNo: string): TransferRecord | undefined {
    const bill = this.byTransferBillNo.get(transferBillNo);
    return bill && bill.mchId === mchId ? bill : undefined;
  }

  /** Records a new bill waiting for the user, with a fresh transfer_bill_no and package_info. */
  open(
    fields: Omit<TransferRecord, 'transferBillNo' | 'state' | 'history' | 'packageInfo' | 'creates' | 'createdAt' | 'updatedAt'>,
  ): TransferRecord {
    const now = this.v3.pay.now();
    const bill: TransferRecord = {
      ...fields,
      transferBillNo: `1330${randomDigits(36)}`,
      state: 'WAIT_USER_CONFIRM',
      history: ['ACCEPTED', 'WAIT_USER_CONFIRM'],
      packageInfo: randomBytes(48).toString('base64'),
      creates: 1,
      createdAt: now,
      updatedAt: now,
    };
    this.bills.set(`${bill.mchId}:${bill.outBillNo}`, bill);
    this.byTransferBillNo.set(bill.transferBillNo, bill);
    if (this.bills.size > STORE_LIMIT) {
      const [oldest] = this.bills.values();
      this.bills.delete(`${oldest.mchId}:${oldest.outBillNo}`);
      this.byTransferBillNo.delete(oldest.transferBillNo);
    }
    return bill;
  }

  /** A copy of a bill of a merchant (the first configured by default). */
  copy(outBillNo: string, mchId?: string): SimTransfer | undefined {
    const bill = this.get(this.v3.pay.resolveMerchant(mchId).mchId, outBillNo);
    return bill ? publicView(bill) : undefined;
  }

  /** Moves a bill to a final state; the notification follows (unless `notify` is false). */
  async finish(
    bill: TransferRecord,
    steps: SimTransferState[],
    failReason: string | undefined,
    notify: boolean,
  ): Promise<SimNotification | undefined> {
    for (const state of steps) {
      bill.state = state;
      bill.history.push(state);
    }
    if (bill.state !== 'SUCCESS' && failReason !== undefined) bill.failReason = failReason;
    bill.updatedAt = this.v3.pay.now();
    const body = this.notificationBody(bill, randomUUID(), this.v3.apiV3Key(bill.mchId));
    bill.notification = signedRecord(this.v3, body, resource(bill));
    if (!notify || bill.notifyUrl === undefined) return undefined;
    return deliverGenuine(this.v3, bill.notification, this.target(bill));
  }

  /** Plays the user in `wx.requestMerchantTransfer` (`POST /__sim/transferConfirm`). */
  async confirm(input: SimTransferConfirmInput): Promise<{ transfer: SimTransfer; notification?: SimNotification }> {
    const raw = asInput(input);
    const merchant = this.v3.pay.resolveMerchant(raw.mchId);
    if (typeof raw.outBillNo !== 'string' || raw.outBillNo === '') throw new SimulatorInputError('outBillNo must be a non-empty string');
    const action = raw.action ?? 'confirm';
    if (action !== 'confirm' && action !== 'decline' && action !== 'fail') {
      throw new SimulatorInputError("action must be 'confirm', 'decline' or 'fail'");
    }
    if (raw.failReason !== undefined && (typeof raw.failReason !== 'string' || !/^[A-Z_]{1,64}$/.test(raw.failReason))) {
      throw new SimulatorInputError('failReason must be 1–64 of A–Z and _');
    }
    if (raw.notify !== undefined && typeof raw.notify !== 'boolean') throw new SimulatorInputError('notify must be a boolean');
    const bill = this.get(merchant.mchId, raw.outBillNo);
    if (!bill) throw new SimulatorInputError('unknown transfer', 404);
    if (bill.state !== 'WAIT_USER_CONFIRM') throw new SimulatorInputError(`the transfer is ${bill.state}, not WAIT_USER_CONFIRM`, 409);
    const failReason = raw.failReason as string | undefined;
    const notification =
      action === 'confirm'
        ? await this.finish(bill, ['TRANSFERING', 'SUCCESS'], undefined, raw.notify !== false)
        : action === 'fail'
          ? await this.finish(bill, ['TRANSFERING', 'FAIL'], failReason ?? 'PAYEE_ACCOUNT_ABNORMAL', raw.notify !== false)
          : await this.finish(bill, ['CANCELLED'], failReason, raw.notify !== false);
    return { transfer: publicView(bill), ...(notification ? { notification } : {}) };
  }

  /** Sends variants of a final bill's notification, once each and concurrently (`POST /__sim/transferNotify`). */
  async notify(input: SimTransferNotifyInput): Promise<SimNotification[]> {
    const raw = asInput(input);
    const merchant = this.v3.pay.resolveMerchant(raw.mchId);
    if (typeof raw.outBillNo !== 'string') throw new SimulatorInputError('outBillNo must be a string');
    const variant = resendInput(raw);
    const bill = this.get(merchant.mchId, raw.outBillNo);
    if (!bill) throw new SimulatorInputError('unknown transfer', 404);
    const genuine = bill.notification;
    if (!genuine || bill.notifyUrl === undefined) throw new SimulatorInputError('the transfer has no final notification to resend', 409);
    return resend(this.v3, genuine, variant, this.target(bill));
  }

  private target(bill: TransferRecord) {
    return {
      kind: 'transfer' as const,
      mchId: bill.mchId,
      outTradeNo: bill.outBillNo,
      outBillNo: bill.outBillNo,
      url: bill.notifyUrl as string,
    };
  }

  private notificationBody(bill: TransferRecord, id: string, apiV3Key: string): string {
    return JSON.stringify({
      id,
      create_time: rfc3339(this.v3.pay.now()),
      resource_type: 'encrypt-resource',
      event_type: EVENT_TYPE,
      summary: '商家转账单据终态通知',
      resource: encryptPayV3Resource(JSON.stringify(resource(bill)), apiV3Key, {
        associatedData: ORIGINAL_TYPE,
        originalType: ORIGINAL_TYPE,
      }),
    });
  }
}

/** Whether a state is final. @internal */
export function isFinal(state: SimTransferState): boolean {
  return FINAL.has(state);
}

/** The decrypted resource of MCHTRANSFER.BILL.FINISHED. */
function resource(bill: TransferRecord): Record<string, unknown> {
  return {
    mchid: bill.mchId,
    out_bill_no: bill.outBillNo,
    transfer_bill_no: bill.transferBillNo,
    state: bill.state,
    transfer_amount: bill.transferAmount,
    ...(bill.failReason !== undefined ? { fail_reason: bill.failReason } : {}),
    openid: bill.openId,
    create_time: rfc3339(bill.createdAt),
    update_time: rfc3339(bill.updatedAt),
  };
}

/** A bill without what only the simulator keeps. @internal */
export function publicView(bill: TransferRecord): SimTransfer {
  const { content: _content, notification: _notification, ...view } = bill;
  return structuredClone(view);
}
