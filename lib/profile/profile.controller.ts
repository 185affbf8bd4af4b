import { Controller, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { MiniProgramAuthGuard } from '../auth/mini-program-auth.guard';
import { WeChatExceptionFilter } from '../auth/wechat-exception.filter';
import { CurrentWeChatAccount } from '../decorators/current-wechat-account.decorator';
import { WeChatAccount } from '../entities/wechat-account.entity';
import { LibraryRoute } from '../http/http-platform.setup';
import type { PlatformRequest } from '../http/request-body';
import { DEFAULT_ROUTE_PREFIX } from '../mini-program.constants';
import { ApiSecurity, ApiTags, MINI_PROGRAM_TOKEN_SECURITY } from '../utils/openapi.util';
import { ApiProfileUpdate } from './profile.openapi';
import type { WeChatProfileUpdateView } from './profile.interfaces';
import { WeChatProfileService } from './wechat-profile.service';

/**
 * `POST {routePrefix}/profile`: the nickname and avatar of the fill-in components, for the token's account. Mounted with
 * the auth controller (extra `authController`), under the same prefix; answers 200 like the other auth routes. The
 * body is read by the route itself (multipart from the unread stream, on Express and Fastify alike), so it takes no
 * pipes.
 * @publicApi
 */
@Controller(DEFAULT_ROUTE_PREFIX)
@ApiTags('Mini program auth')
@UseFilters(WeChatExceptionFilter)
export class MiniProgramProfileController {
  constructor(private readonly profiles: WeChatProfileService) {}

  @Post('profile')
  @LibraryRoute({ readsOwnBody: true })
  @HttpCode(200)
  @UseGuards(MiniProgramAuthGuard)
  @ApiSecurity(MINI_PROGRAM_TOKEN_SECURITY)
  @ApiProfileUpdate()
  async update(@Req() request: PlatformRequest, @CurrentWeChatAccount() account: WeChatAccount): Promise<WeChatProfileUpdateView> {
    return this.profiles.update(account, await this.profiles.read(request));
  }
}
