import type { KeyObject } from 'node:crypto';
import type { PaySignType } from '../crypto/pay-sign.crypto';
import type { MiniProgramPayReconcileOptions, ResolvedPayReconcileOptions } from './wechat-pay-reconcile-options.interface';

/**
 * The merchant's API client certificate, needed for refunds, the fund-flow bill and comments:
 * PEM certificate and key (`apiclient_cert.pem`, `apiclient_key.pem`), or the PKCS#12 file
 * (`apiclient_cert.p12`) whose passphrase is the mch_id unless given.
 * @publicApi
 */
export type WeChatPayClientCertificate = { cert: string | Buffer; key: string | Buffer } | { pfx: Buffer; passphrase?: string };

/** Which WeChat Pay API a call goes through. @publicApi */
export type WeChatPayApiVersion = 'v2' | 'v3';

/**
 * WeChat Pay API v3 settings. Requests are signed with the merchant API private key; every answer and notification is
 * verified either with the WeChat Pay public key (`wechatPayPublicKey` + `wechatPayPublicKeyId`, "public key mode") or
 * with the platform certificates downloaded from `/v3/certificates` ("certificate mode"), or both during a migration.
 * @publicApi
 */
export interface MiniProgramPayV3Options {
  /** The APIv3 key: exactly 32 bytes. Decrypts notifications and downloaded certificates. Never logged. */
  apiV3Key: string;
  /** The merchant API private key (`apiclient_key.pem`), RSA of at least 2048 bits. Never logged. */
  merchantPrivateKey: string | Buffer;
  /** The serial number of the merchant API certificate (hex, as `openssl x509 -noout -serial` prints it). */
  merchantSerialNo: string;
  /** The WeChat Pay public key (`pub_key.pem`); give `wechatPayPublicKeyId` with it. */
  wechatPayPublicKey?: string | Buffer;
  /** The id of the WeChat Pay public key, `PUB_KEY_ID_…`. */
  wechatPayPublicKeyId?: string;
  /** Verify with platform certificates downloaded from `/v3/certificates`. Default: true when no public key is given, else false. */
  platformCertificates?: boolean;
  /**
   * Where WeChat sends v3 notifications (payments and refunds alike). Default: `pay.notifyUrl` with its last path segment
   * replaced by `wechatPayV3Callback` (the route of the notification controller).
   */
  notifyUrl?: string;
}

/**
 * WeChat Pay settings, as in the original's `WECHAT_PAY`: API v2 (`apiKey`), API v3 (`v3`), or both.
 * @publicApi
 */
export interface MiniProgramPayOptions {
  /** The merchant id (`MCH_ID`). */
  mchId: string;
  /** The 32-character API v2 key (`KEY`). Required unless `v3` is given (v2-only APIs then refuse calls). Never logged. */
  apiKey?: string;
  /**
   * Where WeChat sends v2 payment notifications (`NOTIFICATION_URL`), e.g. `https://host/miniprogram_auth/wechatPayCallback`.
   * Required for v2; with v3 only, either this or `v3.notifyUrl`.
   */
  notifyUrl?: string;
  /** Which API the high-level calls (`createJsapiPayment`, `syncOrder`, `refundOrder`) use. Default: `v2` when `apiKey` is set, else `v3`. */
  apiVersion?: WeChatPayApiVersion;
  /** WeChat Pay API v3. */
  v3?: MiniProgramPayV3Options;
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
  /**
   * The largest share of a payment that profit sharing (分账) may split, from 0.01 to 1. Default: 0.3, WeChat's limit for
   * ordinary merchants; set it to what your merchant agreement allows.
   */
  profitSharingMaxRatio?: number;
  /** Reconciliation with WeChat (`PayReconciler`): its limits and, optionally, its schedule. */
  reconcile?: MiniProgramPayReconcileOptions;
}

/** v3 options after validation: keys loaded. @publicApi */
export interface ResolvedPayV3Options {
  apiV3Key: string;
  merchantPrivateKey: KeyObject;
  merchantSerialNo: string;
  wechatPayPublicKey?: KeyObject;
  wechatPayPublicKeyId?: string;
  platformCertificates: boolean;
  notifyUrl: string;
}

/** Pay options after defaults were applied and validation passed. @publicApi */
export interface ResolvedPayOptions {
  mchId: string;
  /** Absent when only v3 is configured. */
  apiKey?: string;
  /** The v2 notify URL (`''` when only v3 is configured). */
  notifyUrl: string;
  apiVersion: WeChatPayApiVersion;
  v3?: ResolvedPayV3Options;
  refundNotifyUrl?: string;
  signType: PaySignType;
  clientCert?: WeChatPayClientCertificate;
  baseUrl: string;
  ca?: string | string[];
  prepayReuseSeconds: number;
  /** Absent: 0.3. */
  profitSharingMaxRatio?: number;
  reconcile: ResolvedPayReconcileOptions;
}
