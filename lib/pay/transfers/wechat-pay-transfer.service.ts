import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { PayTransfer } from '../../entities/pay-transfer.entity';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { PayOrderStateError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import type { ResolvedMiniProgramOptions, ResolvedPayOptions, ResolvedPayV3Options } from '../../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { isUniqueViolation } from '../../utils/unique-violation.util';
import { payOptionsFor } from '../pay-options.util';
import { WeChatPayV3Api } from '../v3/wechat-pay-v3.api';
import { PayTransferLedger } from './pay-transfer-ledger';
import type { CreateTransferRequest, CreateTransferResult, TransferBill, TransferBillKey } from './pay-transfer.interfaces';
import {
  billMismatch,
  checkCreateTransfer,
  isFinalTransferState,
  normaliseTransferBill,
  OUT_BILL_NO,
  queryPath,
  transferBody,
  transferDigest,
} from './transfer-bill';

const BILLS = '/v3/fund-app/mch-transfer/transfer-bills';

/**
 * Merchant transfers to a user's WeChat balance (商家转账, the user-confirmation mode of 2025) through WeChat Pay API v3,
 * with a `PayTransfer` row per bill. A create reserves the row first under its unique `outBillNo`, so a retried create —
 * from any instance — never pays twice: the same content gets the same bill back, other content a
 * `WeChatPayInputError`. The final state (`SUCCESS`, `FAIL`, `CANCELLED`) comes from the `MCHTRANSFER.BILL.FINISHED`
 * notification or from `syncTransfer`, exactly once, with the `@OnPayTransferSucceeded()` / `@OnPayTransferFailed()`
 * handlers in the same transaction.
 * @publicApi
 */
@Injectable()
export class WeChatPayTransferService {
  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly v3: WeChatPayV3Api,
    private readonly ledger: PayTransferLedger,
    @InjectRepository(PayTransfer) private readonly transfers: Repository<PayTransfer>,
  ) {}

  /**
   * `POST /v3/fund-app/mch-transfer/transfer-bills` (发起转账): reserves the `PayTransfer`, asks WeChat, records its
   * answer and gives the `wx.requestMerchantTransfer` parameters while the bill waits for the user. `userName` is
   * encrypted with the WeChat Pay public key (or platform certificate) and sent with its `Wechatpay-Serial`.
   * @throws WeChatPayInputError for invalid input, or an `outBillNo` already used for another transfer.
   * @throws WeChatPayError when WeChat refuses (e.g. `NOT_ENOUGH`); the reservation stays, and a retry with the same
   *   content asks again.
   */
  async createTransfer(request: CreateTransferRequest): Promise<CreateTransferResult> {
    const api = 'createTransfer';
    const { pay, v3 } = this.config(api);
    const req = checkCreateTransfer(api, request);
    const transfer = await this.reserve(req, transferDigest(v3.apiV3Key, req));
    if (isFinalTransferState(transfer.state)) return { transfer };
    const body = transferBody(this.options.appId, req, req.notifyUrl ?? v3.notifyUrl);
    let wechatpaySerial: string | undefined;
    if (req.userName !== undefined) {
      const encrypted = await this.v3.encryptSensitive(req.userName);
      body.user_name = encrypted.ciphertext;
      wechatpaySerial = encrypted.serial;
    }
    const { data } = await this.v3.request('POST', BILLS, body, wechatpaySerial ? { wechatpaySerial } : {});
    const bill = normaliseTransferBill(data);
    this.check(api, transfer, bill);
    const { transfer: applied } = await this.ledger.apply(transfer, bill, 'query');
    if (!bill.packageInfo || bill.state !== 'WAIT_USER_CONFIRM') return { transfer: applied };
    return {
      transfer: applied,
      packageInfo: bill.packageInfo,
      requestMerchantTransfer: { mchId: pay.mchId, appId: this.options.appId, package: bill.packageInfo, openId: applied.openId },
    };
  }

  /** `GET …/transfer-bills/out-bill-no/{out_bill_no}` or `…/transfer-bill-no/{transfer_bill_no}`: the bill at WeChat. */
  async queryTransfer(key: TransferBillKey): Promise<TransferBill> {
    const api = 'queryTransfer';
    this.config(api);
    const path = queryPath(api, key);
    const { data } = await this.v3.request('GET', path);
    const bill = normaliseTransferBill(data);
    if (!bill.outBillNo || !bill.transferBillNo)
      throw new WeChatUnavailableError(api, 'invalid-response', 'out_bill_no or transfer_bill_no missing');
    return bill;
  }

  /**
   * `POST …/transfer-bills/out-bill-no/{out_bill_no}/cancel` (撤销转账) of a stored transfer that is not final; WeChat
   * answers `CANCELING` or `CANCELLED`, which is applied (`CANCELLED` through the exactly-once step, with the failed
   * handlers).
   * @throws PayOrderStateError when the transfer is final already.
   */
  async cancelTransfer(transferOrOutBillNo: PayTransfer | string): Promise<PayTransfer> {
    const api = 'cancelTransfer';
    this.config(api);
    const transfer = await this.stored(api, transferOrOutBillNo);
    if (isFinalTransferState(transfer.state)) {
      throw new PayOrderStateError(`transfer ${transfer.outBillNo} is ${transfer.state} already`, transfer.outBillNo, transfer.state);
    }
    const { data } = await this.v3.request('POST', `${BILLS}/out-bill-no/${transfer.outBillNo}/cancel`);
    const bill = normaliseTransferBill(data);
    this.check(api, transfer, bill);
    return (await this.ledger.apply(transfer, bill, 'query')).transfer;
  }

  /**
   * Asks WeChat for a stored transfer's bill and applies its state through the same exactly-once step as the
   * notification: a lost notification is recovered with the handlers run once in total. What a reconciler calls.
   */
  async syncTransfer(transferOrOutBillNo: PayTransfer | string): Promise<PayTransfer> {
    const api = 'syncTransfer';
    this.config(api);
    const transfer = await this.stored(api, transferOrOutBillNo);
    if (isFinalTransferState(transfer.state)) return transfer;
    const bill = await this.queryTransfer({ outBillNo: transfer.outBillNo });
    this.check(api, transfer, bill);
    return (await this.ledger.apply(transfer, bill, 'query')).transfer;
  }

  // ---------------------------------------------------------------- plumbing

  private config(api: string): { pay: ResolvedPayOptions; v3: ResolvedPayV3Options } {
    const pay = payOptionsFor(this.options, api);
    if (!pay.v3) throw new WeChatPayInputError(api, ['merchant transfers need WeChat Pay API v3: set pay.v3']);
    return { pay, v3: pay.v3 };
  }

  /**
   * The transfer's row, inserted unless its `outBillNo` exists: the insert is what makes one create of many win, on
   * any instance. An existing row must have been asked with the same content.
   */
  private async reserve(req: CreateTransferRequest, digest: string): Promise<PayTransfer> {
    let existing: PayTransfer | null = await this.transfers.findOneBy({ outBillNo: req.outBillNo });
    if (!existing) {
      try {
        return await this.transfers.save(
          this.transfers.create({
            outBillNo: req.outBillNo,
            openId: req.openId,
            transferAmount: req.amount,
            transferSceneId: req.transferSceneId,
            transferRemark: req.remark,
            state: 'ACCEPTED',
            requestDigest: digest,
            transferBillNo: null,
            failReason: null,
            finishedAt: null,
          }),
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        existing = await this.transfers.findOneByOrFail({ outBillNo: req.outBillNo });
      }
    }
    if (existing.requestDigest !== digest) {
      throw new WeChatPayInputError('createTransfer', [`outBillNo ${req.outBillNo} was used for another transfer`]);
    }
    return existing;
  }

  private async stored(api: string, transferOrOutBillNo: PayTransfer | string): Promise<PayTransfer> {
    const outBillNo = typeof transferOrOutBillNo === 'string' ? transferOrOutBillNo : transferOrOutBillNo?.outBillNo;
    if (typeof outBillNo !== 'string' || !OUT_BILL_NO.test(outBillNo)) {
      throw new WeChatPayInputError(api, ['outBillNo must be 1–32 letters or digits']);
    }
    const transfer = await this.transfers.findOneBy({ outBillNo });
    if (!transfer) throw new WeChatPayInputError(api, [`no PayTransfer with outBillNo ${outBillNo}`]);
    return transfer;
  }

  /** A bill WeChat answered for a stored transfer must be that transfer's. */
  private check(api: string, transfer: PayTransfer, bill: TransferBill): void {
    const mismatch = billMismatch(transfer, bill);
    if (mismatch) throw new WeChatUnavailableError(api, 'invalid-response', mismatch);
  }
}
