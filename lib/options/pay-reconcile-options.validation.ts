import type { MiniProgramOptionsProblem } from '../errors/mini-program-options.error';
import type { MiniProgramPayReconcileOptions, ResolvedPayReconcileOptions } from '../interfaces';

/** The defaults of `pay.reconcile`. */
export const PAY_RECONCILE_DEFAULTS = { minAgeSeconds: 300, batchSize: 100, closeExpiredUnpaid: false, leaseSeconds: 120 } as const;

const KNOWN = new Set(['minAgeSeconds', 'batchSize', 'closeExpiredUnpaid', 'leaseSeconds', 'schedule']);
const KNOWN_SCHEDULE = new Set(['everySeconds', 'billAt']);
const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * Validates `pay.reconcile` (checked here rather than by the class-validator schema, like `shipping`) and fills in its
 * defaults; absent, the defaults apply.
 * @internal
 */
export function resolvePayReconcileOptions(raw: unknown, problems: MiniProgramOptionsProblem[]): ResolvedPayReconcileOptions {
  const defaults: ResolvedPayReconcileOptions = { ...PAY_RECONCILE_DEFAULTS };
  if (raw === undefined) return defaults;
  const add = (key: string, message: string) => problems.push({ key: `pay.reconcile${key}`, messages: [message] });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    add('', 'pay.reconcile must be an object');
    return defaults;
  }
  const options = raw as MiniProgramPayReconcileOptions & Record<string, unknown>;
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) add(`.${key}`, `property ${key} should not exist`);
  const integer = (value: unknown, key: string, min: number, max: number): void => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)) {
      add(key, `pay.reconcile${key} must be an integer from ${min} to ${max}`);
    }
  };
  integer(options.minAgeSeconds, '.minAgeSeconds', 0, 604_800);
  integer(options.batchSize, '.batchSize', 1, 1000);
  integer(options.leaseSeconds, '.leaseSeconds', 10, 3600);
  if (options.closeExpiredUnpaid !== undefined && typeof options.closeExpiredUnpaid !== 'boolean') {
    add('.closeExpiredUnpaid', 'pay.reconcile.closeExpiredUnpaid must be a boolean');
  }
  const schedule = options.schedule as (Record<string, unknown> & MiniProgramPayReconcileOptions['schedule']) | undefined | null;
  if (schedule !== undefined) {
    if (schedule === null || typeof schedule !== 'object' || Array.isArray(schedule))
      add('.schedule', 'pay.reconcile.schedule must be an object');
    else {
      for (const key of Object.keys(schedule)) if (!KNOWN_SCHEDULE.has(key)) add(`.schedule.${key}`, `property ${key} should not exist`);
      integer(schedule.everySeconds, '.schedule.everySeconds', 60, 86_400);
      if (schedule.billAt !== undefined && (typeof schedule.billAt !== 'string' || !CLOCK.test(schedule.billAt))) {
        add('.schedule.billAt', 'pay.reconcile.schedule.billAt must be a Beijing time of day as HH:mm, e.g. 10:30');
      }
    }
  }
  return {
    minAgeSeconds: options.minAgeSeconds ?? defaults.minAgeSeconds,
    batchSize: options.batchSize ?? defaults.batchSize,
    closeExpiredUnpaid: options.closeExpiredUnpaid ?? defaults.closeExpiredUnpaid,
    leaseSeconds: options.leaseSeconds ?? defaults.leaseSeconds,
    ...(schedule && typeof schedule === 'object' ? { schedule: { ...schedule } } : {}),
  };
}
