import 'reflect-metadata';
import { plainToInstance, Type } from 'class-transformer';
import {
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
import { DEFAULTS } from '../mini-program.constants';
import { MiniProgramOptionsError, MiniProgramOptionsProblem } from '../errors/mini-program-options.error';
import type { MiniProgramModuleOptions, ResolvedMiniProgramOptions } from '../interfaces';

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

class OptionsSchema {
  @IsString({ message: 'appId is required and must be a string' })
  @Matches(/^wx[0-9a-zA-Z]{16}$/, { message: "appId must be the mini program's AppID: 'wx' followed by 16 letters or digits" })
  appId!: string;

  @IsString({ message: 'appSecret is required and must be a string' })
  @Matches(/^[0-9a-zA-Z]{32}$/, { message: 'appSecret must be the 32-character AppSecret' })
  appSecret!: string;

  @IsOptional()
  @IsUrl(
    { protocols: ['http', 'https'], require_protocol: true, require_tld: false, allow_query_components: false },
    { message: 'apiBaseUrl must be an http(s) URL such as https://api.weixin.qq.com' },
  )
  apiBaseUrl?: string;

  @IsOptional() @ValidateNested() @Type(() => TokenOptionsSchema) token?: TokenOptionsSchema;

  @IsOptional() @ValidateNested() @Type(() => HttpOptionsSchema) http?: HttpOptionsSchema;

  @IsOptional() @Validate(IsAccessTokenStore) accessTokenStore?: unknown;
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
  const { accessTokenStore, ...plain } = raw;
  const instance = plainToInstance(OptionsSchema, plain);
  instance.accessTokenStore = accessTokenStore;
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    validationError: { target: false, value: false },
  });
  if (errors.length > 0) throw new MiniProgramOptionsError(collectProblems(errors));

  return {
    appId: raw.appId,
    appSecret: raw.appSecret,
    apiBaseUrl: (raw.apiBaseUrl ?? DEFAULTS.apiBaseUrl).replace(/\/+$/, ''),
    token: { ...DEFAULTS.token, ...stripUndefined(raw.token) },
    http: { ...DEFAULTS.http, ...stripUndefined(raw.http) },
    accessTokenStore,
  };
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
