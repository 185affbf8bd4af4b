/**
 * The WeChat Pay API v3 credentials of a simulated merchant.
 * @publicApi
 */
export interface SimulatorMerchantV3 {
  /** The APIv3 key (32 ASCII characters): encrypts notification resources and downloaded platform certificates. */
  apiV3Key: string;
  /**
   * The merchant API certificate (PEM): its public key verifies the merchant's requests and its serial is the
   * `serial_no` the `Authorization` header must carry.
   */
  merchantCertificate: string;
}

/**
 * How the simulated WeChat Pay API v3 signs answers and notifications: with the "WeChat Pay public key"
 * (`Wechatpay-Serial: PUB_KEY_ID_…`, `GET /v3/certificates` answers 404 as for new merchants) or with a platform
 * certificate (`Wechatpay-Serial` is its serial, `GET /v3/certificates` lists it).
 * @publicApi
 */
export type SimPayV3Mode = 'public-key' | 'certificate';

/**
 * The v3 signing settings of a simulator (`GET`/`POST /__sim/v3`).
 * @publicApi
 */
export interface SimPayV3Settings {
  mode: SimPayV3Mode;
  /**
   * Whether the platform certificate was rotated: certificate mode then signs with `SIMULATOR_DEV_V3.nextPlatform…`
   * and `GET /v3/certificates` lists both certificates (the overlap WeChat keeps during a rotation).
   */
  rotated: boolean;
  /** The `Wechatpay-Serial` answers and notifications carry now. */
  serial: string;
}

/**
 * Input of {@link WeChatSimulator.setPayV3} (`POST /__sim/v3`); absent fields keep their value.
 * @publicApi
 */
export interface SimPayV3SettingsInput {
  mode?: SimPayV3Mode;
  rotate?: boolean;
}

/**
 * The development key material of the simulated WeChat Pay API v3 (see `SIMULATOR_DEV_V3`). Keys and certificates are
 * PEM (private keys PKCS#8, the WeChat Pay public key SPKI); serials are uppercase hex like `openssl x509 -serial`.
 * @publicApi
 */
export interface SimulatorDevV3Keys {
  /** The APIv3 key of the development merchant: 32 ASCII characters, the AES-256-GCM key. */
  apiV3Key: string;
  /** The merchant API private key (`apiclient_key.pem`), which signs requests. */
  merchantPrivateKey: string;
  /** The merchant API certificate (`apiclient_cert.pem`), subject CN `1900000109`. */
  merchantCertificate: string;
  /** The serial of {@link merchantCertificate}: the `serial_no` of the `Authorization` header. */
  merchantSerialNo: string;
  /** The private key behind the "WeChat Pay public key" (the simulator signs with it). */
  wechatPayPrivateKey: string;
  /** The "WeChat Pay public key" merchants verify with (`pub_key.pem`, SPKI). */
  wechatPayPublicKey: string;
  /** The id of the WeChat Pay public key (`PUB_KEY_ID_` + digits), sent as `Wechatpay-Serial`. */
  publicKeyId: string;
  /** The private key of the current platform certificate (the simulator signs with it). */
  platformPrivateKey: string;
  /** The current platform certificate. */
  platformCertificate: string;
  /** The serial of {@link platformCertificate}, sent as `Wechatpay-Serial`. */
  platformSerialNo: string;
  /** The private key of the next platform certificate, for rotation tests. */
  nextPlatformPrivateKey: string;
  /** The next platform certificate, for rotation tests. */
  nextPlatformCertificate: string;
  /** The serial of {@link nextPlatformCertificate}. */
  nextPlatformSerialNo: string;
  /** The development CA that signed the three certificates; its private key was thrown away. */
  certificateAuthority: string;
}

/**
 * The variants of a WeChat Pay API v3 notification (payment or refund) that `POST /__sim/notify` and
 * `POST /__sim/refundNotify` send for orders created (refunds requested) through API v3:
 *
 * - `duplicate`: the genuine notification again: same `id`, same body bytes, freshly signed headers (a WeChat retry);
 * - `replay`: exactly the same body and headers as the genuine one (old timestamp, nonce and signature), resent now;
 * - `forged-signature`: the genuine body with a random `Wechatpay-Signature`;
 * - `missing-signature`: the genuine body without the `Wechatpay-Signature` header;
 * - `stale-timestamp`: the genuine body correctly signed with a `Wechatpay-Timestamp` 10 minutes old;
 * - `unknown-serial`: correctly signed, but `Wechatpay-Serial` names a key or certificate the merchant does not know;
 * - `wrong-key`: correctly signed, the resource encrypted with another APIv3 key;
 * - `wrong-amount`: correctly signed and encrypted, the amount one fen more (`amount.total`, or `amount.refund`);
 * - `wrong-mchid`: correctly signed and encrypted, another `mchid` in the resource.
 *
 * Every variant but `duplicate`/`replay` gets a new notification `id`.
 * @publicApi
 */
export type SimV3NotifyVariant =
  | 'duplicate'
  | 'replay'
  | 'forged-signature'
  | 'missing-signature'
  | 'stale-timestamp'
  | 'unknown-serial'
  | 'wrong-key'
  | 'wrong-amount'
  | 'wrong-mchid';
