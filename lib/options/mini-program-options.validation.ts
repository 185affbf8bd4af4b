import 'reflect-metadata';
import { createSecureContext } from 'node:tls';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  ValidateNested,
  validateSync,
  ValidationError,
  Validate,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { DEFAULT_PAY_BASE_URL, DEFAULTS } from '../mini-program.constants';
import { MiniProgramOptionsError, MiniProgramOptionsProblem } from '../errors/mini-program-options.error';
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isURL } from 'class-validator';
import { certificateSerialNo, isPayV3ApiKey, loadPayV3PrivateKey, loadPayV3PublicKey } from '../crypto/pay-v3.crypto';
import { PushOptionsSchema, resolvePushOptions } from './push-options.validation';
import { resolveSubscribeOptions, SubscribeOptionsSchema } from './subscribe-options.validation';
import { resolveShippingOptions } from './shipping-options.validation';
import { certificateAdvice } from './pay-certificate-advice';
import { resolvePayReconcileOptions } from './pay-reconcile-options.validation';
import { resolveProfileOptions } from './profile-options.validation';
import type {
  MiniProgramModuleOptions,
  MiniProgramPayOptions,
  MiniProgramPayV3Options,
  ResolvedMiniProgramOptions,
  ResolvedPayV3Options,
} from '../interfaces';

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_query_components: false };

@ValidatorConstraint({ name: 'isAccessTokenStore' })
class IsAccessTokenStore implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    const store = value as Record<string, unknown> | null;
    return typeof store === 'object' && store !== null && ['get', 'set', 'delete'].every((method) => typeof store[method] === 'function');
  }

  defaultMessage(): string {
    return 'accessTokenStore must implement AccessTokenStore (get, set and delete methods)';
  }
}

class TokenOptionsSchema {
  @IsOptional() @IsInt() @Min(0) ttlSeconds?: number;
  @IsOptional() @IsInt() @Min(0) @Max(3600) cacheTtlSeconds?: number;
  @IsOptional() @IsInt() @Min(1) cacheMaxEntries?: number;
}

class HttpOptionsSchema {
  @IsOptional() @IsInt() @Min(1) @Max(120_000) timeoutMs?: number;
  @IsOptional() @IsInt() @Min(0) @Max(10) retries?: number;
  @IsOptional() @IsInt() @Min(0) @Max(60_000) retryDelayMs?: number;
}

class PayOptionsSchema {
  @IsString({ message: 'pay.mchId is required and must be a string' })
  @Matches(/^\d{6,12}$/, { message: 'pay.mchId must be the merchant id (digits)' })
  mchId!: string;

  @IsOptional()
  @IsString({ message: 'pay.apiKey must be a string' })
  @Matches(/^[0-9a-zA-Z]{32}$/, { message: 'pay.apiKey must be the 32-character API v2 key' })
  apiKey?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'pay.notifyUrl must be an http(s) URL without a query string' })
  notifyUrl?: string;

  @IsOptional() @IsIn(['v2', 'v3'], { message: "pay.apiVersion must be 'v2' or 'v3'" }) apiVersion?: string;

  // Checked by checkPayV3: key material, not plain data.
  @IsOptional() v3?: unknown;

  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'pay.refundNotifyUrl must be an http(s) URL without a query string' })
  refundNotifyUrl?: string;

  @IsOptional() @IsIn(['MD5', 'HMAC-SHA256'], { message: "pay.signType must be 'MD5' or 'HMAC-SHA256'" }) signType?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'pay.baseUrl must be an http(s) URL such as https://api.mch.weixin.qq.com' })
  baseUrl?: string;

  @IsOptional() @IsInt() @Min(60) @Max(7200) prepayReuseSeconds?: number;
  @IsOptional() @IsNumber() @Min(0.01) @Max(1) profitSharingMaxRatio?: number;

  // Checked by checkPayCertificates: live Buffers and PEM strings, not plain data.
  @IsOptional() clientCert?: unknown;
  @IsOptional() ca?: unknown;
}

class OptionsSchema {
  @IsString({ message: 'appId is required and must be a string' })
  @Matches(/^wx[0-9a-zA-Z]{16}$/, { message: "appId must be the mini program's AppID: 'wx' followed by 16 letters or digits" })
  appId!: string;

  @IsString({ message: 'appSecret is required and must be a string' })
  @Matches(/^[0-9a-zA-Z]{32}$/, { message: 'appSecret must be the 32-character AppSecret' })
  appSecret!: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'apiBaseUrl must be an http(s) URL such as https://api.weixin.qq.com' })
  apiBaseUrl?: string;

  @IsOptional() @ValidateNested() @Type(() => TokenOptionsSchema) token?: TokenOptionsSchema;

  @IsOptional() @ValidateNested() @Type(() => HttpOptionsSchema) http?: HttpOptionsSchema;

  @IsOptional() @Validate(IsAccessTokenStore) accessTokenStore?: unknown;

  @IsOptional() @ValidateNested() @Type(() => PayOptionsSchema) pay?: PayOptionsSchema;

  @IsOptional() @ValidateNested() @Type(() => PushOptionsSchema) push?: PushOptionsSchema;

  @IsOptional() @ValidateNested() @Type(() => SubscribeOptionsSchema) subscribe?: SubscribeOptionsSchema;
}

function collectProblems(errors: ValidationError[], prefix = ''): MiniProgramOptionsProblem[] {
  return errors.flatMap((error) => {
    const key = prefix + error.property;
    const own = error.constraints ? [{ key, messages: Object.values(error.constraints) }] : [];
    return [...own, ...collectProblems(error.children ?? [], `${key}.`)];
  });
}

/**
 * Validates raw module options and fills in the defaults.
 * @throws MiniProgramOptionsError naming every invalid key.
 * @publicApi
 */
export function resolveMiniProgramOptions(raw: MiniProgramModuleOptions | undefined | null): ResolvedMiniProgramOptions {
  if (raw === null || typeof raw !== 'object') {
    throw new MiniProgramOptionsError([{ key: '(options)', messages: ['options must be an object with appId and appSecret'] }]);
  }
  // The store is a live object; keep it out of the transformation so it is not copied.
  const { accessTokenStore, pay, shipping: rawShipping, profile: rawProfile, ...plain } = raw;
  const { clientCert, ca, v3: _v3, reconcile: rawReconcile, ...plainPay } = pay ?? ({} as MiniProgramPayOptions);
  const instance = plainToInstance(OptionsSchema, pay === undefined ? plain : { ...plain, pay: plainPay });
  instance.accessTokenStore = accessTokenStore;
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
  });
  const problems = collectProblems(errors);
  if (pay !== undefined && (pay === null || typeof pay !== 'object')) problems.push({ key: 'pay', messages: ['pay must be an object'] });
  else if (pay) problems.push(...checkPayCertificates(pay, clientCert, ca));
  const resolvedV3 = pay && typeof pay === 'object' ? checkPayV3(pay, problems) : undefined;
  const reconcile = resolvePayReconcileOptions(rawReconcile, problems);
  const push = resolvePushOptions(raw.push, problems);
  const subscribe = resolveSubscribeOptions(raw.subscribe, raw.push, problems);
  const shipping = resolveShippingOptions(rawShipping, problems);
  const profile = resolveProfileOptions(rawProfile, raw.push, problems);
  if (shipping?.autoUpload && !pay)
    problems.push({ key: 'shipping.autoUpload', messages: ['shipping.autoUpload needs pay: it uploads paid orders'] });
  if (problems.length > 0) throw new MiniProgramOptionsError(problems);

  return {
    appId: raw.appId,
    appSecret: raw.appSecret,
    apiBaseUrl: (raw.apiBaseUrl ?? DEFAULTS.apiBaseUrl).replace(/\/+$/, ''),
    token: { ...DEFAULTS.token, ...stripUndefined(raw.token) },
    http: { ...DEFAULTS.http, ...stripUndefined(raw.http) },
    accessTokenStore,
    pay: pay
      ? {
          mchId: pay.mchId,
          apiKey: pay.apiKey,
          notifyUrl: pay.notifyUrl ?? '',
          apiVersion: pay.apiVersion ?? (pay.apiKey !== undefined ? 'v2' : 'v3'),
          v3: resolvedV3,
          refundNotifyUrl: pay.refundNotifyUrl,
          signType: pay.signType ?? 'MD5',
          clientCert,
          baseUrl: (pay.baseUrl ?? DEFAULT_PAY_BASE_URL).replace(/\/+$/, ''),
          ca,
          prepayReuseSeconds: pay.prepayReuseSeconds ?? 6900,
          profitSharingMaxRatio: pay.profitSharingMaxRatio,
          reconcile,
        }
      : undefined,
    push,
    subscribe,
    shipping,
    profile,
  };
}

/**
 * Loads the client certificate the way TLS will, so a wrong passphrase, a key that does not
 * match the certificate, or a PKCS#12 file that OpenSSL 3 no longer reads stops the app at boot
 * with advice instead of failing the first refund.
 */
function checkPayCertificates(pay: MiniProgramPayOptions, clientCert: unknown, ca: unknown): MiniProgramOptionsProblem[] {
  const problems: MiniProgramOptionsProblem[] = [];
  const isPem = (v: unknown) => typeof v === 'string' || Buffer.isBuffer(v);
  if (ca !== undefined && !(isPem(ca) || (Array.isArray(ca) && ca.every(isPem)))) {
    problems.push({ key: 'pay.ca', messages: ['pay.ca must be a PEM string or an array of them'] });
  }
  if (clientCert === undefined) return problems;
  const cert = clientCert as Record<string, unknown> | null;
  if (cert === null || typeof cert !== 'object') {
    return [
      ...problems,
      { key: 'pay.clientCert', messages: ['pay.clientCert must be { cert, key } (PEM) or { pfx, passphrase? } (PKCS#12)'] },
    ];
  }
  try {
    if ('pfx' in cert) {
      if (!Buffer.isBuffer(cert.pfx)) throw new TypeError('pay.clientCert.pfx must be a Buffer with the .p12 file');
      createSecureContext({ pfx: cert.pfx, passphrase: typeof cert.passphrase === 'string' ? cert.passphrase : pay.mchId });
    } else if ('cert' in cert && 'key' in cert && isPem(cert.cert) && isPem(cert.key)) {
      createSecureContext({ cert: cert.cert as string, key: cert.key as string });
    } else {
      throw new TypeError('pay.clientCert must be { cert, key } (PEM) or { pfx, passphrase? } (PKCS#12)');
    }
  } catch (error) {
    problems.push({ key: 'pay.clientCert', messages: [certificateAdvice(error)] });
  }
  return problems;
}

/** A merchant API certificate serial: hex, at most 20 bytes (RFC 5280); WeChat's have 40 digits. */
const HEX_SERIAL = /^[0-9A-Fa-f]{8,40}$/;
/** A WeChat Pay public key id, e.g. `PUB_KEY_ID_0114232134912410000000000000000000`: sent as the `Wechatpay-Serial` header. */
const PUBLIC_KEY_ID = /^PUB_KEY_ID_[0-9A-Za-z_-]{1,64}$/;

/**
 * Validates `pay.v3` and the combination of v2 and v3 settings, loading the keys the way signing will so that a wrong
 * key stops the app at boot. Messages name the problem, never the key material.
 */
function checkPayV3(pay: MiniProgramPayOptions, problems: MiniProgramOptionsProblem[]): ResolvedPayV3Options | undefined {
  const v3 = pay.v3 as Partial<MiniProgramPayV3Options> | undefined | null;
  const add = (key: string, message: string) => problems.push({ key, messages: [message] });
  if (pay.apiKey === undefined && v3 === undefined) {
    add('pay', 'configure at least one of pay.apiKey (API v2) and pay.v3 (API v3)');
    return undefined;
  }
  if (pay.apiKey !== undefined && pay.notifyUrl === undefined) add('pay.notifyUrl', 'pay.notifyUrl is required with pay.apiKey (API v2)');
  if (pay.apiVersion === 'v2' && pay.apiKey === undefined) add('pay.apiVersion', "pay.apiVersion 'v2' needs pay.apiKey");
  if (pay.apiVersion === 'v3' && v3 === undefined) add('pay.apiVersion', "pay.apiVersion 'v3' needs pay.v3");
  if (v3 === undefined) return undefined;
  if (v3 === null || typeof v3 !== 'object') {
    add('pay.v3', 'pay.v3 must be an object with apiV3Key, merchantPrivateKey and merchantSerialNo');
    return undefined;
  }
  const before = problems.length;
  const known = new Set([
    'apiV3Key',
    'merchantPrivateKey',
    'merchantSerialNo',
    'wechatPayPublicKey',
    'wechatPayPublicKeyId',
    'platformCertificates',
    'notifyUrl',
  ]);
  for (const key of Object.keys(v3)) if (!known.has(key)) add(`pay.v3.${key}`, `property ${key} should not exist`);
  if (!isPayV3ApiKey(v3.apiV3Key)) add('pay.v3.apiV3Key', 'pay.v3.apiV3Key must be the APIv3 key: exactly 32 bytes');
  let privateKey: KeyObject | undefined;
  try {
    if (typeof v3.merchantPrivateKey !== 'string' && !Buffer.isBuffer(v3.merchantPrivateKey)) throw new TypeError();
    privateKey = loadPayV3PrivateKey(v3.merchantPrivateKey);
  } catch {
    add(
      'pay.v3.merchantPrivateKey',
      'pay.v3.merchantPrivateKey must be the merchant API private key: RSA of at least 2048 bits, PKCS#1 or PKCS#8 PEM',
    );
  }
  if (typeof v3.merchantSerialNo !== 'string' || !HEX_SERIAL.test(v3.merchantSerialNo)) {
    add('pay.v3.merchantSerialNo', 'pay.v3.merchantSerialNo must be the serial number of the merchant API certificate (hex)');
  }
  let publicKey: KeyObject | undefined;
  if (v3.wechatPayPublicKey !== undefined) {
    try {
      if (typeof v3.wechatPayPublicKey !== 'string' && !Buffer.isBuffer(v3.wechatPayPublicKey)) throw new TypeError();
      publicKey = loadPayV3PublicKey(v3.wechatPayPublicKey);
      if (publicKey.type !== 'public') throw new TypeError();
    } catch {
      publicKey = undefined;
      add('pay.v3.wechatPayPublicKey', 'pay.v3.wechatPayPublicKey must be the WeChat Pay public key: RSA of at least 2048 bits, SPKI PEM');
    }
    if (publicKey && privateKey && sameKey(publicKey, privateKey)) {
      add(
        'pay.v3.wechatPayPublicKey',
        "pay.v3.wechatPayPublicKey is the merchant's own public key (of pay.v3.merchantPrivateKey): give the WeChat Pay public key " +
          '(pub_key.pem, downloaded from the merchant platform with its PUB_KEY_ID_…)',
      );
    }
  }
  if (
    v3.wechatPayPublicKeyId !== undefined &&
    (typeof v3.wechatPayPublicKeyId !== 'string' || !PUBLIC_KEY_ID.test(v3.wechatPayPublicKeyId))
  ) {
    add(
      'pay.v3.wechatPayPublicKeyId',
      "pay.v3.wechatPayPublicKeyId must be the public key's id: 'PUB_KEY_ID_' followed by 1–64 letters, digits, '_' or '-'",
    );
  }
  if ((v3.wechatPayPublicKey === undefined) !== (v3.wechatPayPublicKeyId === undefined)) {
    add('pay.v3.wechatPayPublicKeyId', 'give pay.v3.wechatPayPublicKey and pay.v3.wechatPayPublicKeyId together');
  }
  if (v3.platformCertificates !== undefined && typeof v3.platformCertificates !== 'boolean') {
    add('pay.v3.platformCertificates', 'pay.v3.platformCertificates must be a boolean');
  }
  const platformCertificates = v3.platformCertificates ?? v3.wechatPayPublicKey === undefined;
  if (!platformCertificates && v3.wechatPayPublicKey === undefined) {
    add('pay.v3.platformCertificates', 'without pay.v3.wechatPayPublicKey, answers can only be verified with platform certificates');
  }
  let notifyUrl = v3.notifyUrl;
  if (notifyUrl !== undefined) {
    if (typeof notifyUrl !== 'string' || !isURL(notifyUrl, URL_OPTIONS)) {
      add('pay.v3.notifyUrl', 'pay.v3.notifyUrl must be an http(s) URL without a query string');
    }
  } else if (typeof pay.notifyUrl === 'string' && /\/[^/]+$/.test(pay.notifyUrl)) {
    notifyUrl = pay.notifyUrl.replace(/\/[^/]+$/, '/wechatPayV3Callback');
  } else {
    add('pay.v3.notifyUrl', 'give pay.v3.notifyUrl (or pay.notifyUrl, from which it is derived)');
  }
  if (privateKey && typeof v3.merchantSerialNo === 'string' && HEX_SERIAL.test(v3.merchantSerialNo)) {
    checkMerchantCertificate(pay.clientCert, privateKey, v3.merchantSerialNo, add);
  }
  if (problems.length > before || !privateKey) return undefined;
  return {
    apiV3Key: v3.apiV3Key as string,
    merchantPrivateKey: privateKey,
    merchantSerialNo: (v3.merchantSerialNo as string).toUpperCase(),
    wechatPayPublicKey: publicKey,
    wechatPayPublicKeyId: v3.wechatPayPublicKeyId,
    platformCertificates,
    notifyUrl: notifyUrl as string,
  };
}

/** Whether a public key is the public half of a private key. */
function sameKey(publicKey: KeyObject, privateKey: KeyObject): boolean {
  const der = (key: KeyObject) => key.export({ type: 'spki', format: 'der' });
  return der(publicKey).equals(der(createPublicKey(privateKey)));
}

/**
 * The merchant API certificate (`apiclient_cert.pem`, `pay.clientCert.cert`) is, since WeChat's 2020 certificate upgrade,
 * the certificate of the v3 merchant key: its serial must be `merchantSerialNo` and its public key that of
 * `merchantPrivateKey`, or every v3 request is refused (wrong serial) while v2 refunds work. Only PEM certificates are
 * compared; one that does not parse is reported by checkPayCertificates.
 */
function checkMerchantCertificate(
  clientCert: unknown,
  privateKey: KeyObject,
  merchantSerialNo: string,
  add: (key: string, message: string) => void,
): void {
  const pem = (clientCert as { cert?: unknown } | null | undefined)?.cert;
  if (typeof pem !== 'string' && !Buffer.isBuffer(pem)) return;
  let cert: X509Certificate;
  let serial: string;
  try {
    cert = new X509Certificate(pem);
    serial = certificateSerialNo(pem);
  } catch {
    return;
  }
  const wrong: string[] = [];
  if (serial !== merchantSerialNo.toUpperCase()) {
    wrong.push(`its serial ${serial} is not pay.v3.merchantSerialNo ${merchantSerialNo.toUpperCase()}`);
  }
  if (!sameKey(cert.publicKey, privateKey)) wrong.push('its public key is not that of pay.v3.merchantPrivateKey');
  if (wrong.length === 0) return;
  add(
    'pay.clientCert.cert',
    `pay.clientCert.cert must be the merchant API certificate of the v3 merchant key (apiclient_cert.pem): ${wrong.join(', and ')}`,
  );
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
