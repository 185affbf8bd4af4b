import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SIMULATOR_DEV_APP, WeChatSimulator } from 'nestjs-miniprogram-api/testing';
import { AppModule } from './app.module';
import { loadConfig } from './config';

async function bootstrap(): Promise<void> {
  const logger = new Logger('SampleApp');
  const config = loadConfig();
  let simulator: WeChatSimulator | undefined;
  let wechat: { appId: string; appSecret: string; apiBaseUrl?: string };

  if (config.mode === 'wechat') {
    wechat = { appId: config.appId!, appSecret: config.appSecret! };
  } else if (config.simulatorUrl) {
    wechat = { ...SIMULATOR_DEV_APP, apiBaseUrl: config.simulatorUrl };
  } else {
    simulator = new WeChatSimulator({ port: config.simulatorPort });
    const url = await simulator.start();
    wechat = { ...SIMULATOR_DEV_APP, apiBaseUrl: url };
  }

  const app = await NestFactory.create(AppModule.forConfig(config, wechat));
  await app.listen(config.port, config.host);
  const appUrl = await app.getUrl();
  if (config.mode === 'wechat') {
    logger.log(`App on ${appUrl}, talking to WeChat as ${wechat.appId}`);
  } else {
    logger.log(`App on ${appUrl}, WeChat simulator on ${wechat.apiBaseUrl} (development app ${wechat.appId})`);
  }

  const stop = async () => {
    await app.close();
    await simulator?.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

bootstrap().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
