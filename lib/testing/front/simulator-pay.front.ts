import type { SimPayV3Settings, SimPayV3SettingsInput } from '../pay-v3/pay-v3.interfaces';
import type {
  SimLoseNotificationsInput,
  SimNotification,
  SimNotifyInput,
  SimOrder,
  SimPayInput,
  SimPayReport,
  SimPayResult,
  SimRefund,
  SimRefundNotifyInput,
  SimSettleRefundInput,
  SimulatorMerchant,
} from '../pay/pay.interfaces';
import { SimulatorCore } from './simulator-core';

/**
 * The WeChat Pay calls of {@link WeChatSimulator}: the merchants, orders and refunds it keeps, and the user paying.
 * @internal
 */
export class SimulatorPayFront extends SimulatorCore {
  /** The configured WeChat Pay merchants (development values). */
  get merchants(): SimulatorMerchant[] {
    return [...this.payState.merchants.values()].map((merchant) => ({ ...merchant }));
  }

  /** Every notification delivery so far (copies), oldest first; twin of `GET /__sim/notifications`. */
  get notifications(): SimNotification[] {
    return this.payState.notifier.list();
  }

  /** Every `/payitil/report` call received (copies), oldest first; twin of `GET /__sim/reports`. */
  get reports(): SimPayReport[] {
    return this.payState.reports.map((report) => ({ ...report, fields: { ...report.fields } }));
  }

  /** A copy of an order of a merchant (the first configured by default), for assertions. */
  order(outTradeNo: string, mchId?: string): SimOrder | undefined {
    return this.payState.orderCopy(outTradeNo, mchId);
  }

  /** A copy of a refund of a merchant (the first configured by default), for assertions. */
  refund(outRefundNo: string, mchId?: string): SimRefund | undefined {
    return this.payState.refundCopy(outRefundNo, mchId);
  }

  /**
   * Plays the user confirming `wx.requestPayment` for a `prepay_id` and resolves after the first attempt to deliver
   * the payment notification (retries follow WeChat's schedule); twin of `POST /__sim/pay`.
   * @throws SimulatorInputError 404 for an unknown prepay_id, 410 when it expired or the order is closed, 409 when paid.
   */
  pay(input: SimPayInput): Promise<SimPayResult> {
    return this.payState.pay(input);
  }

  /**
   * Loses the next `count` genuine notifications (of `kind`, or of any kind) on purpose: WeChat's state changes, the app
   * hears nothing, and only a query tells it; twin of `POST /__sim/loseNotifications` (`DELETE` forgets the rest).
   */
  loseNotifications(input: SimLoseNotificationsInput = {}): { pending: number } {
    return this.payState.notifier.lose(input);
  }

  /** Sends variants of an order's payment notification, once each; twin of `POST /__sim/notify`. */
  notify(input: SimNotifyInput): Promise<SimNotification[]> {
    return this.payState.notify(input);
  }

  /** Sends variants of a settled refund's notification, once each; twin of `POST /__sim/refundNotify`. */
  refundNotify(input: SimRefundNotifyInput): Promise<SimNotification[]> {
    return this.payState.refundNotify(input);
  }

  /** Settles a PROCESSING refund now (SUCCESS, REFUNDCLOSE or CHANGE); twin of `POST /__sim/settleRefund`. */
  settleRefund(input: SimSettleRefundInput): Promise<{ refund: SimRefund; notification?: SimNotification }> {
    return this.payState.settleRefund(input);
  }

  /** The WeChat Pay API v3 signing settings; twin of `GET /__sim/v3`. */
  get payV3Settings(): SimPayV3Settings {
    return this.payV3.settings();
  }

  /**
   * Switches the API v3 signing mode (`public-key` or `certificate`) and/or rotates the platform certificate; twin of
   * `POST /__sim/v3`.
   */
  setPayV3(input: SimPayV3SettingsInput): SimPayV3Settings {
    return this.payV3.configure(input);
  }

  /** Forgets every notification report and cancels pending retries; twin of `DELETE /__sim/notifications`. */
  clearNotifications(): void {
    this.payState.notifier.clear();
  }
}
