import { Controller, Get, UseGuards } from '@nestjs/common';
import { CurrentWeChatAccount, MiniProgramAuthGuard, WeChatAccount } from 'nestjs-miniprogram-api';

/** A host route of the sample app, guarded by the module's token guard. */
@Controller()
export class ProfileController {
  @Get('health')
  health(): { ok: true } {
    return { ok: true };
  }

  @Get('profile')
  @UseGuards(MiniProgramAuthGuard)
  profile(@CurrentWeChatAccount() account: WeChatAccount): { userId: number; nickName: string | null; hello: string } {
    return { userId: account.id, nickName: account.nickName, hello: `Hello, ${account.nickName ?? 'WeChat user'}!` };
  }
}
