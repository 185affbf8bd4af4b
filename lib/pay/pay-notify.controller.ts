import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { LibraryRoute } from '../http/http-platform.setup';
import { readJsonBody, readRawBody, sendText } from '../http/request-body';
import type { PlatformRequest, PlatformResponse } from '../http/request-body';
import { DEFAULT_ROUTE_PREFIX } from '../mini-program.constants';
import { buildPayXml } from '../crypto/pay-xml.codec';
import { ApiPayNotification, ApiPayV3Notification } from '../openapi/pay-notify.openapi';
import { ApiTags } from '../utils/openapi.util';
import { PayNotifyProcessor } from './pay-notify.processor';

/**
 * WeChat Pay's notification endpoints: `POST {prefix}/wechatPayCallback` and
 * `POST {prefix}/wechatRefundCallback` (API v2) answer XML (`text/xml`) with HTTP 200, `SUCCESS`
 * when the notification is processed or was processed before, `FAIL` otherwise.
 * `POST {prefix}/wechatPayV3Callback` (API v3, payments and refunds) answers 204 when done (or done
 * before), 401 for a refused signature or timestamp, 400 for an invalid notification and 500 when
 * it could not be processed now (WeChat retries), with `{ code: 'FAIL', message }`.
 * @publicApi
 */
@Controller(DEFAULT_ROUTE_PREFIX)
@ApiTags('WeChat Pay notifications')
export class PayNotifyController {
  constructor(private readonly notifications: PayNotifyProcessor) {}

  @Post('wechatPayCallback')
  @LibraryRoute({ readsOwnBody: true })
  @HttpCode(200)
  @ApiPayNotification('pay')
  async payCallback(@Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
    const raw = await readRawBody(req);
    const outcome = raw ? await this.notifications.handlePayNotify(raw) : { xml: tooLarge() };
    reply(res, outcome.xml);
  }

  @Post('wechatRefundCallback')
  @LibraryRoute({ readsOwnBody: true })
  @HttpCode(200)
  @ApiPayNotification('refund')
  async refundCallback(@Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
    const raw = await readRawBody(req);
    const outcome = raw ? await this.notifications.handleRefundNotify(raw) : { xml: tooLarge() };
    reply(res, outcome.xml);
  }

  @Post('wechatPayV3Callback')
  @LibraryRoute()
  @HttpCode(204)
  @ApiPayV3Notification()
  async payV3Callback(@Req() req: PlatformRequest, @Res() res: PlatformResponse): Promise<void> {
    const raw = await readJsonBody(req);
    const outcome = raw
      ? await this.notifications.handleV3Notify(req.headers, raw)
      : { httpStatus: 400 as const, body: { code: 'FAIL' as const, message: 'unreadable or too large body' } };
    if (!outcome.body) sendText(res, outcome.httpStatus, undefined, '');
    else sendText(res, outcome.httpStatus, 'application/json; charset=utf-8', JSON.stringify(outcome.body));
  }
}

function tooLarge(): string {
  return buildPayXml({ return_code: 'FAIL', return_msg: 'unreadable or too large body' });
}

function reply(res: PlatformResponse, xml: string): void {
  sendText(res, 200, 'text/xml; charset=utf-8', xml);
}
