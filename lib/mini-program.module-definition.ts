import { ConfigurableModuleBuilder, DynamicModule, Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MiniProgramAuthController } from './auth/mini-program-auth.controller';
import { PayNotifyController } from './pay/pay-notify.controller';
import { MiniProgramProfileController } from './profile/profile.controller';
import { MINI_PROGRAM_ENTITIES } from './entities';
import { DEFAULT_PUSH_PATH, DEFAULT_ROUTE_PREFIX } from './mini-program.constants';
import { WeChatPushController } from './push/wechat-push.controller';
import type { MiniProgramModuleExtras, MiniProgramModuleOptions, MiniProgramOptionsFactory } from './interfaces';

const EXTRAS_DEFAULTS: Required<Omit<MiniProgramModuleExtras, 'dataSourceName'>> & Pick<MiniProgramModuleExtras, 'dataSourceName'> = {
  isGlobal: false,
  routePrefix: DEFAULT_ROUTE_PREFIX,
  authController: true,
  payNotifyController: true,
  pushController: true,
  pushPath: DEFAULT_PUSH_PATH,
  dataSourceName: undefined,
};

/**
 * A controller mounted under `prefix`. A subclass per prefix keeps the shared class untouched,
 * so two apps in one process (tests) can use different prefixes.
 * @internal
 */
export function controllerAt<T>(controller: Type<T>, prefix: string): Type<T> {
  const normalized = prefix.replace(/^\/+|\/+$/g, '');
  if (normalized === Reflect.getMetadata(PATH_METADATA, controller)) return controller;
  const prefixed = class extends (controller as Type<object>) {} as Type<T>;
  Object.defineProperty(prefixed, 'name', { value: controller.name });
  Reflect.defineMetadata(PATH_METADATA, normalized, prefixed);
  return prefixed;
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: MINI_PROGRAM_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MiniProgramModuleOptions>({ moduleName: 'MiniProgram' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createMiniProgramOptions' as keyof MiniProgramOptionsFactory)
  .setExtras<MiniProgramModuleExtras>(EXTRAS_DEFAULTS, (definition: DynamicModule, extras: MiniProgramModuleExtras): DynamicModule => {
    // In forRootAsync the builder mixes useFactory/inject/... into `extras`: read only our keys.
    const isGlobal = extras.isGlobal ?? EXTRAS_DEFAULTS.isGlobal;
    const routePrefix = extras.routePrefix ?? EXTRAS_DEFAULTS.routePrefix;
    const controllers = [
      ...((extras.authController ?? EXTRAS_DEFAULTS.authController) ? [controllerAt(MiniProgramAuthController, routePrefix)] : []),
      ...((extras.authController ?? EXTRAS_DEFAULTS.authController) ? [controllerAt(MiniProgramProfileController, routePrefix)] : []),
      ...((extras.payNotifyController ?? EXTRAS_DEFAULTS.payNotifyController) ? [controllerAt(PayNotifyController, routePrefix)] : []),
      ...((extras.pushController ?? EXTRAS_DEFAULTS.pushController)
        ? [controllerAt(WeChatPushController, `${routePrefix}/${extras.pushPath ?? EXTRAS_DEFAULTS.pushPath}`)]
        : []),
    ];
    const feature = TypeOrmModule.forFeature(MINI_PROGRAM_ENTITIES, extras.dataSourceName);
    return {
      ...definition,
      global: isGlobal,
      imports: [...(definition.imports ?? []), feature],
      exports: [...(definition.exports ?? []), feature],
      controllers: [...(definition.controllers ?? []), ...controllers],
    };
  })
  .build();

/** `forRoot` argument: options plus extras. @publicApi */
export type MiniProgramModuleForRootOptions = typeof OPTIONS_TYPE;
/** `forRootAsync` argument. @publicApi */
export type MiniProgramModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
