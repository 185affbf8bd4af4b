// Dates are UTC instants everywhere; node-postgres reads `timestamp` columns in the process's zone.
process.env.TZ ??= 'UTC';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startSampleApp } from './bootstrap';
import { loadConfig } from './config';

async function main(): Promise<void> {
  const logger = new Logger('SampleApp');
  const config = loadConfig();
  const sample = await startSampleApp(config);
  if (config.mode === 'wechat') {
    logger.log(`App on ${sample.appUrl}, talking to WeChat as ${sample.appId}`);
  } else {
    logger.log(`App on ${sample.appUrl}, WeChat simulator on ${sample.wechatUrl} (development app ${sample.appId})`);
  }
  const stop = () => {
    sample.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
