import { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import Redis from 'ioredis';
import { RedisAccessTokenStore } from 'nestjs-miniprogram-api';
import type { MiniProgramModuleOptions, MiniProgramPayOptions } from 'nestjs-miniprogram-api';
import {
  SIMULATOR_DEV_APP,
  SIMULATOR_DEV_CERTIFICATES,
  SIMULATOR_DEV_MERCHANT,
  SIMULATOR_DEV_V3,
  simulatorDevV3Options,
  WeChatSimulator,
} from 'nestjs-miniprogram-api/testing';
import { AppModule } from './app.module';
import type { SampleConfig } from './config';
import { setupOpenApi } from './openapi';

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
 * Fastify's adapter, loaded only when chosen (`HTTP_PLATFORM=fastify`): an Express host needs none of Fastify's
 * packages. Fastify's default body limit (1 MiB) is Express's too for this app's JSON.
 */
function fastifyAdapter() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand (an import() would be ESM here)
  const { FastifyAdapter } = require('@nestjs/platform-fastify') as typeof import('@nestjs/platform-fastify');
  return new FastifyAdapter();
}

/** Starts the simulator (when needed) and the app, both listening. */
export async function startSampleApp(config: SampleConfig, logger?: LoggerService | false): Promise<SampleApp> {
  const reserved = config.port === 0 ? await reservePort(config.host) : undefined;
  const port = reserved?.port ?? config.port;
  const appBase = `http://${config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  let simulator: WeChatSimulator | undefined;
  let wechat: MiniProgramModuleOptions;

  if (config.mode === 'wechat') {
    wechat = {
      appId: config.appId!,
      appSecret: config.appSecret!,
      ...(config.pay ? { pay: realPay(config.pay, config.payApiVersion) } : {}),
    };
  } else if (config.simulatorUrl) {
    wechat = {
      ...SIMULATOR_DEV_APP,
      apiBaseUrl: config.simulatorUrl,
      ...(config.simulatorPayUrl ? { pay: simulatorPay(appBase, config.simulatorPayUrl, config) } : {}),
    };
  } else {
    simulator = new WeChatSimulator({
      port: config.simulatorPort,
      payPort: config.simulatorPayPort,
      host: config.host,
      ...(config.simulatorPayV3Mode ? { payV3Mode: config.simulatorPayV3Mode } : {}),
    });
    const apiBaseUrl = await simulator.start();
    wechat = { ...SIMULATOR_DEV_APP, apiBaseUrl, pay: simulatorPay(appBase, simulator.payUrl, config) };
  }

  const redis = config.redisUrl ? new Redis(config.redisUrl) : undefined;
  if (redis) wechat = { ...wechat, accessTokenStore: new RedisAccessTokenStore(redis, { prefix: 'sample:' }) };

  try {
    // rawBody: WeChat Pay v3 notifications are verified over the exact bytes WeChat sent.
    const options = logger === undefined ? { rawBody: true } : { rawBody: true, logger };
    const module = AppModule.forConfig(config, wechat);
    const app =
      config.platform === 'fastify'
        ? await NestFactory.create(module, fastifyAdapter(), options)
        : await NestFactory.create(module, options);
    try {
      setupOpenApi(app); // Swagger UI at /docs
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
      },
    };
  } catch (error) {
    await reserved?.release();
    redis?.disconnect();
    await simulator?.stop();
    throw error;
  }
}
