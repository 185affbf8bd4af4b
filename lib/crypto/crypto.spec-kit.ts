/**
 * The error of class `ErrorClass` that `run` throws, for the specs to check its reason and that it leaks no secret.
 * Anything else thrown is rethrown, and nothing thrown fails the test.
 */
export function thrown<E extends Error>(ErrorClass: new (...args: never[]) => E, run: () => unknown): E {
  try {
    run();
  } catch (err) {
    if (err instanceof ErrorClass) return err;
    throw err;
  }
  throw new Error(`expected a ${ErrorClass.name}, but nothing was thrown`);
}
