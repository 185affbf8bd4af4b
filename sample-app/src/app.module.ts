import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MiniProgramModule, MiniProgramModuleOptions } from 'nestjs-miniprogram-api';
import type { SampleConfig } from './config';
import { ConsoleReconcileController } from './console-reconcile.controller';
import { CONSOLE_OPTIONS, ConsoleController } from './console.controller';
import type { ConsoleOptions } from './console.controller';
import { ORDER_MESSAGES_OPTIONS, OrderPaidMessages } from './order-messages';
import type { OrderMessagesOptions } from './order-messages';
import { OrderMoneyController } from './order-money.controller';
import { ORDER_MONEY_OPTIONS, SIMULATOR_PARTNER } from './order-money.options';
import type { OrderMoneyOptions } from './order-money.options';
import { OrderMoneyService } from './order-money.service';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';
import { PickupOrder } from './pickup-order.entity';
import { ProfileController } from './profile.controller';

@Module({})
export class AppModule {
  /**
   * The app for a configuration and the WeChat endpoints it talks to. `config.orderPaidTemplateId` is the template of
   * the "order paid" message (in simulator mode, bootstrap fills in the simulator's).
   */
  static forConfig(config: SampleConfig, wechat: MiniProgramModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        TypeOrmModule.forRoot(config.database),
        TypeOrmModule.forFeature([PickupOrder]),
        MiniProgramModule.forRoot({ ...wechat, isGlobal: true }),
      ],
      controllers: [ProfileController, OrdersController, OrderMoneyController, ConsoleController, ConsoleReconcileController],
      providers: [
        OrdersService,
        OrderPaidMessages,
        OrderMoneyService,
        { provide: ORDER_MONEY_OPTIONS, useValue: orderMoneyOptions(config, wechat) },
        { provide: ORDER_MESSAGES_OPTIONS, useValue: orderMessagesOptions(config, wechat) },
        { provide: CONSOLE_OPTIONS, useValue: consoleOptions(config, wechat) },
      ],
    };
  }
}

/** The browser console runs against the simulator: the WeChat API the app talks to in simulator mode. */
function consoleOptions(config: SampleConfig, wechat: MiniProgramModuleOptions): ConsoleOptions {
  return {
    mode: config.mode,
    appId: wechat.appId,
    simulatorUrl: config.mode === 'simulator' ? wechat.apiBaseUrl : undefined,
    payApiVersion: wechat.pay?.apiVersion === 'v3' ? 'v3' : 'v2',
    orderPaidTemplateId: config.orderPaidTemplateId,
    pay: !!wechat.pay,
  };
}

/**
 * Cash back needs merchant transfers, so API v3; the partner's split is the simulator's (a real merchant adds its own
 * receivers in the merchant platform's terms), so simulator mode with API v3.
 */
function orderMoneyOptions(config: SampleConfig, wechat: MiniProgramModuleOptions): OrderMoneyOptions {
  const transfers = wechat.pay?.apiVersion === 'v3' && !!wechat.pay.v3;
  return { transfers, ...(transfers && config.mode === 'simulator' ? { splitReceiver: SIMULATOR_PARTNER } : {}) };
}

/** With the consent record, users who never accepted the template are skipped without asking WeChat. */
function orderMessagesOptions(config: SampleConfig, wechat: MiniProgramModuleOptions): OrderMessagesOptions {
  return { orderPaidTemplateId: config.orderPaidTemplateId, skipUnlessAccepted: wechat.subscribe?.recordConsent === true };
}
