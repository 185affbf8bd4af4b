/**
 * The states of a merchant transfer bill (商家转账), as WeChat Pay names them.
 * @publicApi
 */
export type SimTransferState =
  'ACCEPTED' | 'PROCESSING' | 'WAIT_USER_CONFIRM' | 'TRANSFERING' | 'SUCCESS' | 'FAIL' | 'CANCELING' | 'CANCELLED';

/**
 * A merchant transfer bill as the simulator keeps it (a copy).
 * @publicApi
 */
export interface SimTransfer {
  mchId: string;
  appId: string;
  outBillNo: string;
  transferBillNo: string;
  openId: string;
  /** Fen. */
  transferAmount: number;
  transferSceneId: string;
  transferRemark: string;
  reportInfos: Array<{ infoType: string; infoContent: string }>;
  userRecvPerception?: string;
  /** The user's name as decrypted from `user_name` (with the private key its `Wechatpay-Serial` named). */
  userName?: string;
  /** The `Wechatpay-Serial` the create came with, when it carried `user_name`. */
  userNameSerial?: string;
  notifyUrl?: string;
  state: SimTransferState;
  /** Every state the bill went through, oldest first. */
  history: SimTransferState[];
  failReason?: string;
  /** The `package_info` `wx.requestMerchantTransfer` takes. */
  packageInfo: string;
  /** How many create requests named this `out_bill_no` (the first and its retries with the same content). */
  creates: number;
  /** Epoch ms. */
  createdAt: number;
  updatedAt: number;
}

/**
 * Input of {@link WeChatSimulator.confirmTransfer}: what the user does in `wx.requestMerchantTransfer` for a bill that
 * waits for them (`WAIT_USER_CONFIRM`).
 * @publicApi
 */
export interface SimTransferConfirmInput {
  outBillNo: string;
  /** The merchant; the first configured when absent. */
  mchId?: string;
  /**
   * `confirm` (default): the user accepts, the bill goes TRANSFERING then SUCCESS. `decline`: the user does not accept
   * (declines, or lets it expire) and the bill is CANCELLED. `fail`: the user accepts but the transfer fails (FAIL).
   */
  action?: 'confirm' | 'decline' | 'fail';
  /** `fail_reason` of `decline` and `fail` (`PAYEE_ACCOUNT_ABNORMAL` for `fail` by default, none for `decline`). */
  failReason?: string;
  /** `false` loses the MCHTRANSFER.BILL.FINISHED notification (nothing is delivered), as a test of reconciliation. */
  notify?: boolean;
}

/**
 * The variants of a transfer's final notification `POST /__sim/transferNotify` can send: `duplicate` is the genuine
 * one signed afresh, `replay` the genuine one with its first headers, `forged-signature` a signature that does not
 * verify.
 * @publicApi
 */
export type SimTransferNotifyVariant = 'duplicate' | 'replay' | 'forged-signature';

/** Input of {@link WeChatSimulator.transferNotify}. @publicApi */
export interface SimTransferNotifyInput {
  outBillNo: string;
  mchId?: string;
  kind: SimTransferNotifyVariant;
  /** How many copies to send concurrently, 1 by default (at most 100). */
  copies?: number;
}
