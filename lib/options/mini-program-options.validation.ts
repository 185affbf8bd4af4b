import 'reflect-metadata';
import { createSecureContext } from 'node:tls';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
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
import type { MiniProgramModuleOptions, MiniProgramPayOptions, ResolvedMiniProgramOptions } from '../interfaces';

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

  @IsString({ message: 'pay.apiKey is required and must be a string' })
  @Matches(/^[0-9a-zA-Z]{32}$/, { message: 'pay.apiKey must be the 32-character API v2 key' })
  apiKey!: string;

  @IsUrl(URL_OPTIONS, { message: 'pay.notifyUrl must be an http(s) URL without a query string' })
  notifyUrl!: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'pay.refundNotifyUrl must be an http(s) URL without a query string' })
  refundNotifyUrl?: string;

  @IsOptional() @IsIn(['MD5', 'HMAC-SHA256'], { message: "pay.signType must be 'MD5' or 'HMAC-SHA256'" }) signType?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS, { message: 'pay.baseUrl must be an http(s) URL such as https://api.mch.weixin.qq.com' })
  baseUrl?: string;

  @IsOptional() @IsInt() @Min(60) @Max(7200) prepayReuseSeconds?: number;

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
  const { accessTokenStore, pay, ...plain } = raw;
  const { clientCert, ca, ...plainPay } = pay ?? ({} as MiniProgramPayOptions);
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
          notifyUrl: pay.notifyUrl,
          refundNotifyUrl: pay.refundNotifyUrl,
          signType: pay.signType ?? 'MD5',
          clientCert,
          baseUrl: (pay.baseUrl ?? DEFAULT_PAY_BASE_URL).replace(/\/+$/, ''),
          ca,
          prepayReuseSeconds: pay.prepayReuseSeconds ?? 6900,
        }
      : undefined,
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

function certificateAdvice(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/unsupported/i.test(message)) {
    return (
      'the PKCS#12 file uses legacy encryption that OpenSSL 3 (Node >= 17) no longer reads. Convert it: ' +
      '`openssl pkcs12 -in apiclient_cert.p12 -legacy -nodes -out apiclient.pem` and pass { cert, key } as PEM, ' +
      'or re-export it with `openssl pkcs12 -export` (modern encryption)'
    );
  }
  if (/mac verify|bad decrypt|wrong password|passphrase/i.test(message)) {
    return 'the PKCS#12 passphrase is wrong (WeChat sets it to the mch_id unless you changed it)';
  }
  if (/key values mismatch|KEY_VALUES_MISMATCH/i.test(message)) return 'the private key does not belong to the certificate';
  if (error instanceof TypeError && message.startsWith('pay.clientCert')) return message;
  return `the client certificate cannot be loaded (${message.replace(/\s+/g, ' ').slice(0, 120)})`;
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
