import { applyDecorators } from '@nestjs/common';
import { WeChatAccountResponse } from '../openapi/auth.schemas';
import { ApiMiniProgramErrors, MiniProgramErrorResponse } from '../openapi/errors';
import { ApiBody, ApiConsumes, ApiOperation, ApiProperty, ApiResponse } from '../utils/openapi.util';
import type { WeChatProfileUpdateView } from './profile.interfaces';

/** What of the profile waits. For OpenAPI only. @internal */
export class ProfilePendingResponse {
  @ApiProperty({ description: "A nickname is held for the host's review (`pendingNickName`).", example: false })
  nickName!: boolean;

  @ApiProperty({ description: "An avatar waits for WeChat's verdict or the host's review (`pendingAvatarUrl`).", example: true })
  avatar!: boolean;
}

/** `POST profile` answer. For OpenAPI only. @internal */
export class ProfileUpdateResponse extends WeChatAccountResponse implements WeChatProfileUpdateView {
  @ApiProperty({ type: () => ProfilePendingResponse })
  pending!: ProfilePendingResponse;
}

/** The documentation of `POST profile`: its two body types, its answer and its errors. @internal */
export function ApiProfileUpdate(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: 'Save the nickname and avatar of the fill-in components',
      description:
        'The profile users really have since 2022-10-25: `<input type="nickname">` and `open-type="chooseAvatar"`. The nickname is checked by ' +
        "WeChat's content security at once; an avatar is stored and kept pending until WeChat's verdict arrives by message push.",
    }),
    ApiConsumes('multipart/form-data', 'application/json'),
    ApiBody({
      description: 'multipart/form-data with `nickName` and/or the file `avatar`; or JSON `{ nickName }`.',
      schema: {
        type: 'object',
        properties: {
          nickName: { type: 'string', minLength: 1, maxLength: 64, example: '小明' },
          avatar: { type: 'string', format: 'binary', description: 'PNG, JPEG, GIF or WebP, at most `profile.avatarMaxBytes`.' },
        },
      },
    }),
    ApiResponse({ status: 200, description: 'The account, with what of the profile is pending.', type: ProfileUpdateResponse }),
    ApiMiniProgramErrors([400, 401, 429, 502, 503, 504], {
      400: 'A nickname out of bounds, an unknown field, a second file, a file name that is a path, or an avatar without `profile.avatarStore`.',
      503: 'WeChat could not check the profile now (busy or unreachable): nothing was saved; retry after `Retry-After` seconds.',
    }),
    ...[
      [413, 'The avatar is larger than `profile.avatarMaxBytes`.'],
      [415, 'Not multipart/form-data or JSON, or an avatar that is not a well-formed PNG, JPEG, GIF or WebP by its bytes.'],
      [422, "WeChat's content check refused the nickname (`field`, `suggest`, `label`): nothing was saved."],
    ].map(([status, description]) => ApiResponse({ status, description, type: MiniProgramErrorResponse })),
  );
}
