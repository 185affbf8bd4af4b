import { Logger } from '@nestjs/common';

/** Work a handler asks to run once its transaction has committed. @publicApi */
export type AfterCommitWork = () => unknown;

/**
 * The `afterCommit` of one transaction's handlers: work they queue runs, in order, only after the commit (a
 * notification to send, a message to WeChat: nothing that should hold the transaction open or happen if it rolls
 * back), and is dropped if the transaction rolls back. Its failures are logged, never thrown: the transaction is
 * already committed and answered for.
 * @internal
 */
export class AfterCommitQueue {
  private readonly work: AfterCommitWork[] = [];

  constructor(private readonly logger: Logger) {}

  /** What handlers get as `afterCommit`. */
  readonly add = (work: AfterCommitWork): void => {
    this.work.push(work);
  };

  /** Runs the queued work one after another, once the transaction committed. */
  async run(): Promise<void> {
    for (const work of this.work.splice(0)) {
      try {
        await work();
      } catch (error) {
        this.logger.error(`work queued for after the commit failed: ${(error as Error)?.message ?? String(error)}`);
      }
    }
  }
}
