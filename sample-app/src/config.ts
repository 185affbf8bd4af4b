import type { TypeOrmModuleOptions } from '@nestjs/typeorm';

/** The sample app's settings, read from the environment. */
export interface SampleConfig {
  /**
   * The Nest HTTP platform (`HTTP_PLATFORM`: `fastify`, the default, or `express`). Fastify answers the auth routes
   * with about two thirds of Express's CPU per request (see BENCHMARKS.md); the library works the same on both.
   */
  platform: 'express' | 'fastify';
  port: number;
  /** Interface to listen on. Default 127.0.0.1 (HOST=0.0.0.0 to reach it from a phone). */
  host: string;
  /** Real WeChat credentials, or the simulator's development app. */
  mode: 'wechat' | 'simulator';
  appId?: string;
  appSecret?: string;
  /** Port of the in-process simulator (simulator mode without SIMULATOR_URL). */
  simulatorPort: number;
  /** Port of the in-process simulator's pay API (HTTPS). */
  simulatorPayPort: number;
  /** A simulator that is already running (e.g. shared by several app instances). */
  simulatorUrl?: string;
  /** That simulator's pay API. */
  simulatorPayUrl?: string;
  /** Redis for the shared access token (several instances). */
  redisUrl?: string;
  /** Which WeChat Pay API the orders go through (`WECHAT_PAY_API_VERSION`, default `v2`). */
  payApiVersion: 'v2' | 'v3';
  /**
   * How the in-process simulator signs API v3 answers (`SIMULATOR_PAY_V3_MODE`, default `public-key`). In `certificate`
   * mode the app is configured without the WeChat Pay public key, so it downloads the platform certificates.
   */
  simulatorPayV3Mode?: 'public-key' | 'certificate';
  /** WeChat Pay with real credentials (mode 'wechat'); in simulator mode the development merchant is used. */
  pay?: {
    mchId: string;
    /** The API v2 key; optional with API v3. */
    apiKey?: string;
    notifyUrl: string;
    refundNotifyUrl?: string;
    certPath?: string;
    keyPath?: string;
    pfxPath?: string;
    /** API v3 credentials (`WECHAT_PAY_API_VERSION=v3`). */
    v3?: {
      apiV3Key: string;
      privateKeyPath: string;
      serialNo: string;
      /** The WeChat Pay public key (`pub_key.pem`) and its id; without them platform certificates are downloaded. */
      publicKeyPath?: string;
      publicKeyId?: string;
    };
  };
  /**
   * Real WeChat's message push (`WECHAT_PUSH_TOKEN` and `WECHAT_PUSH_AES_KEY`, both or neither): the Token and
   * EncodingAESKey of the mini program's 消息推送 settings, in safe mode. In simulator mode the simulator's development
   * values are used instead.
   */
  push?: { token: string; encodingAesKey: string };
  /**
   * Real WeChat's avatars of `POST /miniprogram_auth/profile` (`AVATAR_DIR` and `AVATAR_BASE_URL`, both or neither;
   * they need push, which brings the verdicts): the directory the app keeps them in and serves at `/avatars/`, and the
   * public URL of that path, which WeChat's content check downloads. Without them avatars are refused. In simulator
   * mode the app keeps them in a temporary directory of its own.
   */
  avatars?: { directory: string; baseUrl: string };
  /**
   * The subscribe template of the "order paid" message (`WECHAT_ORDER_PAID_TEMPLATE_ID`). In simulator mode the
   * simulator's `付款成功通知` by default; with real WeChat no message is sent without it.
   */
  orderPaidTemplateId?: string;
  database: TypeOrmModuleOptions;
}

function port(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${value}"`);
  return n;
}

/**
 * `postgres://…` and `mysql://…` (or `mariadb://…`) URLs select those databases; anything else
 * is a SQLite file path (`sqlite:` prefix optional). Without a URL: SQLite in memory.
 */
export function databaseOptions(url: string | undefined): TypeOrmModuleOptions {
  const common = { autoLoadEntities: true, synchronize: true } as const;
  if (!url) return { type: 'better-sqlite3', database: ':memory:', ...common };
  // UTC sessions (see the README, "Time zones"); main.ts runs the process in UTC for node-postgres.
  if (/^postgres(ql)?:\/\//.test(url)) return { type: 'postgres', url, extra: { options: '-c TimeZone=UTC' }, ...common };
  if (/^(mysql|mariadb):\/\//.test(url)) {
    return { type: 'mysql', url: url.replace(/^mariadb:/, 'mysql:'), timezone: 'Z', charset: 'utf8mb4_bin', ...common };
  }
  // A SQLite file in WAL mode with synchronous=NORMAL: one fsync per checkpoint instead of several
  // per commit, and readers never wait for the writer. A commit survives a crash of the app; only
  // a power cut can lose the last few.
  return {
    type: 'better-sqlite3',
    database: url.replace(/^sqlite:(\/\/)?/, ''),
    enableWAL: true,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
    },
    ...common,
  };
}

function platform(value: string | undefined): SampleConfig['platform'] {
  if (value === undefined || value === '') return 'fastify';
  if (value !== 'express' && value !== 'fastify') throw new Error(`HTTP_PLATFORM must be express or fastify, got "${value}"`);
  return value;
}

function payApiVersion(value: string | undefined): 'v2' | 'v3' {
  if (value === undefined || value === '') return 'v2';
  if (value !== 'v2' && value !== 'v3') throw new Error(`WECHAT_PAY_API_VERSION must be v2 or v3, got "${value}"`);
  return value;
}

function simulatorPayV3Mode(value: string | undefined): SampleConfig['simulatorPayV3Mode'] {
  if (value === undefined || value === '') return undefined;
  if (value !== 'public-key' && value !== 'certificate') {
    throw new Error(`SIMULATOR_PAY_V3_MODE must be public-key or certificate, got "${value}"`);
  }
  return value;
}

/** The API v3 credentials of a real merchant, from the environment. */
function payV3(env: NodeJS.ProcessEnv): NonNullable<SampleConfig['pay']>['v3'] {
  const apiV3Key = env.WECHAT_PAY_V3_KEY || undefined;
  const privateKeyPath = env.WECHAT_PAY_PRIVATE_KEY_PATH || undefined;
  const serialNo = env.WECHAT_PAY_SERIAL_NO || undefined;
  if (!apiV3Key || !privateKeyPath || !serialNo) {
    throw new Error('WECHAT_PAY_API_VERSION=v3 needs WECHAT_PAY_V3_KEY, WECHAT_PAY_PRIVATE_KEY_PATH and WECHAT_PAY_SERIAL_NO.');
  }
  const publicKeyPath = env.WECHAT_PAY_PUBLIC_KEY_PATH || undefined;
  const publicKeyId = env.WECHAT_PAY_PUBLIC_KEY_ID || undefined;
  if (!!publicKeyPath !== !!publicKeyId) {
    throw new Error('Set both WECHAT_PAY_PUBLIC_KEY_PATH and WECHAT_PAY_PUBLIC_KEY_ID, or neither (platform certificates).');
  }
  return { apiV3Key, privateKeyPath, serialNo, publicKeyPath, publicKeyId };
}

/**
 * The message push of a real mini program. Both values or neither: safe mode only, because plaintext mode does not
 * authenticate the body, and the pushes complete orders and record consent here.
 */
function pushSettings(env: NodeJS.ProcessEnv): SampleConfig['push'] {
  const token = env.WECHAT_PUSH_TOKEN || undefined;
  const encodingAesKey = env.WECHAT_PUSH_AES_KEY || undefined;
  if (!!token !== !!encodingAesKey) {
    throw new Error('Set both WECHAT_PUSH_TOKEN and WECHAT_PUSH_AES_KEY (safe mode), or neither (no message push).');
  }
  return token && encodingAesKey ? { token, encodingAesKey } : undefined;
}

/** The avatars of a real mini program: both values or neither, an http(s) base URL, and push for the verdicts. */
function avatarSettings(env: NodeJS.ProcessEnv, push: SampleConfig['push']): SampleConfig['avatars'] {
  const directory = env.AVATAR_DIR || undefined;
  const baseUrl = env.AVATAR_BASE_URL || undefined;
  if (!!directory !== !!baseUrl) throw new Error('Set both AVATAR_DIR and AVATAR_BASE_URL, or neither (no avatars).');
  if (!directory || !baseUrl) return undefined;
  if (!/^https?:\/\/[^/\s]+(\/\S*)?$/i.test(baseUrl)) {
    throw new Error(`AVATAR_BASE_URL must be an http(s) URL (WeChat downloads the avatars from it), got "${baseUrl}"`);
  }
  if (!push) throw new Error("AVATAR_DIR needs WECHAT_PUSH_TOKEN and WECHAT_PUSH_AES_KEY: the avatars' verdicts arrive as pushes.");
  return { directory, baseUrl };
}

/** A template id as WeChat gives them (priTmplId); checked here so that a typo fails at startup, not at each payment. */
function templateId(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(value)) {
    throw new Error(`WECHAT_ORDER_PAID_TEMPLATE_ID must be a template id (letters, digits, _ or -), got "${value}"`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SampleConfig {
  const appId = env.WECHAT_APP_ID || undefined;
  const appSecret = env.WECHAT_APP_SECRET || undefined;
  if (!!appId !== !!appSecret) throw new Error('Set both WECHAT_APP_ID and WECHAT_APP_SECRET, or neither (simulator mode).');
  const version = payApiVersion(env.WECHAT_PAY_API_VERSION);
  const push = appId ? pushSettings(env) : undefined;
  return {
    platform: platform(env.HTTP_PLATFORM),
    port: port(env.PORT, 3000, 'PORT'),
    host: env.HOST || '127.0.0.1',
    mode: appId ? 'wechat' : 'simulator',
    appId,
    appSecret,
    simulatorPort: port(env.SIMULATOR_PORT, 3001, 'SIMULATOR_PORT'),
    simulatorPayPort: port(env.SIMULATOR_PAY_PORT, 3002, 'SIMULATOR_PAY_PORT'),
    simulatorUrl: env.SIMULATOR_URL || undefined,
    simulatorPayUrl: env.SIMULATOR_PAY_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    payApiVersion: version,
    simulatorPayV3Mode: simulatorPayV3Mode(env.SIMULATOR_PAY_V3_MODE),
    pay: env.WECHAT_MCH_ID
      ? {
          mchId: env.WECHAT_MCH_ID,
          // With v3 the v2 key is optional (only the v2-only calls need it).
          apiKey: version === 'v3' ? env.WECHAT_API_KEY || undefined : (env.WECHAT_API_KEY ?? ''),
          notifyUrl: env.WECHAT_NOTIFY_URL ?? '',
          refundNotifyUrl: env.WECHAT_REFUND_NOTIFY_URL || undefined,
          certPath: env.WECHAT_CERT_PATH || undefined,
          keyPath: env.WECHAT_KEY_PATH || undefined,
          pfxPath: env.WECHAT_PFX_PATH || undefined,
          ...(version === 'v3' && appId ? { v3: payV3(env) } : {}),
        }
      : undefined,
    push,
    avatars: appId ? avatarSettings(env, push) : undefined,
    orderPaidTemplateId: templateId(env.WECHAT_ORDER_PAID_TEMPLATE_ID),
    database: databaseOptions(env.DATABASE_URL),
  };
}
