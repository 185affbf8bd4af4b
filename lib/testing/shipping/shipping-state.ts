import type { OrderRecord, PayState } from '../pay/pay-state';
import type { PushState } from '../push/push-state';
import type { SimPush } from '../push/push.interfaces';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-input';
import type { SimulatorState } from '../server/simulator-state';
import { setBounded } from '../server/simulator-store';
import { ShippingErrcode, refuseUnless } from './shipping-checks';
import type { ParsedOrderKey, ParsedShipment } from './shipping-checks';
import type {
  SimConfirmReceiveInput,
  SimRemindAccessApiInput,
  SimShippingOrder,
  SimShippingOrderRef,
  SimShippingOrderState,
  SimShippingResult,
  SimShippingSettings,
  SimTradeManagedInput,
} from './shipping.interfaces';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * When WeChat settles an order whose user does not confirm receipt: 10 days after shipping by express, 2 days after
 * same-city, virtual or self-pickup shipping (an answer on developers.weixin.qq.com's community, not WeChat's API pages;
 * `estimated_settlement_time` of the shipment push).
 */
const SETTLEMENT_DAYS = { express: 10, other: 2 };
/** The `FromUserName` of WeChat's order-shipping pushes: a system account (发送方是系统账号), not the user. */
const SYSTEM_SENDER = 'o_wxsystem_trade_manage_0000';

/** A paid order's life in the shipping service; its public shape without the pay order it belongs to. @internal */
export interface ShippingRecord extends Omit<
  SimShippingOrder,
  'appId' | 'mchId' | 'outTradeNo' | 'transactionId' | 'openId' | 'paidAmount' | 'paidAt' | 'fundsFrozen'
> {
  /** `upload_time` of the latest upload, epoch ms: a later upload must be newer. */
  lastUploadAt?: number;
}

/**
 * The order-shipping side of the simulator (小程序发货信息管理服务): each paid order of the pay simulator goes from 1 (to
 * ship) to 2 (shipped, once its shipping is uploaded), 3 (receipt confirmed) and 4 (settled), its money frozen until
 * then; the app's settings (`is_trade_managed`, the message jump path); and WeChat's `trade_manage_*` pushes, sent
 * through the message push side when the app has a push configured (else the state changes alone).
 * @internal
 */
export class ShippingState {
  private readonly records = new Map<string, ShippingRecord>();
  private readonly settings = new Map<string, SimShippingSettings>();

  constructor(
    readonly sim: SimulatorState,
    readonly pay: PayState,
    private readonly push: PushState,
    private readonly log: (line: string) => void,
  ) {
    sim.resetHooks.push(() => {
      this.records.clear();
      this.settings.clear();
    });
  }

  /** The settings of an app (`is_trade_managed` and the others), the defaults until changed. */
  settingsOf(appId: string): SimShippingSettings {
    return { ...(this.settings.get(appId) ?? { appId, tradeManaged: true, confirmationCompleted: true }) };
  }

  /** Sets what `is_trade_managed` and `is_trade_management_confirmation_completed` answer. */
  setTradeManaged(input: SimTradeManagedInput): SimShippingSettings {
    const raw = asInput(input);
    const app = this.sim.resolveApp(raw.appId);
    if (typeof raw.managed !== 'boolean') throw new SimulatorInputError('managed must be a boolean');
    if (raw.completed !== undefined && typeof raw.completed !== 'boolean') throw new SimulatorInputError('completed must be a boolean');
    const settings = { ...this.settingsOf(app.appId), tradeManaged: raw.managed, confirmationCompleted: raw.completed ?? raw.managed };
    this.settings.set(app.appId, settings);
    return { ...settings };
  }

  /** Records the path of `set_msg_jump_path`. */
  setMsgJumpPath(appId: string, path: string): void {
    this.settings.set(appId, { ...this.settingsOf(appId), msgJumpPath: path });
  }

  /** The paid orders of an app's merchants, paid first first. */
  paidOrders(appId: string): OrderRecord[] {
    return [...this.pay.merchants.values()]
      .filter((merchant) => merchant.appId === appId)
      .flatMap((merchant) => this.pay.ordersOf(merchant.mchId))
      .filter((order) => order.appId === appId && isPaid(order))
      .sort((a, b) => (a.paidAt as number) - (b.paidAt as number));
  }

  /** The paid order of an app an API call names, or WeChat's 10060001. */
  apiOrder(appId: string, key: ParsedOrderKey): OrderRecord {
    const order = key.type === 2 ? this.byTransaction(key.transactionId) : this.pay.order(key.mchId, key.outTradeNo);
    refuseUnless(order !== undefined && order.appId === appId && isPaid(order), ShippingErrcode.NO_SUCH_PAYMENT);
    return order as OrderRecord;
  }

  /** The shipping record of a paid order (to ship, until something happens to it). */
  record(order: OrderRecord): ShippingRecord {
    const id = order.transactionId as string;
    let record = this.records.get(id);
    if (!record) {
      record = { orderState: 1, reshipped: false, history: [{ state: 1, at: order.paidAt as number }] };
      setBounded(this.records, id, record);
    }
    return record;
  }

  /** The state of an order: its record's, or 5 when fully refunded before the user confirmed receipt. */
  stateOf(order: OrderRecord): SimShippingOrderState {
    const state = this.record(order).orderState;
    const refunded = order.tradeState === 'REFUND' && this.pay.refundableFee(order) <= 0;
    return refunded && state <= 2 ? 5 : state;
  }

  /**
   * Checks an upload for one paid order with WeChat's rules and answers what applies it (so that a combined upload
   * changes nothing unless every sub-order can be shipped). The apply answers whether shipping completed.
   */
  planShipment(order: OrderRecord, shipment: ParsedShipment, uploadAt: number, uploadTime: string, payer: string): () => boolean {
    refuseUnless(order.openId === payer, ShippingErrcode.OTHER_PAYER);
    const record = this.record(order);
    const state = this.stateOf(order);
    refuseUnless(state !== 5, ShippingErrcode.NOT_SHIPPABLE);
    refuseUnless(state <= 2, ShippingErrcode.SHIPPING_COMPLETED);
    refuseUnless(record.lastUploadAt === undefined || uploadAt > record.lastUploadAt, ShippingErrcode.NOT_UPDATED);
    const before = record.shipping;
    // 重新发货: another upload for a payment whose shipping completed, or one that changes the delivery or logistics mode.
    const changes =
      before !== undefined && (before.logisticsType !== shipment.logisticsType || before.deliveryMode !== shipment.deliveryMode);
    const reship = before?.finishShipping === true || changes;
    refuseUnless(!reship || !record.reshipped, ShippingErrcode.RESHIPMENT_USED);
    return () => {
      const now = this.sim.now();
      const finished = shipment.deliveryMode === 1 || shipment.isAllDelivered === true;
      const count = (before?.finishShippingCount ?? 0) + (finished ? 1 : 0);
      record.shipping = {
        logisticsType: shipment.logisticsType,
        deliveryMode: shipment.deliveryMode,
        finishShipping: finished,
        finishShippingCount: count,
        uploadTime,
        parcels: shipment.parcels.map((parcel) => ({ ...parcel, uploadedAt: now })),
      };
      record.lastUploadAt = uploadAt;
      record.reshipped ||= reship;
      if (!finished) return false;
      record.shippedAt = now;
      record.estimatedSettlementAt = now + (shipment.logisticsType === 1 ? SETTLEMENT_DAYS.express : SETTLEMENT_DAYS.other) * DAY_MS;
      this.moveTo(record, 2, now);
      return true;
    };
  }

  /** Sends the shipment push of an order that just completed shipping, without waiting for it. */
  shipped(order: OrderRecord): void {
    const record = this.record(order);
    const fields = { shipped_time: seconds(record.shippedAt), estimated_settlement_time: seconds(record.estimatedSettlementAt) };
    this.pushEvent(order.appId, { Event: 'trade_manage_order_settlement', ...orderFields(order), ...fields }).catch((error: unknown) =>
      this.log(`shipping push for ${order.transactionId} failed: ${String(error)}`),
    );
  }

  /** `notify_confirm_receive`: once per express order that shipped, the delivery after the shipment and not ahead. */
  remindReceipt(order: OrderRecord, receivedTime: number): void {
    const record = this.record(order);
    refuseUnless(record.shipping?.logisticsType === 1 || record.shipping === undefined, ShippingErrcode.REMINDER_NOT_EXPRESS);
    refuseUnless(this.stateOf(order) === 2, ShippingErrcode.BAD_PARAMETER, 'the payment is not shipped, or its receipt is confirmed');
    refuseUnless(record.receiptRemindedWith === undefined, ShippingErrcode.REMINDER_USED);
    const shipped = seconds(record.shippedAt) as number;
    refuseUnless(receivedTime >= shipped && receivedTime <= Math.floor(this.sim.now() / 1000), ShippingErrcode.BAD_RECEIVED_TIME);
    record.receiptRemindedWith = receivedTime;
  }

  /** Plays the user confirming receipt of a shipped order (or WeChat doing it), then WeChat settling it at once. */
  async confirmReceive(input: SimConfirmReceiveInput): Promise<SimShippingResult> {
    const raw = asInput(input);
    const method = raw.method ?? 1;
    if (method !== 1 && method !== 2) throw new SimulatorInputError('method must be 1 (by the user) or 2 (automatic)');
    const order = this.controlOrder(raw);
    const record = this.record(order);
    if (this.stateOf(order) !== 2) throw new SimulatorInputError(`the order is in state ${this.stateOf(order)}, not 2 (shipped)`, 409);
    const now = this.sim.now();
    record.confirmReceiveMethod = method;
    record.confirmedAt = now;
    this.moveTo(record, 3, now);
    record.settledAt = now;
    this.moveTo(record, 4, now);
    const push = await this.pushEvent(order.appId, {
      Event: 'trade_manage_order_settlement',
      ...orderFields(order),
      shipped_time: seconds(record.shippedAt),
      confirm_receive_method: method,
      confirm_receive_time: seconds(now),
      settlement_time: seconds(now),
    });
    return { order: this.view(order), ...(push ? { push } : {}) };
  }

  /** Plays WeChat reminding the app of an order still to ship (`trade_manage_remind_shipping`). */
  async remindShipping(input: SimShippingOrderRef): Promise<SimShippingResult> {
    const order = this.controlOrder(asInput(input));
    if (this.stateOf(order) !== 1) throw new SimulatorInputError(`the order is in state ${this.stateOf(order)}, not 1 (to ship)`, 409);
    const message = { Event: 'trade_manage_remind_shipping', ...orderFields(order), msg: '订单已超过48小时未发货，请尽快上传发货信息' };
    const push = await this.pushEvent(order.appId, message);
    return { order: this.view(order), ...(push ? { push } : {}) };
  }

  /** Plays WeChat reminding the app to use the shipping API (`trade_manage_remind_access_api`). */
  async remindAccessApi(input: SimRemindAccessApiInput = {}): Promise<SimShippingResult> {
    const raw = asInput(input);
    const app = this.sim.resolveApp(raw.appId);
    if (raw.msg !== undefined && typeof raw.msg !== 'string') throw new SimulatorInputError('msg must be a string');
    const push = await this.pushEvent(app.appId, {
      Event: 'trade_manage_remind_access_api',
      msg: raw.msg ?? '请尽快接入发货信息管理服务API',
    });
    return push ? { push } : {};
  }

  /** The simulator's view of a paid order, or `undefined` for one it does not know or that is not paid. */
  find(ref: SimShippingOrderRef): SimShippingOrder | undefined {
    const order = this.lookup(asInput(ref));
    return order && this.view(order);
  }

  /** An order's public shape (a copy). */
  view(order: OrderRecord): SimShippingOrder {
    const { lastUploadAt: _last, shipping, history, ...record } = this.record(order);
    const orderState = this.stateOf(order);
    return {
      appId: order.appId,
      mchId: order.mchId,
      outTradeNo: order.outTradeNo,
      transactionId: order.transactionId as string,
      ...(order.openId !== undefined ? { openId: order.openId } : {}),
      paidAmount: order.totalFee,
      paidAt: order.paidAt as number,
      ...record,
      orderState,
      fundsFrozen: orderState < 4,
      ...(shipping ? { shipping: { ...shipping, parcels: shipping.parcels.map((parcel) => ({ ...parcel })) } } : {}),
      history: history.map((entry) => ({ ...entry })),
    };
  }

  private moveTo(record: ShippingRecord, state: SimShippingOrderState, at: number): void {
    if (record.orderState !== state) record.history.push({ state, at });
    record.orderState = state;
  }

  private byTransaction(transactionId: string): OrderRecord | undefined {
    for (const mchId of this.pay.merchants.keys()) {
      const order = this.pay.orderByTransaction(mchId, transactionId);
      if (order) return order;
    }
    return undefined;
  }

  /** A paid order a control call names by `transactionId`, or `outTradeNo` (and `mchId`). */
  private lookup(raw: Record<string, unknown>): OrderRecord | undefined {
    let order: OrderRecord | undefined;
    if (typeof raw.transactionId === 'string') order = this.byTransaction(raw.transactionId);
    else if (typeof raw.outTradeNo === 'string') order = this.pay.order(this.pay.resolveMerchant(raw.mchId).mchId, raw.outTradeNo);
    else throw new SimulatorInputError('give transactionId or outTradeNo (a string)');
    return order && isPaid(order) ? order : undefined;
  }

  private controlOrder(raw: Record<string, unknown>): OrderRecord {
    const order = this.lookup(raw);
    if (!order) throw new SimulatorInputError('unknown or unpaid order', 404);
    return order;
  }

  /** Pushes one of WeChat's order-shipping events to the app, when it has a push configured. */
  private async pushEvent(appId: string, fields: Record<string, unknown>): Promise<SimPush | undefined> {
    if (!this.push.settings().some((settings) => settings.appId === appId)) return undefined;
    const [push] = await this.push.push({ appId, message: { FromUserName: SYSTEM_SENDER, MsgType: 'event', ...fields } });
    return push;
  }
}

/** Whether the pay simulator's order was paid (and WeChat's shipping service knows it). @internal */
export function isPaid(order: OrderRecord): boolean {
  return (
    (order.tradeState === 'SUCCESS' || order.tradeState === 'REFUND') && order.transactionId !== undefined && order.paidAt !== undefined
  );
}

/** Epoch seconds of epoch ms. */
function seconds(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/** The order fields every `trade_manage_*` push about an order carries. */
function orderFields(order: OrderRecord): Record<string, unknown> {
  return {
    transaction_id: order.transactionId,
    merchant_id: order.mchId,
    sub_merchant_id: '',
    merchant_trade_no: order.outTradeNo,
    pay_time: seconds(order.paidAt),
  };
}
