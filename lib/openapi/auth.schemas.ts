import type { MiniProgramLoginResult } from '../auth/mini-program-auth.service';
import type { WeChatAccountView, WeChatProfileView } from '../auth/wechat-account.view';
import { ApiProperty, ApiPropertyOptional } from '../utils/openapi.util';
import type { WeChatPhoneInfo } from '../wechat/wechat-api.interface';

/*
 * The answers of the auth endpoints as classes, for OpenAPI only: nothing constructs them. Each implements the
 * interface the endpoint really returns, so the documentation cannot drift from the code without a type error.
 */

/** `POST login` answer. @internal */
export class MiniProgramLoginResponse implements MiniProgramLoginResult {
  @ApiProperty({
    description: 'The API token: send it as `Authorization: Token <token>`.',
    example: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V0sBkJ7',
  })
  token!: string;

  @ApiProperty({ description: 'The id of the `WeChatAccount`.', example: 1 })
  user_id!: number;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the token expires; `null` when tokens do not expire (`token.ttlSeconds: 0`).',
    example: '2030-01-31T08:00:00.000Z',
  })
  expires_at!: string | null;
}

/** The profile part of an account, as `updateUserInfo` answers it. @internal */
export class WeChatProfileResponse implements WeChatProfileView {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ type: String, nullable: true, example: 'Alice' })
  nickName!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'https://thirdwx.qlogo.cn/mmopen/vi_32/0/132' })
  avatarUrl!: string | null;

  @ApiProperty({ type: Number, nullable: true, enum: [0, 1, 2], description: '0 unknown, 1 male, 2 female.', example: 0 })
  gender!: number | null;

  @ApiProperty({ type: String, nullable: true, example: 'Shenzhen' })
  city!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Guangdong' })
  province!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'China' })
  country!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'zh_CN' })
  language!: string | null;

  @ApiProperty({ description: 'The account id again (the original answered the Django user id here).', example: 1 })
  user!: number;
}

/** `POST updateUserInfo` answer. @internal */
export class UpdateUserInfoResponse {
  @ApiProperty({ description: 'The token the request presented.' })
  token!: string;

  @ApiProperty({ type: () => WeChatProfileResponse })
  wechat!: WeChatProfileResponse;
}

/** The watermark of decrypted open data. @internal */
export class WeChatWatermarkResponse {
  @ApiProperty({ description: 'Unix seconds.', example: 1700000000 })
  timestamp!: number;

  @ApiProperty({ example: 'wxdevsimulator0001' })
  appid!: string;
}

/** `POST phoneNumber` answer. @internal */
export class PhoneNumberResponse implements WeChatPhoneInfo {
  @ApiProperty({ description: 'With the country code for numbers outside China.', example: '13800138000' })
  phoneNumber!: string;

  @ApiProperty({ description: 'Without the country code.', example: '13800138000' })
  purePhoneNumber!: string;

  @ApiProperty({ example: '86' })
  countryCode!: string;

  @ApiPropertyOptional({ type: () => WeChatWatermarkResponse })
  watermark?: WeChatWatermarkResponse;
}

/** `POST logout` answer. @internal */
export class LogoutResponse {
  @ApiProperty({ description: 'Whether the presented token was revoked now.', example: true })
  revoked!: boolean;
}

/** `GET me` answer: the account, never its session key. @internal */
export class WeChatAccountResponse implements WeChatAccountView {
  @ApiProperty({ example: 1 })
  id!: number;

  @ApiProperty({ example: 'oDevSimulator0000000000000001' })
  openId!: string;

  @ApiProperty({ type: String, nullable: true })
  unionId!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Alice' })
  nickName!: string | null;

  @ApiProperty({ type: String, nullable: true })
  avatarUrl!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "A nickname waiting for the host's review (`POST profile`)." })
  pendingNickName!: string | null;

  @ApiProperty({ type: String, nullable: true, description: "An uploaded avatar waiting for WeChat's verdict (`POST profile`)." })
  pendingAvatarUrl!: string | null;

  @ApiProperty({ type: Number, nullable: true, enum: [0, 1, 2] })
  gender!: number | null;

  @ApiProperty({ type: String, nullable: true })
  city!: string | null;

  @ApiProperty({ type: String, nullable: true })
  province!: string | null;

  @ApiProperty({ type: String, nullable: true })
  country!: string | null;

  @ApiProperty({ type: String, nullable: true })
  language!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '13800138000' })
  phoneNumber!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '13800138000' })
  purePhoneNumber!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '86' })
  countryCode!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt!: Date;
}
