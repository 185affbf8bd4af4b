import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { WeChatPushReceipt } from '../entities/wechat-push-receipt.entity';
import { MINI_PROGRAM_OPTIONS } from '../mini-program.constants';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import { AfterCommitQueue } from '../utils/after-commit';
import { InflightWork } from '../utils/inflight-work';
import { KeyedQueue } from '../utils/keyed-queue';
import { isUniqueViolation } from '../utils/unique-violation.util';
import type { WeChatPushOutcome } from './wechat-push.interfaces';
import { WeChatPushReader } from './wechat-push.reader';
import type { AuthenticPush, PushQuery, PushRefusal } from './wechat-push.reader';
import { WeChatPushRegistry } from './wechat-push.registry';

/** How often one process removes expired receipts, at most. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The message-push pipeline: the reader authenticates a push, then it is applied exactly once — its receipt inserted
 * and its handlers run in one transaction, so that a redelivery finds the receipt (a unique key) and runs nothing,
 * while a handler that throws rolls the receipt back and WeChat's next delivery runs it again. Copies of one push
 * arriving at once are applied one after another in a process; across processes the unique key decides. Work in
 * flight finishes before the database connection closes on shutdown. The module's push route uses it; so can a host
 * that mounts its own route (extra `pushController: false`): `verifyUrl(query)` for `GET`, `handle(query, body)` for
 * `POST`, then answer WeChat with the outcome's `httpStatus` and `body`.
 * @publicApi
 */
@Injectable()
export class WeChatPushService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('MiniProgram');
  private readonly inflight = new InflightWork();
  private readonly queue = new KeyedQueue<string>();
  private lastSweep = 0;

  /** How long shutdown waits for pushes being processed. */
  static shutdownGraceMs = 10_000;

  constructor(
    private readonly reader: WeChatPushReader,
    private readonly registry: WeChatPushRegistry,
    @InjectRepository(WeChatPushReceipt) private readonly receipts: Repository<WeChatPushReceipt>,
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
  ) {}

  async beforeApplicationShutdown(): Promise<void> {
    await this.inflight.drain(WeChatPushService.shutdownGraceMs);
  }

  /** Answers WeChat's URL check: the `echostr` when the signature verifies. */
  verifyUrl(query: PushQuery): WeChatPushOutcome {
    const checked = this.reader.verifyUrl(query);
    if ('echostr' in checked) return { status: 'processed', httpStatus: 200, body: checked.echostr };
    return this.refused(checked, 'URL check');
  }

  /** Authenticates a push and applies it exactly once; the outcome says how to answer WeChat. */
  async handle(query: PushQuery, body: string | null): Promise<WeChatPushOutcome> {
    const push = this.reader.read(query, body);
    if ('reason' in push) return this.refused(push, 'push');
    return this.inflight.track(this.queue.run(push.dedupeKey, () => this.apply(push)));
  }

  private async apply(push: AuthenticPush): Promise<WeChatPushOutcome> {
    const { message } = push;
    const what = message.MsgType === 'event' ? `event ${message.Event ?? '(none)'}` : `${message.MsgType} message`;
    const afterCommit = new AfterCommitQueue(this.logger);
    try {
      await this.receipts.manager.transaction(async (manager) => {
        const expiresAt = new Date(Date.now() + this.options.push!.dedupeTtlSeconds * 1000);
        await manager.insert(WeChatPushReceipt, {
          dedupeKey: push.dedupeKey,
          msgType: message.MsgType.slice(0, 32),
          event: message.Event?.slice(0, 64) ?? null,
          openId: message.FromUserName.slice(0, 128) || null,
          expiresAt,
        });
        for (const handler of this.registry.handlersOf(message.MsgType, message.Event)) {
          await handler({ message, manager, format: push.format, encrypted: push.encrypted, afterCommit: afterCommit.add });
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) return { status: 'duplicate', httpStatus: 200, body: 'success', message };
      this.logger.error(`WeChat push (${what}) failed and was rolled back; WeChat will deliver it again: ${(error as Error).message}`);
      return { status: 'failed', reason: 'a handler or the database failed', httpStatus: 503, body: 'failed', message };
    }
    this.sweep();
    // WeChat is answered now; the queued work goes on (tracked, so that shutdown waits for it).
    void this.inflight.track(afterCommit.run());
    return { status: 'processed', httpStatus: 200, body: 'success', message };
  }

  private refused(refusal: PushRefusal, what: string): WeChatPushOutcome {
    if (refusal.status !== 404) this.logger.warn(`WeChat ${what} refused: ${refusal.reason}`);
    return { status: 'rejected', reason: refusal.reason, httpStatus: refusal.status, body: refusal.reason };
  }

  /** Removes expired receipts, at most once a minute per process, without holding up the answer. */
  private sweep(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    void this.inflight
      .track(this.receipts.delete({ expiresAt: LessThan(new Date(now)) }))
      .catch((error: Error) => this.logger.warn(`expired WeChat push receipts could not be removed: ${error.message}`));
  }
}
