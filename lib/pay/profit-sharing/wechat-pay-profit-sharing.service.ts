import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PayOrder } from '../../entities/pay-order.entity';
import { PayProfitShare } from '../../entities/pay-profit-share.entity';
import type { PayProfitSharingReceiverType } from '../../entities/pay-profit-share.entity';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { PayOrderStateError, WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayV3Options } from '../../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { payOptionsFor } from '../pay-options.util';
import { WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import {
  checkAddReceiver,
  checkDeleteReceiver,
  checkReturn,
  checkShareNo,
  checkSplit,
  normaliseReturn,
  normaliseSplit,
  returnBody,
  splitBody,
  splitDigest,
} from './profit-sharing-input';
import { PayProfitSharingLedger, splitMismatch } from './profit-sharing-ledger';
import { PayProfitSharingReservations } from './profit-sharing-reservations';
import type {
  AddProfitSharingReceiverRequest,
  ProfitSharingAmounts,
  ProfitSharingOrder,
  ProfitSharingReceiverResult,
  ProfitSharingReturn,
  ProfitSharingReturnRequest,
  ProfitSharingUnfreezeRequest,
  RequestProfitSharingRequest,
} from './profit-sharing.interfaces';

const BASE = '/v3/profitsharing';
/** WeChat's default for ordinary merchants: at most 30% of a payment can be split. */
export const DEFAULT_PROFIT_SHARING_MAX_RATIO = 0.3;

/**
 * Profit sharing (分账) of WeChat Pay API v3 for an ordinary merchant: receivers, splits of paid orders (made with
 * `profitSharing: true`), their returns (回退), unfreezing the rest and the amount left. Each split is a
 * `PayProfitShare` row reserved first: the sum of an order's splits never passes `pay.profitSharingMaxRatio` of the
 * payment (30% by default) whatever runs concurrently, a refused split releases its reservation, and a retried
 * `outOrderNo` never splits twice. `FINISHED` is applied exactly once (notification or `syncSplit`) with the
 * `@OnPayProfitSharingSettled()` handlers in the transaction.
 * @publicApi
 */
@Injectable()
export class WeChatPayProfitSharingService {
  private readonly reservations: PayProfitSharingReservations;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly v3: WeChatPayV3Api,
    private readonly ledger: PayProfitSharingLedger,
    @InjectRepository(PayOrder) private readonly orders: Repository<PayOrder>,
    @InjectRepository(PayProfitShare) private readonly shares: Repository<PayProfitShare>,
  ) {
    this.reservations = new PayProfitSharingReservations(orders, shares);
  }

  /** `POST /v3/profitsharing/receivers/add`: `name` is sent encrypted, with its `Wechatpay-Serial`. */
  async addReceiver(request: AddProfitSharingReceiverRequest): Promise<ProfitSharingReceiverResult> {
    const api = 'addProfitSharingReceiver';
    this.config(api);
    const req = checkAddReceiver(api, request);
    const body: Record<string, unknown> = {
      appid: this.options.appId,
      type: req.type,
      account: req.account,
      relation_type: req.relationType,
      ...(req.customRelation !== undefined ? { custom_relation: req.customRelation } : {}),
    };
    let wechatpaySerial: string | undefined;
    if (req.name !== undefined) {
      const encrypted = await this.v3.encryptSensitive(req.name);
      body.name = encrypted.ciphertext;
      wechatpaySerial = encrypted.serial;
    }
    const { data } = await this.v3.request('POST', `${BASE}/receivers/add`, body, wechatpaySerial ? { wechatpaySerial } : {});
    return receiverResult(data, req.type, req.account);
  }

  /** `POST /v3/profitsharing/receivers/delete`. */
  async deleteReceiver(request: { type: PayProfitSharingReceiverType; account: string }): Promise<ProfitSharingReceiverResult> {
    const api = 'deleteProfitSharingReceiver';
    this.config(api);
    const req = checkDeleteReceiver(api, request);
    const body = { appid: this.options.appId, type: req.type, account: req.account };
    const { data } = await this.v3.request('POST', `${BASE}/receivers/delete`, body);
    return receiverResult(data, req.type, req.account);
  }

  /**
   * `POST /v3/profitsharing/orders` (请求分账): reserves the `PayProfitShare` (atomically against the order's limit),
   * asks WeChat and records its answer. A retry with the same `outOrderNo` and content gets the same row and never
   * splits twice (WeChat treats the number as idempotent too).
   * @throws WeChatPayInputError for invalid input, or an `outOrderNo` already used for another split.
   * @throws PayProfitSharingLimitError when the order has not that much left to split (nothing is reserved).
   * @throws PayOrderStateError when the order is not paid.
   * @throws WeChatPayError when WeChat refuses (e.g. `NOT_ENOUGH`, `ORDER_NOT_READY`): the reservation is released.
   */
  async requestSplit(request: RequestProfitSharingRequest): Promise<PayProfitShare> {
    const api = 'requestSplit';
    const v3 = this.config(api);
    const { req, amount } = checkSplit(api, request);
    const order = await this.order(api, req.order);
    const share = await this.reservations.reserve(order, {
      req,
      amount,
      digest: splitDigest(v3.apiV3Key, order.id, req),
      maxRatio: this.maxRatio(),
    });
    if (share.state === 'FINISHED') return share;
    const body = splitBody(this.options.appId, share.transactionId, req);
    let wechatpaySerial: string | undefined;
    const receivers = body.receivers as Array<Record<string, unknown>>;
    for (const [i, r] of req.receivers.entries()) {
      if (r.name === undefined) continue;
      const encrypted = await this.v3.encryptSensitive(r.name);
      receivers[i].name = encrypted.ciphertext;
      wechatpaySerial = encrypted.serial;
    }
    let data: Record<string, unknown>;
    try {
      ({ data } = await this.v3.request('POST', `${BASE}/orders`, body, wechatpaySerial ? { wechatpaySerial } : {}));
    } catch (error) {
      // A refusal (4xx, not SYSTEM_ERROR): WeChat made no split, so the amount is free again. Any other failure keeps
      // the row: WeChat may have accepted it, and a retry with the same outOrderNo asks again.
      if (isRefusal(error)) await this.reservations.release(share);
      throw error;
    }
    return this.applied(api, share, normaliseSplit(data), 'query');
  }

  /** `GET /v3/profitsharing/orders/{out_order_no}?transaction_id=`: the split at WeChat (of a stored split by default). */
  async querySplit(outOrderNo: string, transactionId?: string): Promise<ProfitSharingOrder> {
    const api = 'querySplit';
    this.config(api);
    checkShareNo(api, 'outOrderNo', outOrderNo);
    const txn = transactionId ?? (await this.shares.findOneBy({ outOrderNo }))?.transactionId;
    if (typeof txn !== 'string' || !/^[0-9A-Za-z]{1,32}$/.test(txn)) {
      throw new WeChatPayInputError(api, ['transactionId must be given for a split that is not stored']);
    }
    const { data } = await this.v3.request('GET', `${BASE}/orders/${outOrderNo}?transaction_id=${txn}`);
    const split = normaliseSplit(data);
    if (split.outOrderNo !== outOrderNo) throw new WeChatUnavailableError(api, 'invalid-response', 'out_order_no differs');
    return split;
  }

  /** Asks WeChat for a stored split and applies it through the exactly-once step (a lost notification is recovered). */
  async syncSplit(outOrderNo: string): Promise<PayProfitShare> {
    const api = 'syncSplit';
    this.config(api);
    const share = await this.stored(api, outOrderNo);
    if (share.state === 'FINISHED') return share;
    return this.applied(api, share, await this.querySplit(share.outOrderNo, share.transactionId), 'query');
  }

  /** `POST /v3/profitsharing/return-orders` (请求分账回退). */
  async returnSplit(request: ProfitSharingReturnRequest): Promise<ProfitSharingReturn> {
    const api = 'returnSplit';
    this.config(api);
    const req = checkReturn(api, request);
    const { data } = await this.v3.request('POST', `${BASE}/return-orders`, returnBody(req));
    return this.returned(api, data, req.outReturnNo);
  }

  /** `GET /v3/profitsharing/return-orders/{out_return_no}?out_order_no=`. */
  async queryReturn(outReturnNo: string, outOrderNo: string): Promise<ProfitSharingReturn> {
    const api = 'queryReturn';
    this.config(api);
    checkShareNo(api, 'outReturnNo', outReturnNo);
    checkShareNo(api, 'outOrderNo', outOrderNo);
    const { data } = await this.v3.request('GET', `${BASE}/return-orders/${outReturnNo}?out_order_no=${outOrderNo}`);
    return this.returned(api, data, outReturnNo);
  }

  /** `POST /v3/profitsharing/orders/unfreeze` (解冻剩余资金): what is left of the order goes to the merchant. */
  async unfreeze(request: ProfitSharingUnfreezeRequest): Promise<ProfitSharingOrder> {
    const api = 'unfreezeProfitSharing';
    this.config(api);
    const req = (request ?? {}) as Partial<ProfitSharingUnfreezeRequest>;
    checkShareNo(api, 'outOrderNo', req.outOrderNo);
    const description = req.description;
    if (typeof description !== 'string' || description.length === 0 || [...description].length > 80) {
      throw new WeChatPayInputError(api, ['description must be a non-empty string of at most 80 characters']);
    }
    const order = await this.order(api, req.order as PayOrder | number);
    if (!order.paid || !order.transactionId)
      throw new PayOrderStateError(`order ${order.outTradeNo} is not paid`, order.outTradeNo, order.status);
    const body = { transaction_id: order.transactionId, out_order_no: req.outOrderNo, description };
    const { data } = await this.v3.request('POST', `${BASE}/orders/unfreeze`, body);
    return normaliseSplit(data);
  }

  /** `GET /v3/profitsharing/transactions/{transaction_id}/amounts`: what is left to split of a paid order. */
  async remainingAmount(orderOrId: PayOrder | number): Promise<ProfitSharingAmounts> {
    const api = 'profitSharingAmounts';
    this.config(api);
    const order = await this.order(api, orderOrId);
    if (!order.transactionId) throw new PayOrderStateError(`order ${order.outTradeNo} is not paid`, order.outTradeNo, order.status);
    const { data } = await this.v3.request('GET', `${BASE}/transactions/${order.transactionId}/amounts`);
    const unsplit = data.unsplit_amount;
    if (typeof unsplit !== 'number' || !Number.isSafeInteger(unsplit) || unsplit < 0) {
      throw new WeChatUnavailableError(api, 'invalid-response', 'unsplit_amount missing');
    }
    return { transactionId: order.transactionId, unsplitAmount: unsplit, raw: data };
  }

  // ---------------------------------------------------------------- plumbing

  private config(api: string): ResolvedPayV3Options {
    const pay = payOptionsFor(this.options, api);
    if (!pay.v3) throw new WeChatPayInputError(api, ['profit sharing needs WeChat Pay API v3: set pay.v3']);
    return pay.v3;
  }

  private maxRatio(): number {
    return this.options.pay?.profitSharingMaxRatio ?? DEFAULT_PROFIT_SHARING_MAX_RATIO;
  }

  private async order(api: string, orderOrId: PayOrder | number): Promise<PayOrder> {
    const id = typeof orderOrId === 'number' ? orderOrId : orderOrId?.id;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
      throw new WeChatPayInputError(api, ['order must be a PayOrder or its id']);
    const order = await this.orders.findOneBy({ id });
    if (!order) throw new WeChatPayInputError(api, [`no PayOrder with id ${id}`]);
    return order;
  }

  private async stored(api: string, outOrderNo: string): Promise<PayProfitShare> {
    checkShareNo(api, 'outOrderNo', outOrderNo);
    const share = await this.shares.findOneBy({ outOrderNo });
    if (!share) throw new WeChatPayInputError(api, [`no PayProfitShare with outOrderNo ${outOrderNo}`]);
    return share;
  }

  private async applied(api: string, share: PayProfitShare, split: ProfitSharingOrder, source: 'query'): Promise<PayProfitShare> {
    const mismatch = splitMismatch(share, split);
    if (mismatch) throw new WeChatUnavailableError(api, 'invalid-response', mismatch);
    return (await this.ledger.apply(share, split, source)).share;
  }

  private returned(api: string, data: Record<string, unknown>, outReturnNo: string): ProfitSharingReturn {
    const result = normaliseReturn(data);
    if (result.outReturnNo !== outReturnNo) throw new WeChatUnavailableError(api, 'invalid-response', 'out_return_no differs');
    return result;
  }
}

/** Whether WeChat definitely refused a request (a 4xx answer that is not a system error). */
function isRefusal(error: unknown): boolean {
  const status = error instanceof WeChatPayError ? error.httpStatus : undefined;
  return status !== undefined && status >= 400 && status < 500 && error instanceof WeChatPayError && error.errCode !== 'SYSTEM_ERROR';
}

function receiverResult(data: Record<string, unknown>, type: PayProfitSharingReceiverType, account: string): ProfitSharingReceiverResult {
  return {
    type: data.type === 'MERCHANT_ID' || data.type === 'PERSONAL_OPENID' ? data.type : type,
    account: typeof data.account === 'string' ? data.account : account,
    ...(typeof data.relation_type === 'string' ? { relationType: data.relation_type as ProfitSharingReceiverResult['relationType'] } : {}),
    ...(typeof data.custom_relation === 'string' ? { customRelation: data.custom_relation } : {}),
    raw: data,
  };
}
