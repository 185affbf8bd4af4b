import { applyDecorators } from '@nestjs/common';
import type { UserDataDecryptReason } from '../errors/user-data-decrypt.error';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse } from '../utils/openapi.util';

/** Every decrypt reason, checked against the type so that a new one cannot be forgotten here. */
const DECRYPT_REASONS = Object.keys({
  INVALID_SESSION_KEY: true,
  INVALID_IV: true,
  INVALID_ENCRYPTED_DATA: true,
  BAD_PADDING: true,
  INVALID_JSON: true,
  APPID_MISMATCH: true,
} satisfies Record<UserDataDecryptReason, true>);

/** An error answer: Nest's JSON shape plus WeChat's `errcode`/`errmsg` or the decrypt `reason`. For OpenAPI only. @internal */
export class MiniProgramErrorResponse {
  @ApiProperty({ type: 'integer', example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request' })
  error!: string;

  @ApiProperty({
    oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    description: 'What went wrong; a list of the problems for invalid bodies.',
    example: ['code must be a string'],
  })
  message!: string | string[];

  @ApiPropertyOptional({ type: 'integer', description: "WeChat's errcode, when WeChat refused something.", example: 40029 })
  errcode?: number;

  @ApiPropertyOptional({ description: "WeChat's errmsg.", example: 'invalid code, rid: 6650f1a2-1b2c3d4e-5f6a7b8c' })
  errmsg?: string;

  @ApiPropertyOptional({
    description: 'Why encrypted data could not be read (updateUserInfo).',
    enum: DECRYPT_REASONS,
    example: 'BAD_PADDING',
  })
  reason?: string;
}

/** The statuses the auth endpoints answer besides 200, and when. */
const ERROR_DESCRIPTIONS = {
  400: 'A field missing, empty, of the wrong type or too long (`message` names it); WeChat refused the code (errcode 40029 invalid or expired, 40163 already used; 40003 a phone code of another user).',
  401: 'No `Authorization` header, or an unknown, malformed, revoked or expired token.',
  403: 'WeChat blocked the user (errcode 40226).',
  429: 'WeChat rate limit (errcode 45011, 45009).',
  502: 'WeChat refused the request (other errcodes, with `errcode`/`errmsg`), could not be reached, or answered unusably.',
  503: 'WeChat is busy (errcode -1) after the retries.',
  504: 'WeChat did not answer within `http.timeoutMs`.',
} as const;

/** Error statuses an endpoint can answer. @internal */
export type MiniProgramErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/**
 * Documents the error answers of an endpoint, each with the {@link MiniProgramErrorResponse} schema; `descriptions`
 * replaces the general wording where the endpoint has its own reasons.
 * @internal
 */
export function ApiMiniProgramErrors(
  statuses: MiniProgramErrorStatus[],
  descriptions: Partial<Record<MiniProgramErrorStatus, string>> = {},
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(MiniProgramErrorResponse),
    ...statuses.map((status) =>
      ApiResponse({ status, description: descriptions[status] ?? ERROR_DESCRIPTIONS[status], type: MiniProgramErrorResponse }),
    ),
  );
}
