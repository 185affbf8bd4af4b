import fc from 'fast-check';

/** The default seed: fixed, so that every run explores the same inputs and a failure reproduces. */
const DEFAULT_SEED = 20_251_124;

/**
 * The seed of every property in the fuzz specs: `FUZZ_SEED` (an integer) when set, else a fixed default.
 * fast-check prints the seed and the counterexample's path on failure; rerun with
 * `FUZZ_SEED=<seed> npx jest test/fuzz` to reproduce, or set another seed to explore further.
 */
export const FUZZ_SEED = parseSeed(process.env.FUZZ_SEED);

function parseSeed(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_SEED;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, got "${raw}"`);
  return seed | 0;
}

/** Seeds fast-check for the calling spec file (each jest test file has its own module registry). */
export function configureFuzz(): void {
  fc.configureGlobal({ seed: FUZZ_SEED, numRuns: 300 });
}
