import { Body, Controller, Get, HttpCode, Post, Req, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { CurrentWeChatAccount } from '../decorators/current-wechat-account.decorator';
import { WeChatAccount } from '../entities/wechat-account.entity';
import { LibraryRoute } from '../http/http-platform.setup';
import { JsonDepthPipe } from '../http/json-depth.pipe';
import { DEFAULT_ROUTE_PREFIX } from '../mini-program.constants';
import {
  LogoutResponse,
  MiniProgramLoginResponse,
  PhoneNumberResponse,
  UpdateUserInfoResponse,
  WeChatAccountResponse,
} from '../openapi/auth.schemas';
import { ApiMiniProgramErrors } from '../openapi/errors';
import { ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags, MINI_PROGRAM_TOKEN_SECURITY } from '../utils/openapi.util';
import type { WeChatPhoneInfo } from '../wechat/wechat-api.interface';
import { AuthTokenService } from './auth-token.service';
import { LoginDto } from './dto/login.dto';
import { PhoneNumberDto } from './dto/phone-number.dto';
import { UpdateUserInfoDto } from './dto/update-user-info.dto';
import { MiniProgramAuthGuard } from './mini-program-auth.guard';
import { MiniProgramAuthService } from './mini-program-auth.service';
import type { MiniProgramLoginResult } from './mini-program-auth.service';
import { MINI_PROGRAM_AUTH_INFO } from './mini-program.strategy';
import type { MiniProgramAuthInfo, MiniProgramRequest } from './mini-program.strategy';
import { toAccountView, toProfileView } from './wechat-account.view';
import type { WeChatAccountView, WeChatProfileView } from './wechat-account.view';
import { WeChatExceptionFilter } from './wechat-exception.filter';

/**
 * The mini program's auth endpoints, compatible with the original: every success answers
 * 200 (mini program code often checks `statusCode === 200`). The path prefix comes from the
 * module's `routePrefix`.
 * @publicApi
 */
@Controller(DEFAULT_ROUTE_PREFIX)
@ApiTags('Mini program auth')
@UseFilters(WeChatExceptionFilter)
@UsePipes(new JsonDepthPipe(), new ValidationPipe({ whitelist: true, transform: true, forbidUnknownValues: true }))
export class MiniProgramAuthController {
  constructor(
    private readonly auth: MiniProgramAuthService,
    private readonly tokens: AuthTokenService,
  ) {}

  /** `{code}` → `{token, user_id, expires_at}`. */
  @Post('login')
  @LibraryRoute()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Log in with the code of wx.login()',
    description: 'code2Session → find or create the account by openid → a new API token (one per device).',
  })
  @ApiBody({ type: LoginDto })
  @ApiResponse({ status: 200, description: 'The API token.', type: MiniProgramLoginResponse })
  @ApiMiniProgramErrors([400, 403, 429, 502, 503, 504])
  login(@Body() body: LoginDto): Promise<MiniProgramLoginResult> {
    return this.auth.login(body.code);
  }

  /** `{iv, encryptedData}` → `{token, wechat: {id, nickName, ...}}`. */
  @Post('updateUserInfo')
  @LibraryRoute()
  @HttpCode(200)
  @UseGuards(MiniProgramAuthGuard)
  @ApiSecurity(MINI_PROGRAM_TOKEN_SECURITY)
  @ApiOperation({
    summary: 'Save the profile of wx.getUserInfo()',
    description:
      'Decrypts `encryptedData` with the session key of the last login, checks padding, the watermark AppID and the openid, then saves every profile field.',
  })
  @ApiBody({ type: UpdateUserInfoDto })
  @ApiResponse({ status: 200, description: 'The saved profile.', type: UpdateUserInfoResponse })
  @ApiMiniProgramErrors([400, 401], {
    400: 'A field missing, empty or too long; or the data is unreadable with the session key stored at the last login (`reason`: BAD_PADDING, INVALID_IV, APPID_MISMATCH, …): log in again, then call wx.getUserInfo() again.',
  })
  async updateUserInfo(
    @Body() body: UpdateUserInfoDto,
    @CurrentWeChatAccount() account: WeChatAccount,
    @Req() request: MiniProgramRequest,
  ): Promise<{ token: string; wechat: WeChatProfileView }> {
    const updated = await this.auth.updateUserInfo(account.id, body.encryptedData, body.iv);
    return { token: authInfo(request).token, wechat: toProfileView(updated) };
  }

  /** `{code}` from the getPhoneNumber button → the phone number, also stored on the account. */
  @Post('phoneNumber')
  @LibraryRoute()
  @HttpCode(200)
  @UseGuards(MiniProgramAuthGuard)
  @ApiSecurity(MINI_PROGRAM_TOKEN_SECURITY)
  @ApiOperation({
    summary: 'Get the phone number of the getPhoneNumber button',
    description: "Exchanges the button's code with WeChat (getuserphonenumber) and stores the number on the account.",
  })
  @ApiBody({ type: PhoneNumberDto })
  @ApiResponse({ status: 200, description: 'The phone number.', type: PhoneNumberResponse })
  @ApiMiniProgramErrors([400, 401, 403, 429, 502, 503, 504])
  phoneNumber(@Body() body: PhoneNumberDto, @CurrentWeChatAccount() account: WeChatAccount): Promise<WeChatPhoneInfo> {
    return this.auth.updatePhoneNumber(account.id, body.code);
  }

  /** Revokes the presented token. */
  @Post('logout')
  @LibraryRoute()
  @HttpCode(200)
  @UseGuards(MiniProgramAuthGuard)
  @ApiSecurity(MINI_PROGRAM_TOKEN_SECURITY)
  @ApiOperation({ summary: 'Log out', description: 'Revokes the presented token only; other devices stay logged in.' })
  @ApiResponse({ status: 200, description: 'Whether the token was revoked.', type: LogoutResponse })
  @ApiMiniProgramErrors([401])
  async logout(@Req() request: MiniProgramRequest): Promise<{ revoked: boolean }> {
    return { revoked: await this.tokens.revoke(authInfo(request).token) };
  }

  /** The caller's account. */
  @Get('me')
  @LibraryRoute()
  @UseGuards(MiniProgramAuthGuard)
  @ApiSecurity(MINI_PROGRAM_TOKEN_SECURITY)
  @ApiOperation({ summary: "The caller's account", description: 'Never includes the session key.' })
  @ApiResponse({ status: 200, description: 'The account.', type: WeChatAccountResponse })
  @ApiMiniProgramErrors([401])
  me(@CurrentWeChatAccount() account: WeChatAccount): WeChatAccountView {
    return toAccountView(account);
  }
}

function authInfo(request: MiniProgramRequest): MiniProgramAuthInfo {
  return (request as unknown as Record<string, MiniProgramAuthInfo>)[MINI_PROGRAM_AUTH_INFO];
}
