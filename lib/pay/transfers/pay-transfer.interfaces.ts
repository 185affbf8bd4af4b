import type { EntityManager } from 'typeorm';
import type { PayTransfer, PayTransferState } from '../../entities/pay-transfer.entity';

/** One line of `transfer_scene_report_infos`: what the scene requires reported (e.g. 活动名称, 奖励说明). @publicApi */
export interface TransferSceneReportInfo {
  /** `info_type`, as the scene names it (at most 15 characters). */
  infoType: string;
  /** `info_content` (at most 32 characters). */
  infoContent: string;
}

/** Input of {@link WeChatPayTransferService.createTransfer}. @publicApi */
export interface CreateTransferRequest {
  /** `out_bill_no`: 1–32 letters or digits, unique per transfer; a retry reuses it. */
  outBillNo: string;
  /** The receiving user's openid under the mini program's AppID. */
  openId: string;
  /** `transfer_amount` in fen, a positive integer. */
  amount: number;
  /** `transfer_scene_id`, as opened in the merchant platform (e.g. `1000` 现金营销). */
  transferSceneId: string;
  /** `transfer_remark`, shown to the user: at most 32 characters. */
  remark: string;
  /** `transfer_scene_report_infos`: what the scene requires (1–10 lines). */
  reportInfos: TransferSceneReportInfo[];
  /**
   * The user's real name (`user_name`), required from 2,000 yuan (200,000 fen) on, optional below: sent encrypted with
   * the WeChat Pay public key or platform certificate, never stored.
   */
  userName?: string;
  /** `user_recv_perception`, e.g. 现金奖励 (at most 32 characters). */
  userRecvPerception?: string;
  /** `notify_url`; by default the module's v3 notification URL (`pay.v3.notifyUrl`). */
  notifyUrl?: string;
}

/** The object `wx.requestMerchantTransfer` takes (user-confirmation mode). @publicApi */
export interface RequestMerchantTransferParams {
  mchId: string;
  appId: string;
  /** WeChat's `package_info`. */
  package: string;
  /** The receiving user's openid (optional for `wx.requestMerchantTransfer`; given for convenience). */
  openId: string;
}

/** What {@link WeChatPayTransferService.createTransfer} gives. @publicApi */
export interface CreateTransferResult {
  /** The stored transfer, as it is after WeChat's answer. */
  transfer: PayTransfer;
  /** WeChat's `package_info`, while the bill waits for the user (`WAIT_USER_CONFIRM`). */
  packageInfo?: string;
  /** What to hand to the mini program for `wx.requestMerchantTransfer`, when there is a `packageInfo`. */
  requestMerchantTransfer?: RequestMerchantTransferParams;
}

/** A transfer bill as WeChat Pay answers (create, query, cancel) or notifies it, normalised. @publicApi */
export interface TransferBill {
  outBillNo: string;
  transferBillNo?: string;
  /** `undefined` for a state WeChat does not document (`raw.state` keeps it). */
  state?: PayTransferState;
  mchId?: string;
  appId?: string;
  openId?: string;
  /** Fen. */
  transferAmount?: number;
  transferRemark?: string;
  failReason?: string;
  packageInfo?: string;
  createTime?: Date;
  updateTime?: Date;
  raw: Record<string, unknown>;
}

/** Which bill to query: by the merchant's number or WeChat's. @publicApi */
export type TransferBillKey = { outBillNo: string } | { transferBillNo: string };

/**
 * Passed to `@OnPayTransferSucceeded()` and `@OnPayTransferFailed()` handlers, inside the transaction that moves the
 * transfer to its final state. @publicApi
 */
export interface PayTransferFinishedEvent {
  transfer: PayTransfer;
  /** `notify` (the `MCHTRANSFER.BILL.FINISHED` notification) or `query` (`syncTransfer`, `cancelTransfer`, a create answer). */
  source: 'notify' | 'query';
  /** The decrypted notification resource, or WeChat's answer. */
  raw: Record<string, unknown>;
  /** The transaction's manager: write through it so your changes commit or roll back with the transfer's state. */
  manager: EntityManager;
  /** Runs `work` once the transaction has committed (never if it rolls back). Failures are logged. */
  afterCommit(work: () => unknown): void;
}
