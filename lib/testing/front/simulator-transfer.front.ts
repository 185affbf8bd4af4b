import type { SimNotification } from '../pay/pay.interfaces';
import type { SimTransfer, SimTransferConfirmInput, SimTransferNotifyInput } from '../transfers/transfer.interfaces';
import { SimulatorContentFront } from './simulator-content.front';

/**
 * The merchant transfers (商家转账) of {@link WeChatSimulator}: the bills it keeps and the user confirming them.
 * @internal
 */
export class SimulatorTransferFront extends SimulatorContentFront {
  /** A copy of a transfer bill of a merchant (the first configured by default); twin of `GET /__sim/transfer`. */
  transfer(outBillNo: string, mchId?: string): SimTransfer | undefined {
    return this.payV3.transfers.copy(outBillNo, mchId);
  }

  /**
   * Plays the user in `wx.requestMerchantTransfer` for a bill waiting for them: `confirm` (TRANSFERING, then SUCCESS),
   * `decline` (CANCELLED) or `fail` (FAIL), then resolves after the first attempt to deliver the signed, encrypted
   * MCHTRANSFER.BILL.FINISHED notification (retried on WeChat's schedule; none with `notify: false`); twin of
   * `POST /__sim/transferConfirm`.
   * @throws SimulatorInputError 404 for an unknown bill, 409 when it does not wait for the user.
   */
  confirmTransfer(input: SimTransferConfirmInput): Promise<{ transfer: SimTransfer; notification?: SimNotification }> {
    return this.payV3.transfers.confirm(input);
  }

  /** Sends variants of a final bill's notification, once each; twin of `POST /__sim/transferNotify`. */
  transferNotify(input: SimTransferNotifyInput): Promise<SimNotification[]> {
    return this.payV3.transfers.notify(input);
  }
}
