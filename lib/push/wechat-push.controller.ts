import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { LibraryRoute } from '../http/http-platform.setup';
import { readJsonBody, sendText } from '../http/request-body';
import type { PlatformRequest, PlatformResponse } from '../http/request-body';
import { DEFAULT_PUSH_PATH, DEFAULT_ROUTE_PREFIX } from '../mini-program.constants';
import { ApiWeChatPush } from '../openapi/wechat-push.openapi';
import { ApiTags } from '../utils/openapi.util';
import type { WeChatPushOutcome } from './wechat-push.interfaces';
import { WeChatPushService } from './wechat-push.service';
import { PUSH_MAX_BYTES } from './wechat-push.reader';
import type { PushQuery } from './wechat-push.reader';

/**
 * WeChat's message push (消息推送) at `{prefix}/{pushPath}` (default `miniprogram_auth/wechatPush`): `GET` answers the
 * URL check with `echostr`, `POST` takes the pushes and answers `success` (200) once they are handled or were handled
 * before. A refused push gets 400 or 401 and changes nothing; one whose handler failed gets 503, so WeChat delivers it
 * again. Both answer 404 while the `push` option is not configured.
 * @publicApi
 */
@Controller(`${DEFAULT_ROUTE_PREFIX}/${DEFAULT_PUSH_PATH}`)
@ApiTags('WeChat message push')
export class WeChatPushController {
  constructor(private readonly pushes: WeChatPushService) {}

  @Get()
  @LibraryRoute()
  @ApiWeChatPush('check')
  check(@Query() query: PushQuery, @Res() res: PlatformResponse): void {
    answer(res, this.pushes.verifyUrl(query));
  }

  @Post()
  @LibraryRoute({ readsOwnBody: true })
  @HttpCode(200)
  @ApiWeChatPush('push')
  async receive(@Query() query: PushQuery, @Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
    const raw = await readJsonBody(req);
    const body = raw && raw.length <= PUSH_MAX_BYTES ? raw.toString('utf8') : null;
    answer(res, await this.pushes.handle(query, body));
  }
}

function answer(res: PlatformResponse, outcome: WeChatPushOutcome): void {
  sendText(res, outcome.httpStatus, 'text/plain; charset=utf-8', outcome.body);
}
