import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { WeChatMediaCheck } from '../entities/wechat-media-check.entity';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import { OnWeChatEvent } from '../push/wechat-push.decorators';
import type { WxaMediaCheckEvent } from '../push/wechat-push.events';
import type { WeChatPushEvent } from '../push/wechat-push.interfaces';
import { HandlerDiscovery } from '../utils/handler-discovery';
import { MEDIA_CHECK_RESULT_METADATA } from './media-check.decorators';
import { readMediaCheckPush } from './security-answers';
import type { MediaCheckOutcome } from './security-answers';
import type { MediaCheckResultEvent } from './security.interfaces';

type Handler = (event: MediaCheckResultEvent) => unknown;

/** An openid that fits the record's column; a `FromUserName` that is none is not kept. */
const OPENID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * Hands the verdicts WeChat pushes (`wxa_media_check`) to the `@OnMediaCheckResult()` handlers, exactly once per check.
 * The push pipeline already runs this once per push, in the push's transaction; what it cannot know is that two
 * different pushes speak of one check (WeChat resending with a new `CreateTime`, a copy after its receipt expired). The
 * record does: the verdict resolves the check's `WeChatMediaCheck` row with an update conditioned on `pending`, in the
 * same transaction, and only the push that changed the row calls the handlers. A verdict for a `trace_id` without a row
 * gets one first (`known: false`), so it is delivered, and delivered once, too. A handler that throws rolls the row back
 * with the push, which WeChat then delivers again.
 * @internal
 */
@Injectable()
export class WeChatMediaCheckResults implements OnModuleInit {
  private readonly logger = new Logger('MiniProgram');
  private readonly handlers: Handler[] = [];

  constructor(
    private readonly discovery: HandlerDiscovery,
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
  ) {}

  onModuleInit(): void {
    this.discovery.find<true>(MEDIA_CHECK_RESULT_METADATA, (_marked, call, name) => {
      this.handlers.push(call as Handler);
      this.logger.log(`${name} handles media check results`);
    });
  }

  @OnWeChatEvent('wxa_media_check')
  async pushed({ message, manager, afterCommit }: WeChatPushEvent<WxaMediaCheckEvent>): Promise<void> {
    // Safe mode checks the AppID inside the ciphertext; in plaintext mode this is the only place it can be checked.
    if (message.appid !== undefined && message.appid !== this.options.appId) {
      this.logger.warn('wxa_media_check push for another appid: ignored');
      return;
    }
    const outcome = readMediaCheckPush(message);
    if (!outcome) {
      this.logger.warn('wxa_media_check push without a trace_id or a version 2 verdict: left to @OnWeChatEvent handlers');
      return;
    }
    const check = await this.resolve(manager, outcome, message.FromUserName);
    if (!check) {
      this.logger.debug(`media check ${outcome.traceId} was resolved before: its verdict is not delivered again`);
      return;
    }
    const { traceId, status, verdict, errcode, detail } = outcome;
    const event: MediaCheckResultEvent = {
      traceId,
      status,
      verdict,
      errcode,
      detail,
      known: check.mediaUrl !== null,
      check,
      message,
      manager,
      afterCommit,
    };
    for (const handler of this.handlers) await handler(event);
  }

  /**
   * Resolves the check's row if it is pending, creating it first when there is none; the row afterwards, or `undefined`
   * when it was resolved already. The conditional update is the decision: on PostgreSQL and MySQL/MariaDB a concurrent
   * push waits for the first one's row lock and then finds it resolved. The row is `known` when it has the media's URL,
   * which only `checkMediaAsync` writes (also when its insert races this one and wins).
   */
  private async resolve(manager: EntityManager, outcome: MediaCheckOutcome, from: string): Promise<WeChatMediaCheck | undefined> {
    const { traceId } = outcome;
    const claim = async () => {
      const result = await manager
        .createQueryBuilder()
        .update(WeChatMediaCheck)
        .set({ status: outcome.status, label: outcome.verdict?.label ?? null, resolvedAt: new Date() })
        .where('trace_id = :traceId AND status = :pending', { traceId, pending: 'pending' })
        .execute();
      return (result.affected ?? 0) > 0;
    };
    if (!(await claim())) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(WeChatMediaCheck)
        .values({
          traceId,
          openId: OPENID.test(from) ? from : null,
          mediaUrl: null,
          mediaType: null,
          status: 'pending',
          label: null,
          resolvedAt: null,
        })
        .orIgnore()
        .execute();
      if (!(await claim())) return undefined;
    }
    return manager.findOneByOrFail(WeChatMediaCheck, { traceId });
  }
}
