import type { PaySignType } from '../crypto/pay-sign.crypto';

/**
 * The merchant's API client certificate, needed for refunds, the fund-flow bill and comments:
 * PEM certificate and key (`apiclient_cert.pem`, `apiclient_key.pem`), or the PKCS#12 file
 * (`apiclient_cert.p12`) whose passphrase is the mch_id unless given.
 * @publicApi
 */
export type WeChatPayClientCertificate = { cert: string | Buffer; key: string | Buffer } | { pfx: Buffer; passphrase?: string };

/**
 * WeChat Pay API v2 settings, as in the original's `WECHAT_PAY`.
 * @publicApi
 */
export interface MiniProgramPayOptions {
  /** The merchant id (`MCH_ID`). */
  mchId: string;
  /** The 32-character API v2 key (`KEY`). Never logged. */
  apiKey: string;
  /** Where WeChat sends payment notifications (`NOTIFICATION_URL`), e.g. `https://host/miniprogram_auth/wechatPayCallback`. */
  notifyUrl: string;
  /** Where WeChat sends refund notifications. Default: none (refund state is then learnt by `refundQuery`). */
  refundNotifyUrl?: string;
  /** How requests are signed. Default: `MD5`. */
  signType?: PaySignType;
  /** The API client certificate (refunds, fund flow, comments). */
  clientCert?: WeChatPayClientCertificate;
  /** Base URL of the pay API. Default: `https://api.mch.weixin.qq.com`. */
  baseUrl?: string;
  /** Extra certificate authorities to trust for the pay API (PEM), e.g. the simulator's development CA. */
  ca?: string | string[];
  /** How long a prepay_id is reused before a new one is asked for, in seconds. WeChat keeps them 2 hours. Default: 6900. */
  prepayReuseSeconds?: number;
}

/** Pay options after defaults were applied and validation passed. @publicApi */
export interface ResolvedPayOptions {
  mchId: string;
  apiKey: string;
  notifyUrl: string;
  refundNotifyUrl?: string;
  signType: PaySignType;
  clientCert?: WeChatPayClientCertificate;
  baseUrl: string;
  ca?: string | string[];
  prepayReuseSeconds: number;
}
