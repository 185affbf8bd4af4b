import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type {
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  Repository,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { WeChatAccount } from '../entities/wechat-account.entity';

type Work = () => Promise<void>;

/**
 * Runs work once the transaction an `EntityManager` belongs to has committed, and never after a rollback: what must not
 * happen before the rows that allow it are durable (a replaced avatar's file is removed once the account no longer
 * names it, not while the push's transaction could still roll the change back). Push handlers get an `afterCommit` of
 * their own, but `@OnMediaCheckResult()` handlers are handed only the manager; TypeORM tells its subscribers about every
 * commit and rollback of a query runner, so this subscribes to the module's data source while the module lives and
 * keys the work by the manager's query runner. A manager outside any transaction runs the work at once. Work that fails
 * is logged, never thrown: the commit has happened.
 * @internal
 */
@Injectable()
export class CommitHooks implements EntitySubscriberInterface, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('MiniProgram');
  private readonly waiting = new WeakMap<QueryRunner, Work[]>();

  constructor(@InjectRepository(WeChatAccount) private readonly accounts: Repository<WeChatAccount>) {}

  onModuleInit(): void {
    this.accounts.manager.connection.subscribers.push(this);
  }

  onModuleDestroy(): void {
    const subscribers = this.accounts.manager.connection.subscribers;
    const index = subscribers.indexOf(this);
    if (index >= 0) subscribers.splice(index, 1);
  }

  /** Runs `work` after `manager`'s transaction commits, or now (awaited) when `manager` is in none. */
  async afterCommit(manager: EntityManager, work: Work): Promise<void> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) return this.safely(work);
    const queued = this.waiting.get(runner) ?? [];
    queued.push(work);
    this.waiting.set(runner, queued);
  }

  /** TypeORM calls this after a commit, also of a savepoint: only the outermost commit (no transaction left) counts. */
  async afterTransactionCommit({ queryRunner }: TransactionCommitEvent): Promise<void> {
    if (queryRunner.isTransactionActive) return;
    const queued = this.waiting.get(queryRunner);
    if (!queued) return;
    this.waiting.delete(queryRunner);
    for (const work of queued) await this.safely(work);
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) this.waiting.delete(queryRunner);
  }

  private async safely(work: Work): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn(`work after a commit failed: ${(error as Error).message}`);
    }
  }
}
