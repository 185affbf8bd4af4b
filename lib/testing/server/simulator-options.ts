import type { PayConfig } from '../pay/pay-state';
import { isOriginalId } from '../push/push-config';
import type { SimPayV3Mode } from '../pay-v3/pay-v3.interfaces';
import {
  DEFAULT_ACCESS_TOKEN_TTL_SECONDS,
  DEFAULT_CODE_TTL_SECONDS,
  DEFAULT_REFUND_DELAY_MS,
  PREPAY_TTL_MS,
  SIMULATOR_DEFAULT_HOST,
  SIMULATOR_DEV_APP,
  SIMULATOR_DEV_MERCHANT,
} from './simulator.constants';
import type { SimulatorConfig } from './simulator-state';
import type { SimulatorApp, WeChatSimulatorOptions } from './simulator.interfaces';

/** Where the two servers listen, already checked. @internal */
export interface SimulatorListenConfig {
  port: number;
  payPort: number;
  host: string;
}

/**
 * The ports and host of the options, checked when the simulator is built so that a typo fails at once rather than at
 * `start()`.
 * @internal
 */
export function resolveListenConfig(options: WeChatSimulatorOptions): SimulatorListenConfig {
  const port = portOption(options.port, 'port');
  const payPort = portOption(options.payPort, 'payPort');
  const host = options.host ?? SIMULATOR_DEFAULT_HOST;
  if (typeof host !== 'string' || host.length === 0) throw new TypeError('host must be a non-empty string');
  return { port, payPort, host };
}

/**
 * The `logger` option made safe to call: every line goes to it when given, and a broken logger cannot break the
 * simulator.
 * @internal
 */
export function simulatorLog(logger: ((line: string) => void) | undefined): (line: string) => void {
  return (line) => {
    if (!logger) return;
    try {
      logger(line);
    } catch {
      // A broken logger must not break the simulator.
    }
  };
}

/** The mini program side of the options, checked: apps, code and token lifetimes, the success errcode. @internal */
export function resolveConfig(options: WeChatSimulatorOptions): SimulatorConfig {
  const apps = options.apps ?? [SIMULATOR_DEV_APP];
  if (!Array.isArray(apps) || apps.length === 0) throw new TypeError('apps must be a non-empty array');
  const seen = new Set<string>();
  for (const app of apps) {
    if (typeof app?.appId !== 'string' || app.appId.length === 0 || typeof app.appSecret !== 'string' || app.appSecret.length === 0) {
      throw new TypeError('every app needs a non-empty appId and appSecret');
    }
    if (app.originalId !== undefined && !isOriginalId(app.originalId)) {
      throw new TypeError(`app ${app.appId}: originalId must be gh_ and letters, digits or _`);
    }
    if (seen.has(app.appId)) throw new TypeError(`duplicate appId ${app.appId}`);
    seen.add(app.appId);
  }
  const successErrcode = options.successErrcode ?? 'absent';
  if (successErrcode !== 'absent' && successErrcode !== 'zero') throw new TypeError("successErrcode must be 'absent' or 'zero'");
  return {
    apps: apps.map((app) => ({
      appId: app.appId,
      appSecret: app.appSecret,
      ...(app.originalId !== undefined ? { originalId: app.originalId } : {}),
    })),
    codeTtlMs: seconds(options.codeTtlSeconds ?? DEFAULT_CODE_TTL_SECONDS, 'codeTtlSeconds') * 1000,
    accessTokenTtlMs: seconds(options.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS, 'accessTokenTtlSeconds') * 1000,
    successErrcode: successErrcode === 'zero',
  };
}

/** The WeChat Pay side of the options, checked against the apps: merchants, time scale, refund delay. @internal */
export function resolvePayConfig(options: WeChatSimulatorOptions, apps: readonly SimulatorApp[]): PayConfig {
  const merchants = options.merchants ?? [{ ...SIMULATOR_DEV_MERCHANT, appId: apps[0].appId }];
  if (!Array.isArray(merchants) || merchants.length === 0) throw new TypeError('merchants must be a non-empty array');
  const seen = new Set<string>();
  for (const merchant of merchants) {
    if (
      typeof merchant?.mchId !== 'string' ||
      !/^[0-9]{1,32}$/.test(merchant.mchId) ||
      typeof merchant.apiKey !== 'string' ||
      merchant.apiKey.length === 0 ||
      typeof merchant.appId !== 'string'
    ) {
      throw new TypeError('every merchant needs an appId, a numeric mchId and a non-empty apiKey');
    }
    if (!apps.some((app) => app.appId === merchant.appId))
      throw new TypeError(`merchant ${merchant.mchId} is bound to unknown app ${merchant.appId}`);
    if (seen.has(merchant.mchId)) throw new TypeError(`duplicate mchId ${merchant.mchId}`);
    seen.add(merchant.mchId);
  }
  const timeScale = options.timeScale ?? 1;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0)
    throw new RangeError('timeScale must be a positive number');
  const refundDelayMs = options.refundDelayMs ?? DEFAULT_REFUND_DELAY_MS;
  if (typeof refundDelayMs !== 'number' || !Number.isFinite(refundDelayMs) || refundDelayMs < 0) {
    throw new RangeError('refundDelayMs must be a non-negative number');
  }
  for (const merchant of merchants) {
    if (merchant.v3 === undefined) continue;
    const { apiV3Key, merchantCertificate } = merchant.v3 ?? {};
    if (typeof apiV3Key !== 'string' || Buffer.byteLength(apiV3Key, 'utf8') !== 32 || typeof merchantCertificate !== 'string') {
      throw new TypeError(`merchant ${merchant.mchId}: v3 needs a 32-byte apiV3Key and a merchantCertificate (PEM)`);
    }
  }
  return {
    merchants: merchants.map((m) => ({
      appId: m.appId,
      mchId: m.mchId,
      apiKey: m.apiKey,
      ...(m.v3 ? { v3: { apiV3Key: m.v3.apiV3Key, merchantCertificate: m.v3.merchantCertificate } } : {}),
    })),
    timeScale,
    refundDelayMs,
    prepayTtlMs: PREPAY_TTL_MS,
  };
}

/** The API v3 signing mode of the options, `public-key` by default. @internal */
export function resolvePayV3Mode(options: WeChatSimulatorOptions): SimPayV3Mode {
  const payV3Mode = options.payV3Mode ?? 'public-key';
  if (payV3Mode !== 'public-key' && payV3Mode !== 'certificate') throw new TypeError("payV3Mode must be 'public-key' or 'certificate'");
  return payV3Mode;
}

function portOption(value: number | undefined, name: string): number {
  const port = value ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`${name} must be an integer from 0 to 65535`);
  return port;
}

function seconds(value: number, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}
