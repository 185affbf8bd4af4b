import { decryptRefundReqInfo, verifyPayV2Sign } from '../../crypto/pay-sign.crypto';
import { parsePayXml } from '../../crypto/pay-xml.codec';
import type { PayRefundStatus } from '../../entities/pay-refund.entity';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions } from '../../interfaces';
import { IncomingPayment, IncomingRefund, NotificationRejection } from '../notifications/incoming';
import { int, parseBeijingTime } from '../pay-input.util';

const FINAL_REFUND_STATES: readonly PayRefundStatus[] = ['SUCCESS', 'CHANGE', 'REFUNDCLOSE'];

/**
 * Reads and authenticates WeChat Pay API v2 notifications: the hardened XML parser, `return_code`, the signature
 * (constant time, `sign_type` honoured) of a payment, the decryption with the API key of a refund's `req_info` (which
 * is what authenticates a refund notification: it carries no signature), the AppID and merchant. What it yields is
 * checked against the stored order and applied by the notification processor.
 * @internal
 */
export class PayV2NotificationReader {
  constructor(private readonly options: ResolvedMiniProgramOptions) {}

  async payment(rawXml: string | Buffer): Promise<IncomingPayment> {
    const pay = this.payOptions();
    const n = await this.parse(rawXml);
    if (n.return_code !== 'SUCCESS') throw new NotificationRejection('return_code is not SUCCESS');
    if (!pay.apiKey) throw new NotificationRejection('API v2 is not configured (pay.apiKey)');
    if (!verifyPayV2Sign(n, pay.apiKey)) throw new NotificationRejection('signature does not verify');
    this.checkMerchant(n, pay);
    return {
      outTradeNo: n.out_trade_no ?? '',
      succeeded: n.result_code === 'SUCCESS',
      transactionId: n.transaction_id || undefined,
      totalFee: int(n.total_fee),
      cashFee: int(n.cash_fee),
      openId: n.openid,
      bankType: n.bank_type,
      timeEnd: parseBeijingTime(n.time_end),
      attach: n.attach,
      raw: n,
      amount: { field: 'total_fee', sent: n.total_fee },
    };
  }

  async refund(rawXml: string | Buffer): Promise<IncomingRefund> {
    const pay = this.payOptions();
    const outer = await this.parse(rawXml);
    if (outer.return_code !== 'SUCCESS') throw new NotificationRejection('return_code is not SUCCESS');
    this.checkMerchant(outer, pay);
    if (!outer.req_info) throw new NotificationRejection('req_info missing');
    let info: Record<string, string>;
    try {
      if (!pay.apiKey) throw new NotificationRejection('API v2 is not configured (pay.apiKey)');
      info = await parsePayXml(decryptRefundReqInfo(outer.req_info, pay.apiKey), { root: 'root' });
    } catch {
      // Refund notifications carry no signature: decryption with our key is what authenticates them.
      throw new NotificationRejection('req_info does not decrypt with the API key');
    }
    const status = info.refund_status as PayRefundStatus;
    if (!FINAL_REFUND_STATES.includes(status)) {
      throw new NotificationRejection(`unknown refund_status ${JSON.stringify(String(info.refund_status).slice(0, 20))}`);
    }
    return {
      outTradeNo: info.out_trade_no,
      outRefundNo: info.out_refund_no || undefined,
      refundFee: int(info.refund_fee),
      status,
      raw: info,
      refundField: 'refund_fee',
    };
  }

  private payOptions(): ResolvedPayOptions {
    if (!this.options.pay) throw new NotificationRejection('WeChat Pay is not configured');
    return this.options.pay;
  }

  private async parse(rawXml: string | Buffer): Promise<Record<string, string>> {
    try {
      return await parsePayXml(rawXml);
    } catch {
      throw new NotificationRejection('malformed or unsafe XML');
    }
  }

  private checkMerchant(n: Record<string, string>, pay: ResolvedPayOptions): void {
    if (n.appid !== this.options.appId || n.mch_id !== pay.mchId) throw new NotificationRejection('appid or mch_id is not ours');
  }
}
