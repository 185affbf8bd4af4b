import type { MiniProgramOptionsProblem } from '../errors/mini-program-options.error';
import type { MiniProgramShippingOptions, ResolvedShippingOptions } from '../interfaces';

/** The defaults of `shipping`. */
export const SHIPPING_DEFAULTS = { sweepIntervalMs: 30_000, retryDelayMs: 5_000, maxAttempts: 50 } as const;

const KNOWN = new Set(['autoUpload', 'sweepIntervalMs', 'retryDelayMs', 'maxAttempts']);
const KNOWN_AUTO_UPLOAD = new Set(['logisticsType', 'itemDesc', 'when']);

/**
 * Validates `shipping` (its functions are live values, so it is checked here rather than by the class-validator
 * schema) and fills in its defaults.
 * @internal
 */
export function resolveShippingOptions(
  shipping: MiniProgramShippingOptions | undefined,
  problems: MiniProgramOptionsProblem[],
): ResolvedShippingOptions | undefined {
  if (shipping === undefined) return undefined;
  const add = (key: string, message: string) => problems.push({ key, messages: [message] });
  if (shipping === null || typeof shipping !== 'object') {
    add('shipping', 'shipping must be an object');
    return undefined;
  }
  for (const key of Object.keys(shipping)) if (!KNOWN.has(key)) add(`shipping.${key}`, `property ${key} should not exist`);
  const integer = (key: 'sweepIntervalMs' | 'retryDelayMs' | 'maxAttempts', min: number, max: number) => {
    const value = shipping[key];
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      add(`shipping.${key}`, `shipping.${key} must be an integer from ${min} to ${max}`);
    }
  };
  integer('sweepIntervalMs', 10, 3_600_000);
  integer('retryDelayMs', 10, 3_600_000);
  integer('maxAttempts', 1, 1000);
  const auto = shipping.autoUpload;
  if (auto !== undefined) {
    if (auto === null || typeof auto !== 'object')
      add('shipping.autoUpload', 'shipping.autoUpload must be an object with logisticsType 3 or 4');
    else {
      for (const key of Object.keys(auto))
        if (!KNOWN_AUTO_UPLOAD.has(key)) add(`shipping.autoUpload.${key}`, `property ${key} should not exist`);
      if (auto.logisticsType !== 3 && auto.logisticsType !== 4) {
        add(
          'shipping.autoUpload.logisticsType',
          'shipping.autoUpload.logisticsType must be 3 (virtual goods) or 4 (self-pickup): the types that need no tracking number',
        );
      }
      const desc = auto.itemDesc;
      if (desc !== undefined && typeof desc !== 'function' && (typeof desc !== 'string' || desc.trim() === '' || [...desc].length > 120)) {
        add(
          'shipping.autoUpload.itemDesc',
          'shipping.autoUpload.itemDesc must be a function of the order or a non-empty string of at most 120 characters',
        );
      }
      if (auto.when !== undefined && typeof auto.when !== 'function')
        add('shipping.autoUpload.when', 'shipping.autoUpload.when must be a function of the order');
    }
  }
  return {
    autoUpload: auto ?? undefined,
    sweepIntervalMs: shipping.sweepIntervalMs ?? SHIPPING_DEFAULTS.sweepIntervalMs,
    retryDelayMs: shipping.retryDelayMs ?? SHIPPING_DEFAULTS.retryDelayMs,
    maxAttempts: shipping.maxAttempts ?? SHIPPING_DEFAULTS.maxAttempts,
  };
}
