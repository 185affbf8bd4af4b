import { Inject, Injectable } from '@nestjs/common';
import { jsapiPaySign, PaySignType } from '../../crypto/pay-sign.crypto';
import { createNonceStr } from '../../crypto/random.util';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { WeChatPayInputError } from '../../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions } from '../../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { parseBill } from '../bill.parser';
import { int, parseBeijingDateTime, parseBeijingTime, PayInput } from '../pay-input.util';
import type {
  BatchQueryCommentRequest,
  BatchQueryCommentResult,
  BillResult,
  DownloadBillRequest,
  DownloadFundFlowRequest,
  JsapiPaymentParams,
  OrderKey,
  OrderQueryResult,
  RefundQueryItem,
  RefundQueryRequest,
  RefundQueryResult,
  RefundRequest,
  RefundResult,
  ReportRequest,
  UnifiedOrderRequest,
  UnifiedOrderResult,
  WithRaw,
} from '../wechat-pay.interfaces';
import { PayV2Params, PayV2RequestOptions, WeChatPayV2Client } from './wechat-pay-v2.client';
import { payOptionsFor } from '../pay-options.util';

/**
 * WeChat Pay API v2, low level: every API of the original library's list, its input checked before anything is sent
 * (a `WeChatPayInputError` names each problem), its answer typed, with `raw` (the verified fields). `request` and
 * `download` call any other v2 API with the same signing, verification, retries and errors. Reached as
 * `WeChatPayService.v2`; the `WeChatPayService` methods of the same names call these.
 * @publicApi
 */
@Injectable()
export class WeChatPayV2Api {
  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly client: WeChatPayV2Client,
  ) {}

  /** Signs and sends any v2 API call and answers its verified fields: see {@link WeChatPayV2Client.request}. */
  request(path: string, params: PayV2Params, options?: PayV2RequestOptions): Promise<Record<string, string>> {
    return this.client.request(path, params, options);
  }

  /** Like `request`, for the APIs that answer a file: see {@link WeChatPayV2Client.download}. */
  download(path: string, params: PayV2Params, options?: PayV2RequestOptions & { gzip?: boolean }): Promise<string> {
    return this.client.download(path, params, options);
  }

  /** `pay/unifiedorder` for a JSAPI (mini program) payment. */
  async unifiedOrder(req: UnifiedOrderRequest): Promise<UnifiedOrderResult> {
    const pay = this.pay('unifiedOrder');
    const input = new PayInput('unifiedOrder');
    const params = {
      body: input.text('body', req.body, 127),
      out_trade_no: input.outTradeNo('outTradeNo', req.outTradeNo),
      total_fee: input.fen('totalFee', req.totalFee),
      openid: input.text('openId', req.openId, 128),
      spbill_create_ip: input.text('spbillCreateIp', req.spbillCreateIp ?? '127.0.0.1', 64),
      notify_url: input.text('notifyUrl', req.notifyUrl ?? pay.notifyUrl, 256),
      trade_type: 'JSAPI',
      attach: input.text('attach', req.attach, 127, false),
      detail: input.text('detail', req.detail, 6000, false, true),
      time_start: input.time('timeStart', req.timeStart),
      time_expire: input.time('timeExpire', req.timeExpire),
      goods_tag: input.text('goodsTag', req.goodsTag, 32, false),
      limit_pay: input.text('limitPay', req.limitPay, 32, false),
      fee_type: input.text('feeType', req.feeType, 16, false),
      device_info: input.text('deviceInfo', req.deviceInfo, 32, false),
      profit_sharing: req.profitSharing === undefined ? undefined : req.profitSharing ? 'Y' : 'N',
    };
    input.done();
    const raw = await this.client.request('/pay/unifiedorder', params, { api: 'unifiedOrder', signType: req.signType });
    if (!raw.prepay_id) throw new WeChatUnavailableError('unifiedOrder', 'invalid-response', 'prepay_id missing');
    return { prepayId: raw.prepay_id, tradeType: raw.trade_type ?? 'JSAPI', raw };
  }

  /** `pay/orderquery` by transaction id (preferred) or out_trade_no. */
  async orderQuery(key: OrderKey): Promise<OrderQueryResult> {
    const raw = await this.client.request('/pay/orderquery', orderKeyFields('orderQuery', key), { api: 'orderQuery' });
    return {
      tradeState: (raw.trade_state ?? 'NOTPAY') as OrderQueryResult['tradeState'],
      tradeStateDesc: raw.trade_state_desc,
      outTradeNo: raw.out_trade_no ?? key.outTradeNo ?? '',
      transactionId: raw.transaction_id || undefined,
      openId: raw.openid,
      tradeType: raw.trade_type,
      bankType: raw.bank_type,
      totalFee: int(raw.total_fee),
      cashFee: int(raw.cash_fee),
      attach: raw.attach,
      timeEnd: parseBeijingTime(raw.time_end),
      raw,
    };
  }

  /** `pay/closeorder`. WeChat answers `ORDERPAID` (a `WeChatPayError`) when the order was paid meanwhile. */
  async closeOrder(outTradeNo: string): Promise<WithRaw> {
    const input = new PayInput('closeOrder');
    const params = { out_trade_no: input.outTradeNo('outTradeNo', outTradeNo) };
    input.done();
    return { raw: await this.client.request('/pay/closeorder', params, { api: 'closeOrder' }) };
  }

  /**
   * `secapi/pay/refund` with the client certificate, checked and sent; nothing is stored (`WeChatPayService.refund` and
   * `refundOrder` keep the `PayRefund`). An accepted refund is not yet settled: the refund notification or
   * `refundQuery` tells the outcome. Retrying with the same `outRefundNo` never refunds twice.
   */
  async refund(req: RefundRequest): Promise<RefundResult> {
    return this.sendRefund(this.refundParams(req), req);
  }

  /** The checked fields of a refund request. @throws WeChatPayInputError @internal */
  refundParams(req: RefundRequest): PayV2Params {
    const pay = this.pay('refund');
    const input = new PayInput('refund');
    const params = {
      ...refundFields(input, req),
      notify_url: input.text('notifyUrl', req.notifyUrl ?? pay.refundNotifyUrl, 256, false),
      refund_account: input.text('refundAccount', req.refundAccount, 64, false),
    };
    input.done();
    if (!pay.clientCert)
      throw new WeChatPayInputError('refund', ['this API needs the merchant API client certificate: set pay.clientCert']);
    return params;
  }

  /** Sends checked refund fields (`refundParams`). @internal */
  async sendRefund(params: PayV2Params, req: RefundRequest): Promise<RefundResult> {
    const raw = await this.client.request('/secapi/pay/refund', params, { api: 'refund', cert: true, signType: req.signType });
    return {
      refundId: raw.refund_id ?? '',
      outRefundNo: raw.out_refund_no ?? req.outRefundNo,
      transactionId: raw.transaction_id ?? '',
      outTradeNo: raw.out_trade_no ?? '',
      refundFee: int(raw.refund_fee) ?? req.refundFee,
      totalFee: int(raw.total_fee) ?? req.totalFee,
      cashFee: int(raw.cash_fee),
      raw,
    };
  }

  /** `pay/refundquery`; the indexed `_$n` fields become `refunds`. */
  async refundQuery(req: RefundQueryRequest): Promise<RefundQueryResult> {
    const r = req as Partial<Record<'refundId' | 'outRefundNo' | 'transactionId' | 'outTradeNo', string>> & { offset?: number };
    const input = new PayInput('refundQuery');
    const keys = [r.refundId, r.outRefundNo, r.transactionId, r.outTradeNo].filter((k) => k !== undefined);
    input.check(keys.length === 1, 'give exactly one of refundId, outRefundNo, transactionId, outTradeNo');
    input.check(
      keys.every((k) => typeof k === 'string' && k.length > 0 && k.length <= 64),
      'the refund key must be a non-empty string',
    );
    input.check(r.offset === undefined || (Number.isSafeInteger(r.offset) && r.offset >= 0), 'offset must be a non-negative integer');
    input.done();
    const raw = await this.client.request(
      '/pay/refundquery',
      {
        refund_id: r.refundId,
        out_refund_no: r.outRefundNo,
        transaction_id: r.transactionId,
        out_trade_no: r.outTradeNo,
        offset: r.offset,
      },
      { api: 'refundQuery' },
    );
    const count = int(raw.refund_count) ?? 0;
    const refunds: RefundQueryItem[] = [];
    for (let n = 0; n < count; n++) {
      refunds.push({
        outRefundNo: raw[`out_refund_no_${n}`] ?? '',
        refundId: raw[`refund_id_${n}`] ?? '',
        refundChannel: raw[`refund_channel_${n}`],
        refundFee: int(raw[`refund_fee_${n}`]) ?? 0,
        settlementRefundFee: int(raw[`settlement_refund_fee_${n}`]),
        refundStatus: (raw[`refund_status_${n}`] ?? 'PROCESSING') as RefundQueryItem['refundStatus'],
        refundAccount: raw[`refund_account_${n}`],
        refundRecvAccout: raw[`refund_recv_accout_${n}`],
        refundSuccessTime: parseBeijingDateTime(raw[`refund_success_time_${n}`]),
      });
    }
    return {
      transactionId: raw.transaction_id ?? '',
      outTradeNo: raw.out_trade_no ?? '',
      totalFee: int(raw.total_fee) ?? 0,
      cashFee: int(raw.cash_fee),
      totalRefundCount: int(raw.total_refund_count),
      refundCount: count,
      refunds,
      raw,
    };
  }

  /** `pay/downloadbill`: the trade bill of a day, parsed. */
  async downloadBill(req: DownloadBillRequest): Promise<BillResult> {
    const input = new PayInput('downloadBill');
    const params = {
      bill_date: input.date('billDate', req.billDate),
      bill_type: input.oneOf('billType', req.billType ?? 'ALL', ['ALL', 'SUCCESS', 'REFUND', 'RECHARGE_REFUND'] as const),
      tar_type: req.gzip ? 'GZIP' : undefined,
    };
    input.done();
    return parseBill(await this.client.download('/pay/downloadbill', params, { api: 'downloadBill', gzip: !!req.gzip }));
  }

  /** `pay/downloadfundflow` (client certificate, HMAC-SHA256): the fund flow of a day, parsed. */
  async downloadFundFlow(req: DownloadFundFlowRequest): Promise<BillResult> {
    const input = new PayInput('downloadFundFlow');
    const params = {
      bill_date: input.date('billDate', req.billDate),
      account_type: input.oneOf('accountType', req.accountType, ['Basic', 'Operation', 'Fees'] as const),
      tar_type: req.gzip ? 'GZIP' : undefined,
    };
    input.done();
    const text = await this.client.download('/pay/downloadfundflow', params, {
      api: 'downloadFundFlow',
      gzip: !!req.gzip,
      cert: true,
      signType: 'HMAC-SHA256',
    });
    return parseBill(text);
  }

  /** `payitil/report` (transaction-assurance report). */
  async report(req: ReportRequest): Promise<WithRaw> {
    const input = new PayInput('report');
    const params = {
      interface_url: input.text('interfaceUrl', req.interfaceUrl, 127),
      execute_time_: Number.isSafeInteger(req.executeTimeMs) && req.executeTimeMs >= 0 ? req.executeTimeMs : undefined,
      return_code: input.oneOf('returnCode', req.returnCode, ['SUCCESS', 'FAIL'] as const),
      result_code: input.oneOf('resultCode', req.resultCode, ['SUCCESS', 'FAIL'] as const),
      user_ip: input.text('userIp', req.userIp, 16),
      return_msg: input.text('returnMsg', req.returnMsg, 128, false),
      err_code: input.text('errCode', req.errCode, 32, false),
      err_code_des: input.text('errCodeDes', req.errCodeDes, 128, false),
      out_trade_no: req.outTradeNo === undefined ? undefined : input.outTradeNo('outTradeNo', req.outTradeNo),
      device_info: input.text('deviceInfo', req.deviceInfo, 32, false),
      time: input.time('time', req.time),
    };
    input.check(params.execute_time_ !== undefined, 'executeTimeMs must be a non-negative integer');
    input.done();
    return { raw: await this.client.request('/payitil/report', params, { api: 'report', verifyAnswer: false }) };
  }

  /** `billcommentsp/batchquerycomment` (client certificate, HMAC-SHA256): users' comments on orders. */
  async batchQueryComment(req: BatchQueryCommentRequest): Promise<BatchQueryCommentResult> {
    const input = new PayInput('batchQueryComment');
    const params = {
      begin_time: input.time('beginTime', req.beginTime),
      end_time: input.time('endTime', req.endTime),
      offset: String(req.offset ?? 0),
      limit: req.limit ?? 200,
    };
    input.check(/^\d+$/.test(params.offset), 'offset must be a non-negative integer');
    input.check(Number.isSafeInteger(params.limit) && params.limit >= 1 && params.limit <= 200, 'limit must be an integer from 1 to 200');
    input.done();
    const text = await this.client.download('/billcommentsp/batchquerycomment', params, {
      api: 'batchQueryComment',
      gzip: false,
      cert: true,
      signType: 'HMAC-SHA256',
    });
    const [offset = params.offset, ...lines] = text.split(/\r?\n/).filter((line) => line.trim() !== '');
    const comments = lines.map((line) => {
      const [time, transactionId, score, ...comment] = line.split(',');
      return {
        time: (time ?? '').replace(/^`/, ''),
        transactionId: (transactionId ?? '').replace(/^`/, ''),
        score: Number(score?.replace(/^`/, '')),
        comment: comment.join(',').replace(/^`/, ''),
      };
    });
    return { offset: offset.trim(), comments };
  }

  /**
   * The object `wx.requestPayment` takes for a prepay_id: `timeStamp` in whole seconds (as a
   * string), a fresh `nonceStr`, `package=prepay_id=…`, and `paySign` over exactly those fields.
   */
  jsapiParams(prepayId: string, signType?: PaySignType): JsapiPaymentParams {
    const pay = this.pay('jsapiParams');
    const input = new PayInput('jsapiParams');
    input.text('prepayId', prepayId, 64);
    input.done();
    const params = {
      appId: this.options.appId,
      timeStamp: String(Math.floor(Date.now() / 1000)),
      nonceStr: createNonceStr(32),
      package: `prepay_id=${prepayId}`,
      signType: signType ?? pay.signType,
    };
    return { ...params, paySign: jsapiPaySign(params, this.client.configured('jsapiParams').apiKey) };
  }

  private pay(api: string): ResolvedPayOptions {
    return payOptionsFor(this.options, api);
  }
}

/** The order key of a v2 request (exactly one of transactionId and outTradeNo), checked. @internal */
export function orderKeyFields(api: string, key: Partial<OrderKey>, shared?: PayInput): { transaction_id?: string; out_trade_no?: string } {
  const input = shared ?? new PayInput(api);
  const { transactionId, outTradeNo } = (key ?? {}) as { transactionId?: string; outTradeNo?: string };
  input.check((transactionId === undefined) !== (outTradeNo === undefined), 'give exactly one of transactionId and outTradeNo');
  if (transactionId !== undefined) input.text('transactionId', transactionId, 32);
  if (outTradeNo !== undefined) input.outTradeNo('outTradeNo', outTradeNo);
  if (!shared) input.done();
  return { transaction_id: transactionId, out_trade_no: outTradeNo };
}

/**
 * The checks every refund passes before a `PayRefund` is recorded (v2 `refund` and `refundOrder` through v3 alike):
 * the order key, `outRefundNo`, positive integer amounts, `refundFee` at most `totalFee`, `refundDesc` of at most 80
 * characters. Problems go to `input`; its caller throws them.
 * @internal
 */
export function refundFields(input: PayInput, req: RefundRequest) {
  const fields = {
    ...orderKeyFields('refund', req, input),
    out_refund_no: input.outRefundNo(req.outRefundNo),
    total_fee: input.fen('totalFee', req.totalFee),
    refund_fee: input.fen('refundFee', req.refundFee),
    refund_desc: input.text('refundDesc', req.refundDesc, 80, false),
  };
  input.check(!(req.refundFee > req.totalFee), 'refundFee must not exceed totalFee');
  return fields;
}
