import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { UserDataDecryptError } from '../errors/user-data-decrypt.error';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import { WeChatInputError } from '../errors/wechat-input.error';
import { PayOrderStateError, WeChatPayError, WeChatPayInputError } from '../errors/wechat-pay.error';
import { ProfileCheckUnavailableError, ProfileContentRefusedError, ProfileInputError } from '../profile/profile.errors';

const STATUS_NAMES: Partial<Record<number, string>> = {
  400: 'Bad Request',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  403: 'Forbidden',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** errcodes caused by what the client sent, with the status and advice they get. */
const CLIENT_ERRCODES: Record<number, { status: number; message: string }> = {
  40029: { status: 400, message: 'Invalid code: it is wrong or expired. Call wx.login() (or the button) again for a new one.' },
  40163: { status: 400, message: 'This code has already been used. Call wx.login() again for a new one.' },
  40003: { status: 400, message: 'The code does not belong to this user.' },
  40226: { status: 403, message: 'WeChat blocked this login (high-risk user).' },
  45011: { status: 429, message: 'WeChat rate limit reached for this user; retry in a minute.' },
  45009: { status: 429, message: 'WeChat API quota reached; retry later.' },
};

/**
 * Turns WeChat failures into HTTP answers: codes the client sent wrong are 4xx with WeChat's
 * errcode in the body, rate limits 429, WeChat trouble 502/503/504, and encrypted data that
 * cannot be read with the stored session key 400 with the advice to log in again.
 * @publicApi
 */
export function toHttpException(error: unknown): HttpException | null {
  if (error instanceof WeChatApiError) {
    const known = CLIENT_ERRCODES[error.errcode];
    const status = known?.status ?? HttpStatus.BAD_GATEWAY;
    const message = known?.message ?? `WeChat refused the request (${error.api}).`;
    return new HttpException(
      { statusCode: status, error: STATUS_NAMES[status], message, errcode: error.errcode, errmsg: error.errmsg },
      status,
      { cause: error },
    );
  }
  if (error instanceof WeChatUnavailableError) {
    const status =
      error.kind === 'timeout'
        ? HttpStatus.GATEWAY_TIMEOUT
        : error.kind === 'busy'
          ? HttpStatus.SERVICE_UNAVAILABLE
          : HttpStatus.BAD_GATEWAY;
    const message =
      error.kind === 'busy'
        ? 'WeChat is busy; retry shortly.'
        : error.kind === 'timeout'
          ? 'WeChat did not answer in time; retry shortly.'
          : 'WeChat could not be reached; retry shortly.';
    return new HttpException({ statusCode: status, error: STATUS_NAMES[status], message }, status, { cause: error });
  }
  if (error instanceof UserDataDecryptError) {
    return new HttpException(
      {
        statusCode: 400,
        error: 'Bad Request',
        message: `${error.message}. The session key has probably changed: log in again (wx.login and POST login), then fetch the data again.`,
        reason: error.reason,
      },
      400,
      { cause: error },
    );
  }
  if (error instanceof WeChatPayInputError || error instanceof WeChatInputError) {
    return new HttpException({ statusCode: 400, error: 'Bad Request', message: error.problems }, 400, { cause: error });
  }
  if (error instanceof ProfileInputError) {
    const status = error.status;
    return new HttpException({ statusCode: status, error: STATUS_NAMES[status], message: error.message }, status, { cause: error });
  }
  if (error instanceof ProfileContentRefusedError) {
    const { message, field, suggest, label } = error;
    return new HttpException({ statusCode: 422, error: STATUS_NAMES[422], message, field, suggest, label }, 422, { cause: error });
  }
  if (error instanceof ProfileCheckUnavailableError) {
    // The Retry-After header is set by WeChatExceptionFilter; callers of this function find it in `retryAfterSeconds`.
    const body = { statusCode: 503, error: STATUS_NAMES[503], message: `${error.message}; retry in ${error.retryAfterSeconds} s.` };
    return new HttpException(body, 503, { cause: error });
  }
  if (error instanceof PayOrderStateError) {
    return new HttpException({ statusCode: 409, error: 'Conflict', message: error.message, status: error.status }, 409, { cause: error });
  }
  if (error instanceof WeChatPayError) {
    const busy = error.errCode === 'SYSTEMERROR';
    const status = busy ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.BAD_GATEWAY;
    return new HttpException(
      {
        statusCode: status,
        error: STATUS_NAMES[status],
        message: busy ? 'WeChat Pay is busy; retry shortly.' : `WeChat Pay refused the request (${error.api}).`,
        errCode: error.errCode ?? error.detail.returnCode,
        errCodeDes: error.detail.errCodeDes ?? error.detail.returnMsg,
      },
      status,
      { cause: error },
    );
  }
  return null;
}

/**
 * Exception filter applying {@link toHttpException}; hosts can put it on their own controllers
 * that call `WeChatApiService` or `MiniProgramAuthService`.
 * @publicApi
 */
@Catch(
  WeChatApiError,
  WeChatUnavailableError,
  UserDataDecryptError,
  WeChatPayError,
  WeChatPayInputError,
  WeChatInputError,
  PayOrderStateError,
  ProfileInputError,
  ProfileContentRefusedError,
  ProfileCheckUnavailableError,
)
export class WeChatExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('MiniProgram');

  override catch(exception: unknown, host: ArgumentsHost): void {
    const mapped = toHttpException(exception);
    if (mapped && mapped.getStatus() >= 500) this.logger.warn((exception as Error).message);
    if (exception instanceof ProfileCheckUnavailableError) {
      const adapter = this.applicationRef ?? this.httpAdapterHost?.httpAdapter;
      adapter?.setHeader(host.switchToHttp().getResponse(), 'Retry-After', String(exception.retryAfterSeconds));
    }
    super.catch(mapped ?? exception, host);
  }
}
