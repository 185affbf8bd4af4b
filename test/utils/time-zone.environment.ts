import type { EnvironmentContext, JestEnvironmentConfig } from '@jest/environment';
import { TestEnvironment } from 'jest-environment-node';

/**
 * Jest's Node environment, with the worker process's time zone switched for one test file (a
 * test cannot do it itself: it only sees a copy of `process.env`). In the file's docblock:
 *
 * ```
 * @jest-environment ./test/utils/time-zone.environment.ts
 * @jest-environment-options {"timeZone": "America/New_York"}
 * ```
 *
 * The previous zone is restored when the file is done (workers run one file at a time).
 */
export default class TimeZoneEnvironment extends TestEnvironment {
  private readonly previousTimeZone: string | undefined;

  constructor(config: JestEnvironmentConfig, context: EnvironmentContext) {
    super(config, context);
    const timeZone = config.projectConfig.testEnvironmentOptions.timeZone;
    if (typeof timeZone !== 'string' || !timeZone) throw new Error('time-zone.environment: set testEnvironmentOptions.timeZone');
    this.previousTimeZone = process.env.TZ;
    process.env.TZ = timeZone; // Node resets its time zone cache when TZ is assigned
  }

  override async teardown(): Promise<void> {
    if (this.previousTimeZone === undefined) delete process.env.TZ;
    else process.env.TZ = this.previousTimeZone;
    await super.teardown();
  }
}
