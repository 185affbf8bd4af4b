import { BadRequestException, Controller, Get, Header, Query, StreamableFile, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import {
  CurrentWeChatAccount,
  MiniProgramAuthGuard,
  WeChatAccount,
  WeChatExceptionFilter,
  WeChatLinkService,
} from 'nestjs-miniprogram-api';
import { TOKEN_SECURITY } from './openapi';

/** A host route of the sample app, guarded by the module's token guard. */
@ApiTags('Sample app')
@Controller()
export class ProfileController {
  constructor(private readonly links: WeChatLinkService) {}
  @Get('health')
  @ApiOperation({ summary: 'Liveness' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { ok: { type: 'boolean', example: true } } } })
  health(): { ok: true } {
    return { ok: true };
  }

  @Get('health/token')
  @UseGuards(MiniProgramAuthGuard)
  @ApiSecurity(TOKEN_SECURITY)
  @ApiOperation({ summary: 'Liveness behind the token guard (the same answer as /health: measures the guard alone)' })
  @ApiResponse({ status: 200, schema: { type: 'object', properties: { ok: { type: 'boolean', example: true } } } })
  @ApiResponse({ status: 401, description: 'No or an invalid token.' })
  guardedHealth(): { ok: true } {
    return { ok: true };
  }

  @Get('profile')
  @UseGuards(MiniProgramAuthGuard)
  @ApiSecurity(TOKEN_SECURITY)
  @ApiOperation({ summary: 'A guarded route of the host app' })
  @ApiResponse({
    status: 200,
    schema: {
      type: 'object',
      properties: { userId: { type: 'integer' }, nickName: { type: 'string', nullable: true }, hello: { type: 'string' } },
    },
  })
  @ApiResponse({ status: 401, description: 'No or an invalid token.' })
  profile(@CurrentWeChatAccount() account: WeChatAccount): { userId: number; nickName: string | null; hello: string } {
    return { userId: account.id, nickName: account.nickName, hello: `Hello, ${account.nickName ?? 'WeChat user'}!` };
  }

  /**
   * The user's own mini program code (小程序码), e.g. to share: it opens `page` with the scene `u=<account id>`. The
   * page need not be released yet (`checkPath: false`); the service checks `page` against WeChat's rules (400).
   */
  @Get('profile/code')
  @UseGuards(MiniProgramAuthGuard)
  @UseFilters(WeChatExceptionFilter)
  @Header('Cache-Control', 'private, max-age=86400')
  @ApiSecurity(TOKEN_SECURITY)
  @ApiOperation({ summary: "The user's mini program code (getUnlimitedCode with the scene u=<account id>), a PNG" })
  @ApiQuery({ name: 'page', required: false, description: 'The page the code opens, e.g. pages/index/index (no leading /, no query).' })
  @ApiProduces('image/png')
  @ApiResponse({ status: 200, description: 'The PNG.', content: { 'image/png': { schema: { type: 'string', format: 'binary' } } } })
  @ApiResponse({ status: 400, description: 'A page WeChat would refuse.' })
  @ApiResponse({ status: 401, description: 'No or an invalid token.' })
  async code(@CurrentWeChatAccount() account: WeChatAccount, @Query('page') page?: unknown): Promise<StreamableFile> {
    if (page !== undefined && typeof page !== 'string') throw new BadRequestException('page must be one page path');
    const { contentType, image } = await this.links.getUnlimitedCode({ scene: `u=${account.id}`, page, checkPath: false });
    return new StreamableFile(image, { type: contentType });
  }
}
