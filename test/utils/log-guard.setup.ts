import { suiteLogs, suiteSecrets } from './log-guard';

// After every e2e file: nothing the apps logged may contain a secret they were given or handed
// out (AppSecret, API key, session keys, API tokens). The apps of `startHarness` log into
// `suiteLogs` through `SuiteLogger`.
afterAll(() => {
  const leaks: string[] = [];
  for (const line of suiteLogs) {
    for (const secret of suiteSecrets) if (line.includes(secret)) leaks.push(`${line.slice(0, 120)}… contains a secret`);
  }
  suiteLogs.length = 0;
  suiteSecrets.clear();
  expect(leaks).toEqual([]);
});
