import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ResolvedMiniProgramOptions } from '../../interfaces';
import { MINI_PROGRAM_OPTIONS } from '../../mini-program.constants';
import { PayReconciler } from './pay-reconciler.service';

/** The part of `@nestjs/schedule`'s `SchedulerRegistry` used here. */
interface SchedulerRegistryLike {
  addInterval(name: string, interval: NodeJS.Timeout): void;
  deleteInterval(name: string): void;
  addTimeout(name: string, timeout: NodeJS.Timeout): void;
  deleteTimeout(name: string): void;
}

const PENDING_NAME = 'miniprogram-pay-reconcile-pending';
const BILL_NAME = 'miniprogram-pay-reconcile-bill';
const BEIJING_MS = 8 * 3_600_000;
const DAY_MS = 86_400_000;

/**
 * `@nestjs/schedule`'s `SchedulerRegistry` when the host has the package (an optional peer) and imported its
 * `ScheduleModule`; it is looked for at run time only.
 */
function schedulerRegistry(moduleRef: ModuleRef): SchedulerRegistryLike | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const schedule = require('@nestjs/schedule') as { SchedulerRegistry?: new (...args: never[]) => SchedulerRegistryLike };
    if (!schedule.SchedulerRegistry) return undefined;
    return moduleRef.get(schedule.SchedulerRegistry, { strict: false });
  } catch {
    return undefined;
  }
}

/** Milliseconds from `now` to the next Beijing `HH:mm`. @internal */
export function msUntilBeijing(clock: string, now: number): number {
  const [h, m] = clock.split(':').map(Number);
  const beijingNow = now + BEIJING_MS;
  const todayAt = Math.floor(beijingNow / DAY_MS) * DAY_MS + (h * 60 + m) * 60_000;
  return (todayAt > beijingNow ? todayAt : todayAt + DAY_MS) - beijingNow;
}

/**
 * Runs the reconciler by itself when `pay.reconcile.schedule` asks for it: `reconcilePending()` every `everySeconds`,
 * `reconcileBill(yesterday)` every day at `billAt` (Beijing time). The timers are registered with `@nestjs/schedule`'s
 * `SchedulerRegistry` when the host has it (so they are listed and managed with the host's jobs), else they are plain
 * timers that do not keep the process alive. Shutdown stops them and waits for a run in progress (the reconciler's own
 * shutdown hook). A run never overlaps the previous run of the same kind on this instance.
 * @internal
 */
@Injectable()
export class PayReconcileScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('MiniProgram');
  private registry: SchedulerRegistryLike | undefined;
  private interval: NodeJS.Timeout | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private pendingRunning = false;
  private stopped = false;

  constructor(
    @Inject(MINI_PROGRAM_OPTIONS) private readonly options: ResolvedMiniProgramOptions,
    private readonly reconciler: PayReconciler,
    private readonly moduleRef: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    const schedule = this.options.pay?.reconcile.schedule;
    if (!schedule || (schedule.everySeconds === undefined && schedule.billAt === undefined)) return;
    this.registry = schedulerRegistry(this.moduleRef);
    if (schedule.everySeconds !== undefined) {
      this.interval = setInterval(() => this.runPending(), schedule.everySeconds * 1000);
      this.interval.unref();
      this.registry?.addInterval(PENDING_NAME, this.interval);
    }
    if (schedule.billAt !== undefined) this.armBill(schedule.billAt);
    this.logger.log(`pay reconciliation scheduled${this.registry ? ' with @nestjs/schedule' : ''}`);
  }

  beforeApplicationShutdown(): void {
    this.stopped = true;
    if (this.interval) {
      clearInterval(this.interval);
      if (this.registry) this.forget(() => this.registry?.deleteInterval(PENDING_NAME));
    }
    if (this.timeout) {
      clearTimeout(this.timeout);
      if (this.registry) this.forget(() => this.registry?.deleteTimeout(BILL_NAME));
    }
  }

  private runPending(): void {
    if (this.stopped || this.pendingRunning) return;
    this.pendingRunning = true;
    this.reconciler
      .reconcilePending()
      .catch((error: Error) => this.logger.warn(`scheduled reconciliation failed: ${error.message}`))
      .finally(() => (this.pendingRunning = false));
  }

  private armBill(clock: string): void {
    if (this.stopped) return;
    if (this.timeout && this.registry) this.forget(() => this.registry?.deleteTimeout(BILL_NAME));
    this.timeout = setTimeout(
      () => {
        const yesterday = new Date(Date.now() - DAY_MS);
        this.reconciler
          .reconcileBill(yesterday)
          .then((report) => this.logger.log(`bill ${report.billDate} reconciled: ${report.mismatches.length} mismatch(es)`))
          .catch((error: Error) => this.logger.warn(`scheduled bill reconciliation failed: ${error.message}`))
          .finally(() => this.armBill(clock));
      },
      msUntilBeijing(clock, Date.now()),
    );
    this.timeout.unref();
    this.registry?.addTimeout(BILL_NAME, this.timeout);
  }

  private forget(remove: () => void): void {
    try {
      remove();
    } catch {
      // Already gone from the registry.
    }
  }
}
