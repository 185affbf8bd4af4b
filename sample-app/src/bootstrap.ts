import { INestApplication, Logger, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { LocalDirectoryAvatarStore, RedisAccessTokenStore } from 'nestjs-miniprogram-api';
import type { MiniProgramModuleOptions, MiniProgramPayOptions, MiniProgramPushOptions } from 'nestjs-miniprogram-api';
import {
  SIMULATOR_DEV_APP,
  SIMULATOR_DEV_CERTIFICATES,
  SIMULATOR_DEV_MERCHANT,
  SIMULATOR_DEV_PUSH,
  SIMULATOR_DEV_V3,
  simulatorDevV3Options,
  WeChatSimulator,
} from 'nestjs-miniprogram-api/testing';
import { AppModule } from './app.module';
import type { SampleConfig } from './config';
import { setupOpenApi } from './openapi';

/** The app's side of the simulator's message push: its development Token and EncodingAESKey (safe mode), JSON. */
const SIMULATOR_PUSH: MiniProgramPushOptions = { ...SIMULATOR_DEV_PUSH, format: 'json' };

/** The title of the simulator's one-time template that the "order paid" message uses by default. */
const ORDER_PAID_TITLE = '付款成功通知';

/** A started sample app and, in simulator mode without SIMULATOR_URL, its in-process simulator. */
export interface SampleApp {
  app: INestApplication;
  appUrl: string;
  /** The WeChat API the app talks to: the simulator's URL, or WeChat's host. */
  wechatUrl: string;
  /** The WeChat Pay API it talks to. */
  payUrl?: string;
  appId: string;
  /** The WeChat Pay API the orders go through. */
  payApiVersion: 'v2' | 'v3';
  simulator?: WeChatSimulator;
  close(): Promise<void>;
}

/**
 * A free port for PORT=0, held until `release()`: the notify URL must name the port before the app listens, and
 * nothing else (the simulator starting meanwhile, another process) may take it in between.
 */
function reservePort(host: string): Promise<{ port: number; release: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.unref(); // a start that fails before the release must not keep the process alive
      let released: Promise<void> | undefined;
      const release = () => (released ??= new Promise<void>((done) => server.close(() => done())));
      resolve({ port, release });
    });
  });
}

/**
 * The reconciler, run by the module: every 5 minutes the payments, refunds and transfers left pending for 5 minutes
 * or more are asked for at WeChat (a lost notification), and every day at 10:30 Beijing time yesterday's trade bill is
 * compared with the database (docs/reconciliation.md). The console runs both at once with `POST /console/reconcile`.
 */
export const SAMPLE_RECONCILE: NonNullable<MiniProgramPayOptions['reconcile']> = {
  minAgeSeconds: 300,
  schedule: { everySeconds: 300, billAt: '10:30' },
};

/**
 * The development merchant of the simulator, paying back to this app. With API v3 its v3 credentials are added
 * (notifications then go to `wechatPayV3Callback`); in the simulator's `certificate` mode without the WeChat Pay public
 * key, so that the app downloads the platform certificates.
 */
function simulatorPay(appBase: string, payUrl: string, config: SampleConfig): MiniProgramPayOptions {
  const v2: MiniProgramPayOptions = {
    mchId: SIMULATOR_DEV_MERCHANT.mchId,
    apiKey: SIMULATOR_DEV_MERCHANT.apiKey,
    notifyUrl: `${appBase}/miniprogram_auth/wechatPayCallback`,
    refundNotifyUrl: `${appBase}/miniprogram_auth/wechatRefundCallback`,
    baseUrl: payUrl,
    ca: SIMULATOR_DEV_CERTIFICATES.ca,
    clientCert: { cert: SIMULATOR_DEV_CERTIFICATES.clientCert, key: SIMULATOR_DEV_CERTIFICATES.clientKey },
    reconcile: SAMPLE_RECONCILE,
  };
  if (config.payApiVersion !== 'v3') return v2;
  return {
    ...v2,
    apiVersion: 'v3',
    // One merchant API certificate (apiclient_cert.pem) serves both APIs: the v2 client certificate is the v3 key's.
    clientCert: { cert: SIMULATOR_DEV_V3.merchantCertificate, key: SIMULATOR_DEV_V3.merchantPrivateKey },
    v3: simulatorDevV3Options(config.simulatorPayV3Mode),
  };
}

function realPay(pay: NonNullable<SampleConfig['pay']>, apiVersion: SampleConfig['payApiVersion']): MiniProgramPayOptions {
  const clientCert = pay.pfxPath
    ? { pfx: readFileSync(pay.pfxPath) }
    : pay.certPath && pay.keyPath
      ? { cert: readFileSync(pay.certPath, 'utf8'), key: readFileSync(pay.keyPath, 'utf8') }
      : undefined;
  const v2: MiniProgramPayOptions = {
    mchId: pay.mchId,
    apiKey: pay.apiKey,
    notifyUrl: pay.notifyUrl,
    refundNotifyUrl: pay.refundNotifyUrl,
    clientCert,
    reconcile: SAMPLE_RECONCILE,
  };
  if (apiVersion !== 'v3' || !pay.v3) return v2;
  const { apiV3Key, privateKeyPath, serialNo, publicKeyPath, publicKeyId } = pay.v3;
  return {
    ...v2,
    apiVersion: 'v3',
    v3: {
      apiV3Key,
      merchantPrivateKey: readFileSync(privateKeyPath),
      merchantSerialNo: serialNo,
      ...(publicKeyPath ? { wechatPayPublicKey: readFileSync(publicKeyPath), wechatPayPublicKeyId: publicKeyId } : {}),
    },
  };
}

/**
 * What message push makes possible, configured with it: paid pickup orders uploaded as self-pickup (WeChat freezes the
 * money until it has the shipping info and the receipt is confirmed), completed by the settlement push; and the consent
 * record of the subscribe pop-up. Neither without push: no settlement push would ever complete an uploaded order, and
 * the consent record would stay empty (the module refuses `recordConsent` without `push`). The upload also needs WeChat
 * Pay (without it there are no paid orders, and the module refuses `autoUpload`).
 */
function withPush(push: MiniProgramPushOptions, pay: boolean): Pick<MiniProgramModuleOptions, 'push' | 'shipping' | 'subscribe'> {
  return {
    push,
    // The pickup order's description (the PayOrder's body), as WeChat's examples write goods: name*count.
    ...(pay ? { shipping: { autoUpload: { logisticsType: 4, itemDesc: (order) => `${order.body}*1` } } } : {}),
    subscribe: { recordConsent: true },
  };
}

/** A control call of a simulator in another process (`SIMULATOR_URL`); its JSON answer. */
async function simulatorCall(base: string, method: 'GET' | 'POST', call: string, body?: object): Promise<Record<string, unknown>> {
  const url = `${base.replace(/\/+$/, '')}/__sim/${call}`;
  let res: globalThis.Response;
  try {
    res = await fetch(url, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new Error(`The simulator at ${base} did not answer ${method} /__sim/${call} (start it first): ${(error as Error).message}`);
  }
  const answer = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) throw new SimulatorRefusal(`${method} /__sim/${call}: ${res.status} ${String(answer.error ?? '')}`.trim());
  return answer;
}

/** The simulator refused a control call (as opposed to not answering at all). */
class SimulatorRefusal extends Error {}

/**
 * Points the simulator's message push for the development app at this app's push route, in safe mode. The simulator
 * pushes to loopback addresses only: an app listening elsewhere gets no pushes, which is a warning rather than fatal.
 * A shared simulator that does not answer at all is fatal: the app cannot work without it.
 * @returns the warning, if any
 */
async function pointSimulatorPush(url: string, simulator: WeChatSimulator | undefined, simulatorUrl: string): Promise<string | undefined> {
  const push = {
    url,
    token: SIMULATOR_DEV_PUSH.token,
    encodingAesKey: SIMULATOR_DEV_PUSH.encodingAesKey,
    format: 'json',
    mode: 'safe',
  } as const;
  try {
    if (simulator) simulator.configurePush(push, SIMULATOR_DEV_APP.appId);
    else await simulatorCall(simulatorUrl, 'POST', 'pushConfig', { appId: SIMULATOR_DEV_APP.appId, ...push });
    return undefined;
  } catch (error) {
    if (!simulator && !(error instanceof SimulatorRefusal)) throw error;
    return `the simulator does not push to ${url} (${(error as Error).message}): no shipping or subscribe pushes reach this app`;
  }
}

/** The development app's "order paid" template in the simulator (`付款成功通知`, one of the templates each app starts with). */
async function simulatorOrderPaidTemplate(simulator: WeChatSimulator | undefined, simulatorUrl: string): Promise<string | undefined> {
  const templates = simulator
    ? simulator.subscribeTemplates(SIMULATOR_DEV_APP.appId)
    : ((await simulatorCall(simulatorUrl, 'GET', `subscribeTemplates?appId=${SIMULATOR_DEV_APP.appId}`)).templates as Array<{
        templateId: string;
        title: string;
      }>);
  return templates.find((template) => template.title === ORDER_PAID_TITLE)?.templateId;
}

/**
 * Fastify's adapter, loaded only when chosen (`HTTP_PLATFORM=fastify`): an Express host needs none of Fastify's
 * packages. Fastify's default body limit (1 MiB) is Express's too for this app's JSON.
 */
function fastifyAdapter() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand (an import() would be ESM here)
  const { FastifyAdapter } = require('@nestjs/platform-fastify') as typeof import('@nestjs/platform-fastify');
  return new FastifyAdapter();
}

/** The URL path the avatar directory is served at. */
const AVATARS_PATH = '/avatars/';
/** The names LocalDirectoryAvatarStore gives files, and their types. */
const AVATAR_NAME = /^[0-9a-f]{64}\.(png|jpg|gif|webp)$/;
const AVATAR_TYPES: Record<string, string> = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };

/**
 * Serves the avatar directory at `/avatars/`: Express's static files, or `@fastify/static` (which Swagger UI's assets
 * use too, hence `decorateReply: false`). The files are the store's, named by random bytes and the type sniffed from
 * their bytes; `nosniff` keeps browsers to that type.
 */
function serveAvatars(app: INestApplication, platform: SampleConfig['platform'], directory: string): void {
  if (platform === 'fastify') {
    // A route of its own rather than @fastify/static, which answers 500 when a file goes between its stat and its
    // read (a withdrawn avatar is removed at any moment): here a file that is not there is a 404.
    const fastify = (app as NestFastifyApplication).getHttpAdapter().getInstance();
    fastify.get(`${AVATARS_PATH}:name`, async (request, reply) => {
      const { name } = request.params as { name: string };
      const type = AVATAR_NAME.exec(name) ? AVATAR_TYPES[name.slice(name.lastIndexOf('.') + 1)] : undefined;
      const body = type ? await readFile(join(directory, name)).catch(() => undefined) : undefined;
      if (!type || !body) return reply.code(404).send({ statusCode: 404, message: 'Not Found' });
      return reply.header('content-type', type).header('x-content-type-options', 'nosniff').send(body);
    });
  } else {
    (app as NestExpressApplication).useStaticAssets(directory, {
      prefix: AVATARS_PATH,
      index: false,
      setHeaders: (res) => res.setHeader('X-Content-Type-Options', 'nosniff'),
    });
  }
}

/** Starts the simulator (when needed) and the app, both listening. */
export async function startSampleApp(config: SampleConfig, logger?: LoggerService | false): Promise<SampleApp> {
  const reserved = config.port === 0 ? await reservePort(config.host) : undefined;
  const port = reserved?.port ?? config.port;
  const appBase = `http://${config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  let simulator: WeChatSimulator | undefined;
  let wechat: MiniProgramModuleOptions;
  let orderPaidTemplateId = config.orderPaidTemplateId;
  const warnings: string[] = [];
  /** The avatars of `POST /miniprogram_auth/profile`: served at /avatars/; in simulator mode a directory of this run's. */
  let avatars = config.avatars;
  let temporaryAvatars: string | undefined;

  if (config.mode === 'wechat') {
    wechat = {
      appId: config.appId!,
      appSecret: config.appSecret!,
      ...(config.pay ? { pay: realPay(config.pay, config.payApiVersion) } : {}),
      ...(config.push ? withPush(config.push, !!config.pay) : {}),
    };
  } else {
    let apiBaseUrl: string;
    let pay: MiniProgramPayOptions | undefined;
    if (config.simulatorUrl) {
      apiBaseUrl = config.simulatorUrl;
      pay = config.simulatorPayUrl ? simulatorPay(appBase, config.simulatorPayUrl, config) : undefined;
    } else {
      simulator = new WeChatSimulator({
        port: config.simulatorPort,
        payPort: config.simulatorPayPort,
        host: config.host,
        ...(config.simulatorPayV3Mode ? { payV3Mode: config.simulatorPayV3Mode } : {}),
      });
      apiBaseUrl = await simulator.start();
      pay = simulatorPay(appBase, simulator.payUrl, config);
    }
    wechat = { ...SIMULATOR_DEV_APP, apiBaseUrl, ...(pay ? { pay } : {}), ...withPush(SIMULATOR_PUSH, !!pay) };
    try {
      // A shared simulator pushes to the app instance that started last; the instances share the database anyway.
      const pushWarning = await pointSimulatorPush(`${appBase}/miniprogram_auth/wechatPush`, simulator, apiBaseUrl);
      if (pushWarning) warnings.push(pushWarning);
      orderPaidTemplateId ??= await simulatorOrderPaidTemplate(simulator, apiBaseUrl);
      if (!orderPaidTemplateId) warnings.push(`the simulator has no ${ORDER_PAID_TITLE} template: no "order paid" messages are sent`);
    } catch (error) {
      await reserved?.release();
      await simulator?.stop();
      throw error;
    }
  }
  if (config.mode === 'simulator') {
    temporaryAvatars = mkdtempSync(join(tmpdir(), 'sample-avatars-'));
    avatars = { directory: temporaryAvatars, baseUrl: `${appBase}/avatars` };
  }
  if (avatars) wechat = { ...wechat, profile: { avatarStore: new LocalDirectoryAvatarStore(avatars.directory, avatars.baseUrl) } };

  const redis = config.redisUrl ? new Redis(config.redisUrl) : undefined;
  if (redis) wechat = { ...wechat, accessTokenStore: new RedisAccessTokenStore(redis, { prefix: 'sample:' }) };

  try {
    // rawBody: WeChat Pay v3 notifications are verified over the exact bytes WeChat sent.
    const options = logger === undefined ? { rawBody: true } : { rawBody: true, logger };
    const module = AppModule.forConfig({ ...config, orderPaidTemplateId }, wechat);
    const app =
      config.platform === 'fastify'
        ? await NestFactory.create(module, fastifyAdapter(), options)
        : await NestFactory.create(module, options);
    for (const warning of warnings) new Logger('SampleApp').warn(warning);
    try {
      setupOpenApi(app); // Swagger UI at /docs
      if (avatars) serveAvatars(app, config.platform, avatars.directory);
      await reserved?.release();
      await app.listen(port, config.host);
    } catch (error) {
      await app.close().catch(() => undefined);
      throw error;
    }
    return {
      app,
      appUrl: appBase.replace('127.0.0.1', 'localhost'),
      wechatUrl: wechat.apiBaseUrl ?? 'https://api.weixin.qq.com',
      payUrl: wechat.pay?.baseUrl ?? (wechat.pay ? 'https://api.mch.weixin.qq.com' : undefined),
      appId: wechat.appId,
      payApiVersion: wechat.pay?.apiVersion === 'v3' ? 'v3' : 'v2',
      simulator,
      async close() {
        await app.close();
        redis?.disconnect();
        await simulator?.stop();
        await removeTemporary(temporaryAvatars);
      },
    };
  } catch (error) {
    await reserved?.release();
    redis?.disconnect();
    await simulator?.stop();
    await removeTemporary(temporaryAvatars);
    throw error;
  }
}

/** Removes the simulator mode's avatar directory. */
async function removeTemporary(directory: string | undefined): Promise<void> {
  if (directory) await rm(directory, { recursive: true, force: true });
}
