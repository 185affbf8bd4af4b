import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MiniProgramModule } from 'nestjs-miniprogram-api';
import type { SampleConfig } from './config';
import { ProfileController } from './profile.controller';

@Module({})
export class AppModule {
  /** The app for a configuration and the WeChat base URL it talks to. */
  static forConfig(config: SampleConfig, wechat: { appId: string; appSecret: string; apiBaseUrl?: string }): DynamicModule {
    return {
      module: AppModule,
      imports: [TypeOrmModule.forRoot(config.database), MiniProgramModule.forRoot({ ...wechat, isGlobal: true })],
      controllers: [ProfileController],
    };
  }
}
