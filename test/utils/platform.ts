import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import type { NestFactoryStatic } from '@nestjs/core/nest-factory';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { TestingModule } from '@nestjs/testing';

/**
 * The Nest HTTP platforms the e2e suite runs on. `TEST_PLATFORM` chooses one (default `express`); CI runs the
 * suite on both.
 */
export type TestPlatform = 'express' | 'fastify';

export const TEST_PLATFORMS: readonly TestPlatform[] = ['express', 'fastify'];

/** The platform `TEST_PLATFORM` selects; throws for anything else than the two known ones. */
export function testPlatform(env: NodeJS.ProcessEnv = process.env): TestPlatform {
  const value = (env.TEST_PLATFORM ?? '').trim().toLowerCase() || 'express';
  if (!(TEST_PLATFORMS as readonly string[]).includes(value)) {
    throw new Error(`TEST_PLATFORM=${env.TEST_PLATFORM} is not one of ${TEST_PLATFORMS.join(', ')}`);
  }
  return value as TestPlatform;
}

/** A Nest application of a compiled testing module on the chosen platform (not yet initialised). */
export function createPlatformApp(
  moduleRef: TestingModule,
  options: NestApplicationOptions = {},
  platform: TestPlatform = testPlatform(),
): INestApplication {
  return platform === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter(), options) : moduleRef.createNestApplication(options);
}

/** `NestFactory.create` on the chosen platform, as a host's `main.ts` would call it. */
export function createPlatformAppFromFactory(
  factory: NestFactoryStatic,
  module: Parameters<NestFactoryStatic['create']>[0],
  options: NestApplicationOptions = {},
  platform: TestPlatform = testPlatform(),
): Promise<INestApplication> {
  return platform === 'fastify' ? factory.create(module, new FastifyAdapter(), options) : factory.create(module, options);
}

/**
 * Initialises an app without listening. Fastify answers requests (supertest, inject) only once its plugins have
 * loaded, which `listen()` does by itself and `init()` does not.
 */
export async function initPlatformApp(app: INestApplication): Promise<void> {
  await app.init();
  const instance = app.getHttpAdapter().getInstance() as { ready?: () => PromiseLike<unknown> };
  if (app.getHttpAdapter().getType() === 'fastify') await instance.ready?.();
}

/**
 * The sample app's environment for a test: the chosen platform and ephemeral ports for the app and its in-process
 * simulator (never a fixed port), plus `extra`.
 */
export function sampleAppEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HTTP_PLATFORM: testPlatform(), PORT: '0', SIMULATOR_PORT: '0', SIMULATOR_PAY_PORT: '0', ...extra };
}
