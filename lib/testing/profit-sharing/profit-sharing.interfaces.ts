/** Who receives a share. @publicApi */
export type SimProfitSharingReceiverType = 'MERCHANT_ID' | 'PERSONAL_OPENID';

/** A receiver added by a merchant (`POST /v3/profitsharing/receivers/add`), as the simulator keeps it. @publicApi */
export interface SimProfitSharingReceiver {
  mchId: string;
  type: SimProfitSharingReceiverType;
  account: string;
  /** The name as decrypted from `name` (with the private key its `Wechatpay-Serial` named). */
  name?: string;
  /** The `Wechatpay-Serial` the add came with, when it carried `name`. */
  nameSerial?: string;
  relationType: string;
  customRelation?: string;
}

/** One receiver line of a split. @publicApi */
export interface SimProfitSharingLine {
  type: SimProfitSharingReceiverType;
  account: string;
  /** Fen. */
  amount: number;
  description: string;
  /** The name as decrypted, when the split carried one. */
  name?: string;
  result: 'PENDING' | 'SUCCESS' | 'CLOSED';
  failReason?: string;
  detailId: string;
  /** Fen returned from it so far (分账回退). */
  returned: number;
}

/** A split (分账单) or an unfreezing (解冻), as the simulator keeps it (a copy). @publicApi */
export interface SimProfitSharingOrder {
  mchId: string;
  appId: string;
  kind: 'split' | 'unfreeze';
  transactionId: string;
  outTradeNo: string;
  outOrderNo: string;
  orderId: string;
  state: 'PROCESSING' | 'FINISHED';
  receivers: SimProfitSharingLine[];
  unfreezeUnsplit: boolean;
  /** How many requests named this `out_order_no` (the first and its retries with the same content). */
  creates: number;
  /** Epoch ms. */
  createdAt: number;
  finishedAt?: number;
}

/** A return (分账回退单). @publicApi */
export interface SimProfitSharingReturn {
  mchId: string;
  outReturnNo: string;
  returnId: string;
  outOrderNo: string;
  orderId: string;
  returnMchId: string;
  amount: number;
  description: string;
  result: 'PROCESSING' | 'SUCCESS' | 'FAILED';
  createdAt: number;
  finishedAt?: number;
}

/** Settings of the simulated profit sharing. @publicApi */
export interface SimProfitSharingSettings {
  /** The largest share of a payment splits may take; WeChat's default for ordinary merchants is 0.3. */
  maxRatio: number;
  /** Whether splits finish by themselves after the refund delay (scaled); otherwise only {@link finishProfitSharing}. */
  autoFinish: boolean;
}

/** Input of `finishProfitSharing`: a split that is `PROCESSING` finishes now. @publicApi */
export interface SimProfitSharingFinishInput {
  outOrderNo: string;
  mchId?: string;
  /** `CLOSED` closes every receiver with `failReason` (default `NO_RELATION`); `SUCCESS` by default. */
  result?: 'SUCCESS' | 'CLOSED';
  failReason?: string;
  /** `false` loses the 分账动账通知 (nothing is delivered), as a test of reconciliation. */
  notify?: boolean;
}

/** Input of `profitSharingNotify`: variants of a finished split's notification, sent once each. @publicApi */
export interface SimProfitSharingNotifyInput {
  outOrderNo: string;
  mchId?: string;
  kind: 'duplicate' | 'replay' | 'forged-signature';
  /** 1–100, 1 by default. */
  copies?: number;
}
