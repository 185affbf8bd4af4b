import type { SimNotification } from '../pay/pay.interfaces';
import type {
  SimProfitSharingFinishInput,
  SimProfitSharingNotifyInput,
  SimProfitSharingOrder,
  SimProfitSharingReceiver,
  SimProfitSharingSettings,
} from '../profit-sharing/profit-sharing.interfaces';
import { SimulatorTransferFront } from './simulator-transfer.front';

/**
 * The profit sharing (分账) of {@link WeChatSimulator}: its settings, the receivers and splits it keeps, finishing a
 * split and the 分账动账通知.
 * @internal
 */
export class SimulatorProfitSharingFront extends SimulatorTransferFront {
  /**
   * The profit-sharing settings, changed by the given fields: `maxRatio` (0.3 by default) and `autoFinish` (splits finish
   * by themselves after the refund delay; true by default); twin of `POST /__sim/profitSharing`.
   */
  profitSharingSettings(input: Partial<SimProfitSharingSettings> = {}): SimProfitSharingSettings {
    return this.payV3.profitSharing.settings(input);
  }

  /** A copy of a split of a merchant (the first configured by default); twin of `GET /__sim/profitSharingOrder`. */
  profitSharingOrder(outOrderNo: string, mchId?: string): SimProfitSharingOrder | undefined {
    return this.payV3.profitSharing.copy(outOrderNo, mchId);
  }

  /** A copy of a receiver a merchant added, with its name as decrypted. */
  profitSharingReceiver(type: 'MERCHANT_ID' | 'PERSONAL_OPENID', account: string, mchId?: string): SimProfitSharingReceiver | undefined {
    return this.payV3.profitSharing.receiver(type, account, mchId);
  }

  /**
   * Finishes a split that is PROCESSING, then resolves after the first attempt to deliver each signed, encrypted
   * PROFITSHARING.SUCCESS (one per merchant receiver; retried on WeChat's schedule; none with `notify: false`); twin of
   * `POST /__sim/profitSharingFinish`.
   * @throws SimulatorInputError 404 for an unknown split, 409 when it is not PROCESSING.
   */
  finishProfitSharing(input: SimProfitSharingFinishInput): Promise<{ share: SimProfitSharingOrder; notifications: SimNotification[] }> {
    return this.payV3.profitSharing.control(input);
  }

  /** Sends variants of a finished split's notification, once each; twin of `POST /__sim/profitSharingNotify`. */
  profitSharingNotify(input: SimProfitSharingNotifyInput): Promise<SimNotification[]> {
    return this.payV3.profitSharing.notify(input);
  }

  override async stop(): Promise<void> {
    this.payV3.profitSharing.stop();
    await super.stop();
  }
}
