import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MiniProgramModule, MiniProgramModuleOptions } from 'nestjs-miniprogram-api';
import type { SampleConfig } from './config';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';
import { PickupOrder } from './pickup-order.entity';
import { ProfileController } from './profile.controller';

@Module({})
export class AppModule {
  /** The app for a configuration and the WeChat endpoints it talks to. */
  static forConfig(config: SampleConfig, wechat: MiniProgramModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(config.database),
        TypeOrmModule.forFeature([PickupOrder]),
        MiniProgramModule.forRoot({ ...wechat, isGlobal: true }),
      ],
      controllers: [ProfileController, OrdersController],
      providers: [OrdersService],
    };
  }
}
