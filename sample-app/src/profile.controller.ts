import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CurrentWeChatAccount, MiniProgramAuthGuard, WeChatAccount } from 'nestjs-miniprogram-api';
import { TOKEN_SECURITY } from './openapi';

/** A host route of the sample app, guarded by the module's token guard. */
@ApiTags('Sample app')
@Controller()
export class ProfileController {
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
}
