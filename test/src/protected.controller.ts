import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentWeChatAccount, MiniProgramAuthGuard, WeChatAccount } from '../../lib';

/** A host route guarded by the module's token guard. */
@Controller('host')
export class ProtectedController {
  @Get('whoami')
  @UseGuards(MiniProgramAuthGuard)
  whoami(@CurrentWeChatAccount() account: WeChatAccount): { id: number; openId: string } {
    return { id: account.id, openId: account.openId };
  }
}
