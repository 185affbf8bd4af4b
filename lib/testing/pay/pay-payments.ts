import { payV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml } from '../../crypto/pay-xml.codec';
import { createNonceStr } from '../../crypto/random.util';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-state';
import type { SimV3NotifyVariant } from '../pay-v3/pay-v3.interfaces';
import { beijingCompact, newTransactionId, parseBeijingCompact } from './pay-format';
import { PAY_VARIANTS, V3_VARIANTS, payVariant, variantRequest } from './pay-notify-variants';
import type { OrderRecord, PayState } from './pay-state';
import type { SimNotification, SimNotifyInput, SimPayInput, SimPayResult, SimulatorMerchant } from './pay.interfaces';

const BANK_TYPE = /^[A-Z0-9_]{1,32}$/;

/**
 * The payments of the simulated WeChat Pay: the simulated user confirming `wx.requestPayment`, and the payment
 * notifications (the genuine one, and the variants the control API asks for). API v3 orders get theirs from
 * {@link PayState.v3}.
 * @internal
 */
export class PayPayments {
  constructor(private readonly state: PayState) {}

  /** Plays the user confirming `wx.requestPayment`, then delivers the payment notification (first attempt awaited). */
  async pay(input: SimPayInput): Promise<SimPayResult> {
    const raw = asInput(input);
    if (typeof raw.prepayId !== 'string' || raw.prepayId.length === 0) throw new SimulatorInputError('prepayId must be a non-empty string');
    const result = raw.result ?? 'SUCCESS';
    if (result !== 'SUCCESS' && result !== 'FAIL') throw new SimulatorInputError("result must be 'SUCCESS' or 'FAIL'");
    const bankType = raw.bankType ?? 'OTHERS';
    if (typeof bankType !== 'string' || !BANK_TYPE.test(bankType))
      throw new SimulatorInputError('bankType must be 1-32 characters of [A-Z0-9_]');

    const order = this.state.orderByPrepay(raw.prepayId);
    if (!order) throw new SimulatorInputError('unknown prepayId', 404);
    if (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') throw new SimulatorInputError('the order is already paid', 409);
    if (order.tradeState === 'CLOSED') throw new SimulatorInputError('the order is closed', 410);
    const now = this.state.now();
    if (order.prepayId !== raw.prepayId || now >= order.prepayExpiresAt) throw new SimulatorInputError('the prepayId has expired', 410);
    if (order.timeExpire !== undefined && now >= (parseBeijingCompact(order.timeExpire) ?? Infinity)) {
      throw new SimulatorInputError('the order has expired (time_expire)', 410);
    }
    const merchant = this.state.merchants.get(order.mchId) as SimulatorMerchant;

    order.transactionId ??= newTransactionId(now);
    this.state.indexTransaction(order, order.transactionId);
    order.bankType = bankType;
    order.timeEnd = beijingCompact(now);
    if (result === 'SUCCESS') {
      order.tradeState = 'SUCCESS';
      order.paidAt = now;
    } else {
      order.tradeState = 'PAYERROR';
    }
    if (order.apiVersion === 'v3' && this.state.v3) {
      const v3Notification = await this.state.v3.paymentNotification(order, result);
      return { outTradeNo: order.outTradeNo, transactionId: order.transactionId, notification: v3Notification };
    }
    order.notifyFields = this.notifyFields(order, merchant, result);
    const notification = await this.state.notifier.deliver({
      kind: 'pay',
      mchId: order.mchId,
      outTradeNo: order.outTradeNo,
      url: order.notifyUrl,
      variant: 'genuine',
      body: buildPayXml(order.notifyFields),
      retry: true,
    });
    return { outTradeNo: order.outTradeNo, transactionId: order.transactionId, notification };
  }

  /** Sends variants of an order's payment notification, once each and concurrently, without retries. */
  async notify(input: SimNotifyInput): Promise<SimNotification[]> {
    const raw = asInput(input);
    const merchant = this.state.resolveMerchant(raw.mchId);
    const { kind, v3Kind, copies } = variantRequest(raw, PAY_VARIANTS);
    let order: OrderRecord | undefined;
    if (raw.transactionId !== undefined) {
      if (typeof raw.transactionId !== 'string') throw new SimulatorInputError('transactionId must be a string');
      order = this.state.orderByTransaction(merchant.mchId, raw.transactionId);
    } else if (raw.outTradeNo !== undefined) {
      if (typeof raw.outTradeNo !== 'string') throw new SimulatorInputError('outTradeNo must be a string');
      order = this.state.order(merchant.mchId, raw.outTradeNo);
    } else {
      throw new SimulatorInputError('give outTradeNo or transactionId');
    }
    if (!order) throw new SimulatorInputError('unknown order', 404);
    if (order.apiVersion === 'v3' && this.state.v3) {
      if (!v3Kind) throw new SimulatorInputError(`kind must be one of ${V3_VARIANTS.join(', ')} for an API v3 order`);
      return this.state.v3.notify(order, raw.kind as SimV3NotifyVariant, copies);
    }
    if (!PAY_VARIANTS.includes(kind)) throw new SimulatorInputError(`kind must be one of ${PAY_VARIANTS.join(', ')}`);
    let genuine = order.notifyFields;
    if (!genuine) {
      // An unpaid order has no genuine notification to repeat, but forgeries of one are exactly what an app must
      // refuse: they are built from the notification the order would get if paid now (not stored; state unchanged).
      if (kind === 'duplicate') throw new SimulatorInputError('the order has not been paid, so there is no notification to duplicate', 409);
      const now = this.state.now();
      const wouldBe = { ...order, transactionId: order.transactionId ?? newTransactionId(now), timeEnd: beijingCompact(now) };
      genuine = this.notifyFields(wouldBe, merchant, 'SUCCESS');
    }
    const found = order;
    const fields = genuine;
    return Promise.all(
      Array.from({ length: copies }, () =>
        this.state.notifier.deliver({
          kind: 'pay',
          mchId: found.mchId,
          outTradeNo: found.outTradeNo,
          url: found.notifyUrl,
          variant: kind,
          body: buildPayXml(payVariant(kind, fields, found, merchant)),
          retry: false,
        }),
      ),
    );
  }

  /** The signed fields of an API v2 payment notification of an order as it is now. */
  private notifyFields(order: OrderRecord, merchant: SimulatorMerchant, result: 'SUCCESS' | 'FAIL'): Record<string, string> {
    const fields: Record<string, string> = {
      return_code: 'SUCCESS',
      return_msg: 'OK',
      appid: order.appId,
      mch_id: order.mchId,
      ...(order.deviceInfo !== undefined ? { device_info: order.deviceInfo } : {}),
      nonce_str: createNonceStr(32),
      result_code: result,
      ...(result === 'FAIL' ? { err_code: 'PAYERROR', err_code_des: '支付失败' } : {}),
      ...(order.openId !== undefined ? { openid: order.openId } : {}),
      is_subscribe: 'N',
      trade_type: order.tradeType,
      bank_type: order.bankType ?? 'OTHERS',
      total_fee: String(order.totalFee),
      fee_type: 'CNY',
      cash_fee: String(order.totalFee),
      transaction_id: order.transactionId as string,
      out_trade_no: order.outTradeNo,
      ...(order.attach !== undefined ? { attach: order.attach } : {}),
      time_end: order.timeEnd as string,
      ...(order.signType === 'HMAC-SHA256' ? { sign_type: 'HMAC-SHA256' } : {}),
    };
    fields.sign = payV2Sign(fields, merchant.apiKey, order.signType);
    return fields;
  }
}
