import { INestApplication, Provider } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { AddressInfo, createServer, Server } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { MiniProgramModuleExtras, MiniProgramModuleOptions, MiniProgramPayOptions } from '../../lib';
import {
  SIMULATOR_DEV_APP,
  SIMULATOR_DEV_CERTIFICATES,
  SIMULATOR_DEV_MERCHANT,
  SIMULATOR_DEV_PUSH,
  WeChatSimulator,
} from '../../lib/testing';
import { ConfigStyle, createAppModule } from '../src/app.module';
import { createTestDatabase, TestDatabase } from './database';
import { registerSecret, SuiteLogger } from './log-guard';
import { createPlatformApp, initPlatformApp } from './platform';

export { createTestDatabase, testDbEngine, withTestDatabase } from './database';
export { testPlatform } from './platform';
export type { TestPlatform } from './platform';
export type { TestDatabase, TestDbEngine } from './database';

/** A running fixture host app talking to a running simulator. */
export interface Harness {
  app: INestApplication;
  sim: WeChatSimulator;
  dataSource: DataSource;
  /** The app's database: SQLite in memory, or a database of its own on the engine `TEST_DB` names. */
  database: TestDatabase;
  http: () => ReturnType<typeof request>;
  /** Logs a simulated user in: `wx.login()` in the simulator, then POST login to the app. */
  login(input?: { openId?: string; unionId?: string }): Promise<{ token: string; userId: number; openId: string; sessionKey: string }>;
  /** Closes the app, then drops its database (unless it was passed in) and stops its simulator. */
  close(): Promise<void>;
}

/** Options pointing at the simulator, with short timeouts and retry delays for tests. */
export function simulatorOptions(sim: WeChatSimulator, overrides: Partial<MiniProgramModuleOptions> = {}): MiniProgramModuleOptions {
  return {
    appId: SIMULATOR_DEV_APP.appId,
    appSecret: SIMULATOR_DEV_APP.appSecret,
    apiBaseUrl: sim.url,
    http: { timeoutMs: 1000, retries: 2, retryDelayMs: 5 },
    ...overrides,
  };
}

/** Forces a new stable access token in the simulator, as another system would; returns it. */
export async function forceRefreshInSimulator(sim: WeChatSimulator): Promise<string> {
  const res = await fetch(`${sim.url}/cgi-bin/stable_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'client_credential',
      appid: SIMULATOR_DEV_APP.appId,
      secret: SIMULATOR_DEV_APP.appSecret,
      force_refresh: true,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/**
 * Pay options for the simulator's development merchant, with notifications sent back to an app
 * listening on `port`, the development CA trusted and the merchant's client certificate.
 */
export function simulatorPayOptions(
  sim: WeChatSimulator,
  port: number,
  overrides: Partial<MiniProgramPayOptions> = {},
): MiniProgramPayOptions {
  const base = `http://127.0.0.1:${port}/miniprogram_auth`;
  return {
    mchId: SIMULATOR_DEV_MERCHANT.mchId,
    apiKey: SIMULATOR_DEV_MERCHANT.apiKey,
    notifyUrl: `${base}/wechatPayCallback`,
    refundNotifyUrl: `${base}/wechatRefundCallback`,
    baseUrl: sim.payUrl,
    ca: SIMULATOR_DEV_CERTIFICATES.ca,
    clientCert: { cert: SIMULATOR_DEV_CERTIFICATES.clientCert, key: SIMULATOR_DEV_CERTIFICATES.clientKey },
    ...overrides,
  };
}

/** A port that is free now, so that options can name it before the app listens. */
/** Ports handed out by `freePort`, each held by a listening server until `releasePort` (just before the app listens). */
const heldPorts = new Map<number, Server>();

/**
 * A free loopback port, held (nothing else on the machine can take it) until `releasePort(port)` — `startHarness`
 * releases the port it is given right before the app listens on it. The holding server does not keep the process alive.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.unref();
      heldPorts.set(port, server);
      resolve(port);
    });
  });
}

/** Lets a port from `freePort` go, so that an app can listen on it; a port not held is left as it is. */
export function releasePort(port: number): Promise<void> {
  const server = heldPorts.get(port);
  if (!server) return Promise.resolve();
  heldPorts.delete(port);
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function startHarness(
  settings: {
    options?: Partial<MiniProgramModuleOptions>;
    style?: ConfigStyle;
    extras?: MiniProgramModuleExtras;
    listEntities?: boolean;
    providers?: Provider[];
    sim?: WeChatSimulator;
    /** Listen on this port (the simulator must reach the app for notifications). */
    port?: number;
    /** Nest's `rawBody: true`: request bodies are also kept as bytes (`req.rawBody`). */
    rawBody?: boolean;
    /**
     * The database to use; the caller drops it. By default each harness creates its own with
     * `createTestDatabase()` (the engine `TEST_DB` names) and drops it on `close()`.
     */
    database?: TestDatabase;
  } = {},
): Promise<Harness> {
  const ownSim = !settings.sim;
  const sim = settings.sim ?? new WeChatSimulator();
  const ownDatabase = !settings.database;
  let database: TestDatabase | undefined = settings.database;
  let app: INestApplication | undefined;
  const release = async () => {
    try {
      await app?.close();
    } finally {
      try {
        if (ownDatabase) await database?.drop();
      } finally {
        if (ownSim) await sim.stop();
      }
    }
  };
  try {
    if (ownSim) await sim.start();
    const options = simulatorOptions(sim, settings.options);
    registerSecret(options.appSecret);
    registerSecret(options.pay?.apiKey);
    database ??= await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [
        createAppModule(options, {
          style: settings.style,
          extras: settings.extras,
          listEntities: settings.listEntities,
          providers: settings.providers,
          database,
        }),
      ],
    }).compile();
    app = createPlatformApp(moduleRef, { logger: new SuiteLogger(), rawBody: settings.rawBody ?? false });
    if (settings.port !== undefined) {
      await releasePort(settings.port);
      await app.listen(settings.port, '127.0.0.1');
    } else await initPlatformApp(app);
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
  const server = app.getHttpServer();
  const http = () => request(server);
  return {
    app,
    sim,
    dataSource: app.get<DataSource>(getDataSourceToken()),
    database,
    http,
    async login(input = {}) {
      const wx = sim.login(input);
      const res = await http().post('/miniprogram_auth/login').send({ code: wx.code }).expect(200);
      registerSecret(wx.sessionKey);
      registerSecret(res.body.token);
      return { token: res.body.token, userId: res.body.user_id, openId: wx.openId, sessionKey: wx.sessionKey };
    },
    close: release,
  };
}

/**
 * A harness whose app receives WeChat's message push from its own simulator (retries scaled by `timeScale`), in safe
 * mode with the simulator's development Token and EncodingAESKey: the setup of every spec of a push-driven feature.
 * `close()` also stops the simulator.
 */
export async function startPushHarness(settings: { providers?: Provider[]; timeScale?: number } = {}): Promise<Harness> {
  const sim = new WeChatSimulator({ timeScale: settings.timeScale ?? 0.01 });
  await sim.start();
  try {
    registerSecret(SIMULATOR_DEV_PUSH.token);
    registerSecret(SIMULATOR_DEV_PUSH.encodingAesKey);
    const port = await freePort();
    const h = await startHarness({ options: { push: { ...SIMULATOR_DEV_PUSH } }, port, sim, providers: settings.providers });
    sim.configurePush({ url: `http://127.0.0.1:${port}/miniprogram_auth/wechatPush`, ...SIMULATOR_DEV_PUSH });
    return {
      ...h,
      async close() {
        await h.close();
        await sim.stop();
      },
    };
  } catch (error) {
    await sim.stop();
    throw error;
  }
}
