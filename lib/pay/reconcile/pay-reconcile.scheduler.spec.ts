import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { msUntilBeijing, PayReconcileScheduler } from './pay-reconcile.scheduler';

describe('msUntilBeijing', () => {
  // 2026-03-01 02:00 UTC is 10:00 in Beijing.
  const at = Date.UTC(2026, 2, 1, 2, 0);

  it('waits until the time later the same Beijing day', () => {
    expect(msUntilBeijing('10:30', at)).toBe(30 * 60_000);
  });

  it('waits until the next day when the time has passed or is now', () => {
    expect(msUntilBeijing('09:00', at)).toBe(23 * 3_600_000);
    expect(msUntilBeijing('10:00', at)).toBe(24 * 3_600_000);
  });

  it('crosses the UTC date line as Beijing does', () => {
    // 2026-03-01 17:00 UTC is 01:00 on 2 March in Beijing; 00:30 Beijing is 23.5 hours away.
    expect(msUntilBeijing('00:30', Date.UTC(2026, 2, 1, 17, 0))).toBe(23.5 * 3_600_000);
  });
});

describe('PayReconcileScheduler', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  function setup(schedule: object | undefined, registry?: object) {
    let release: () => void = () => undefined;
    const reconciler = {
      reconcilePending: jest.fn(() => new Promise<void>((resolve) => (release = resolve))),
      reconcileBill: jest.fn(async () => ({ billDate: '2026-03-01', mismatches: [] })),
    };
    const moduleRef = {
      get: jest.fn(() => {
        if (!registry) throw new Error('SchedulerRegistry is not provided');
        return registry;
      }),
    };
    const options = { pay: { reconcile: { minAgeSeconds: 300, batchSize: 100, closeExpiredUnpaid: false, leaseSeconds: 120, schedule } } };
    const scheduler = new PayReconcileScheduler(options as never, reconciler as never, moduleRef as never);
    return { scheduler, reconciler, release: () => release() };
  }

  it('does nothing without a schedule', () => {
    const { scheduler, reconciler } = setup(undefined);
    scheduler.onApplicationBootstrap();
    jest.advanceTimersByTime(10 * 86_400_000);
    expect(reconciler.reconcilePending).not.toHaveBeenCalled();
    expect(reconciler.reconcileBill).not.toHaveBeenCalled();
  });

  it('falls back to its own timers, never overlaps a run, and stops on shutdown', async () => {
    const { scheduler, reconciler, release } = setup({ everySeconds: 60 });
    scheduler.onApplicationBootstrap();
    jest.advanceTimersByTime(60_000);
    expect(reconciler.reconcilePending).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(60_000); // still running: skipped
    expect(reconciler.reconcilePending).toHaveBeenCalledTimes(1);
    release();
    await Promise.resolve();
    await Promise.resolve();
    jest.advanceTimersByTime(60_000);
    expect(reconciler.reconcilePending).toHaveBeenCalledTimes(2);
    scheduler.beforeApplicationShutdown();
    jest.advanceTimersByTime(10 * 60_000);
    expect(reconciler.reconcilePending).toHaveBeenCalledTimes(2);
  });

  it("registers its timers with the host's @nestjs/schedule registry, and removes them on shutdown", async () => {
    const registry = new SchedulerRegistry();
    const { scheduler, reconciler } = setup({ everySeconds: 120, billAt: '10:30' }, registry);
    jest.setSystemTime(Date.UTC(2026, 2, 1, 2, 0)); // 10:00 in Beijing
    scheduler.onApplicationBootstrap();
    expect(registry.getIntervals()).toEqual(['miniprogram-pay-reconcile-pending']);
    expect(registry.getTimeouts()).toEqual(['miniprogram-pay-reconcile-bill']);
    jest.advanceTimersByTime(30 * 60_000);
    expect(reconciler.reconcileBill).toHaveBeenCalledWith(new Date(Date.UTC(2026, 1, 28, 2, 30)));
    expect(reconciler.reconcilePending).toHaveBeenCalled();
    scheduler.beforeApplicationShutdown();
    expect(registry.getIntervals()).toEqual([]);
    expect(registry.getTimeouts()).toEqual([]);
  });
});
