import { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SIMULATOR_DEV_APP, WeChatSimulator } from 'nestjs-miniprogram-api/testing';
import { AppModule } from './app.module';
import type { SampleConfig } from './config';

/** A started sample app and, in simulator mode without SIMULATOR_URL, its in-process simulator. */
export interface SampleApp {
  app: INestApplication;
  appUrl: string;
  /** The WeChat API the app talks to: the simulator's URL, or WeChat's host. */
  wechatUrl: string;
  appId: string;
  simulator?: WeChatSimulator;
  close(): Promise<void>;
}

/** Starts the simulator (when needed) and the app, both listening. */
export async function startSampleApp(config: SampleConfig, logger?: LoggerService | false): Promise<SampleApp> {
  let simulator: WeChatSimulator | undefined;
  let wechat: { appId: string; appSecret: string; apiBaseUrl?: string };

  if (config.mode === 'wechat') {
    wechat = { appId: config.appId!, appSecret: config.appSecret! };
  } else if (config.simulatorUrl) {
    wechat = { ...SIMULATOR_DEV_APP, apiBaseUrl: config.simulatorUrl };
  } else {
    simulator = new WeChatSimulator({ port: config.simulatorPort, host: config.host });
    wechat = { ...SIMULATOR_DEV_APP, apiBaseUrl: await simulator.start() };
  }

  try {
    const app = await NestFactory.create(AppModule.forConfig(config, wechat), logger === undefined ? {} : { logger });
    await app.listen(config.port, config.host);
    const appUrl = (await app.getUrl()).replace('[::1]', 'localhost');
    return {
      app,
      appUrl,
      wechatUrl: wechat.apiBaseUrl ?? 'https://api.weixin.qq.com',
      appId: wechat.appId,
      simulator,
      async close() {
        await app.close();
        await simulator?.stop();
      },
    };
  } catch (error) {
    await simulator?.stop();
    throw error;
  }
}
