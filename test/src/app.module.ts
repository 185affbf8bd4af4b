import { DynamicModule, Injectable, Module, Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  MINI_PROGRAM_ENTITIES,
  MiniProgramModule,
  MiniProgramModuleExtras,
  MiniProgramModuleOptions,
  MiniProgramOptionsFactory,
} from '../../lib';
import type { TestDatabase } from '../utils/database';
import { ProtectedController } from './protected.controller';

/** How the fixture host configures the module. */
export type ConfigStyle = 'forRoot' | 'useFactory' | 'useClass' | 'useExisting';

/** A stand-in for a host's configuration module (like @nestjs/config's ConfigModule). */
@Injectable()
export class HostConfig {
  static options: MiniProgramModuleOptions;
  get(): MiniProgramModuleOptions {
    return HostConfig.options;
  }
}

@Module({ providers: [HostConfig], exports: [HostConfig] })
export class HostConfigModule {}

@Injectable()
export class MiniProgramConfigService implements MiniProgramOptionsFactory {
  constructor(private readonly config: HostConfig) {}
  createMiniProgramOptions(): MiniProgramModuleOptions {
    return this.config.get();
  }
}

@Module({ imports: [HostConfigModule], providers: [MiniProgramConfigService], exports: [MiniProgramConfigService] })
export class ExistingOptionsModule {}

function miniProgram(style: ConfigStyle, options: MiniProgramModuleOptions, extras: MiniProgramModuleExtras): DynamicModule {
  HostConfig.options = options;
  switch (style) {
    case 'forRoot':
      return MiniProgramModule.forRoot({ ...options, ...extras });
    case 'useFactory':
      return MiniProgramModule.forRootAsync({
        imports: [HostConfigModule],
        inject: [HostConfig],
        useFactory: async (config: HostConfig) => config.get(),
        ...extras,
      });
    case 'useClass':
      return MiniProgramModule.forRootAsync({ imports: [HostConfigModule], useClass: MiniProgramConfigService, ...extras });
    case 'useExisting':
      return MiniProgramModule.forRootAsync({ imports: [ExistingOptionsModule], useExisting: MiniProgramConfigService, ...extras });
  }
}

/**
 * The fixture host app: a database with autoLoadEntities (SQLite in memory unless `database` is
 * given, e.g. from `createTestDatabase()`), the module configured in one of the four styles, and
 * a guarded host controller.
 */
export function createAppModule(
  options: MiniProgramModuleOptions,
  {
    style = 'forRoot',
    extras = {},
    listEntities = false,
    providers = [],
    database,
  }: {
    style?: ConfigStyle;
    extras?: MiniProgramModuleExtras;
    listEntities?: boolean;
    providers?: Provider[];
    /** The database to use (created and dropped by the caller); default SQLite in memory. */
    database?: TestDatabase;
  } = {},
): DynamicModule {
  const entities = listEntities ? { entities: MINI_PROGRAM_ENTITIES, autoLoadEntities: false } : { autoLoadEntities: true };
  const connection = database?.options ?? { type: 'better-sqlite3' as const, database: ':memory:', synchronize: true as const };
  @Module({})
  class AppModule {}
  return {
    module: AppModule,
    imports: [TypeOrmModule.forRoot({ ...connection, ...entities, retryAttempts: 0 }), miniProgram(style, options, extras)],
    controllers: [ProtectedController],
    providers,
  };
}
