import { parseArgs } from 'node:util';
import {
  SIMULATOR_CLI_DEFAULT_PAY_PORT,
  SIMULATOR_CLI_DEFAULT_PORT,
  SIMULATOR_DEFAULT_HOST,
  SIMULATOR_DEV_APP,
  SIMULATOR_DEV_MERCHANT,
} from './simulator.constants';
import type { WeChatSimulatorOptions } from './simulator.interfaces';
import { WeChatSimulator } from '../wechat-simulator';

/**
 * The help text of the `nestjs-miniprogram-api-simulator` command.
 * @publicApi
 */
export const SIMULATOR_USAGE = `Usage: nestjs-miniprogram-api-simulator [options]

A local fake of WeChat's mini program APIs (HTTP, with a control API under /__sim/) and of the
WeChat Pay API v2 and v3 (HTTPS with development certificates; GET /__sim/merchants gives the CA).
Notifications and message pushes (POST /__sim/pushConfig, /__sim/push) only go to loopback addresses.

Options:
  --port <n>          mini program API port (env SIMULATOR_PORT, default ${SIMULATOR_CLI_DEFAULT_PORT}; 0 picks a free one)
  --pay-port <n>      WeChat Pay API port, HTTPS (env SIMULATOR_PAY_PORT, default ${SIMULATOR_CLI_DEFAULT_PAY_PORT}; 0 picks a free one)
  --host <host>       interface both listen on (env SIMULATOR_HOST, default ${SIMULATOR_DEFAULT_HOST})
  --app-id <id>       serve this mini program instead of the development app (needs --app-secret)
  --app-secret <s>    the secret of --app-id
  --mch-id <id>       serve this merchant instead of the development merchant ${SIMULATOR_DEV_MERCHANT.mchId} (needs --mch-key;
                      only ${SIMULATOR_DEV_MERCHANT.mchId} has a client certificate for refunds and the other certificate APIs)
  --mch-key <key>     the API v2 key of --mch-id
  --pay-v3-mode <m>   how API v3 signs: public-key (default) or certificate (env SIMULATOR_PAY_V3_MODE; POST /__sim/v3 switches)
  --time-scale <x>    multiply notification retries, refund settlement and prepay expiry (env SIMULATOR_TIME_SCALE, default 1)
  --verbose           print one line per request and per notification attempt
  -h, --help          print this help
`;

/**
 * What the command line asks for: the help text, or a simulator with these options.
 * @publicApi
 */
export type SimulatorCliCommand = { kind: 'help' } | { kind: 'run'; options: WeChatSimulatorOptions; verbose: boolean };

/** A command line the simulator command cannot run. @internal */
export class SimulatorCliError extends Error {
  override readonly name = 'SimulatorCliError';
}

/**
 * Reads the simulator command's arguments and environment (`SIMULATOR_PORT`, `SIMULATOR_PAY_PORT`, `SIMULATOR_HOST`,
 * `SIMULATOR_TIME_SCALE`, `SIMULATOR_PAY_V3_MODE`); flags win.
 * @throws SimulatorCliError for unknown options or bad values.
 * @publicApi
 */
export function parseSimulatorArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): SimulatorCliCommand {
  let values: {
    port?: string;
    'pay-port'?: string;
    host?: string;
    'app-id'?: string;
    'app-secret'?: string;
    'mch-id'?: string;
    'mch-key'?: string;
    'time-scale'?: string;
    'pay-v3-mode'?: string;
    verbose?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', short: 'p' },
        'pay-port': { type: 'string' },
        host: { type: 'string' },
        'app-id': { type: 'string' },
        'app-secret': { type: 'string' },
        'mch-id': { type: 'string' },
        'mch-key': { type: 'string' },
        'time-scale': { type: 'string' },
        'pay-v3-mode': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new SimulatorCliError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { kind: 'help' };

  const port = portValue(values.port ?? nonBlank(env.SIMULATOR_PORT) ?? String(SIMULATOR_CLI_DEFAULT_PORT), 'port');
  const payPort = portValue(values['pay-port'] ?? nonBlank(env.SIMULATOR_PAY_PORT) ?? String(SIMULATOR_CLI_DEFAULT_PAY_PORT), 'pay port');
  if (port === payPort && port !== 0) throw new SimulatorCliError(`the port and the pay port must differ (both ${port})`);
  const host = values.host ?? nonBlank(env.SIMULATOR_HOST) ?? SIMULATOR_DEFAULT_HOST;
  if (host.trim().length === 0) throw new SimulatorCliError('invalid host: empty');

  const appId = values['app-id'];
  const appSecret = values['app-secret'];
  if ((appId === undefined) !== (appSecret === undefined)) {
    throw new SimulatorCliError('--app-id and --app-secret go together');
  }
  if (appId !== undefined && (appId.length === 0 || appSecret?.length === 0)) {
    throw new SimulatorCliError('--app-id and --app-secret must not be empty');
  }
  const apps = appId !== undefined && appSecret !== undefined ? [{ appId, appSecret }] : [{ ...SIMULATOR_DEV_APP }];

  const mchId = values['mch-id'];
  const apiKey = values['mch-key'];
  if ((mchId === undefined) !== (apiKey === undefined)) throw new SimulatorCliError('--mch-id and --mch-key go together');
  if (mchId !== undefined && !/^[0-9]{1,32}$/.test(mchId)) throw new SimulatorCliError('--mch-id must be digits');
  if (apiKey !== undefined && apiKey.length === 0) throw new SimulatorCliError('--mch-key must not be empty');
  const merchants = [
    mchId !== undefined && apiKey !== undefined
      ? { appId: apps[0].appId, mchId, apiKey }
      : { ...SIMULATOR_DEV_MERCHANT, appId: apps[0].appId },
  ];

  const options: WeChatSimulatorOptions = { port, payPort, host, apps, merchants };
  const scaleText = values['time-scale'] ?? nonBlank(env.SIMULATOR_TIME_SCALE);
  if (scaleText !== undefined) {
    const timeScale = Number(scaleText);
    if (!/^[0-9.eE+-]+$/.test(scaleText) || !Number.isFinite(timeScale) || timeScale <= 0) {
      throw new SimulatorCliError(`invalid time scale ${JSON.stringify(scaleText)}: expected a positive number`);
    }
    options.timeScale = timeScale;
  }
  const v3Mode = values['pay-v3-mode'] ?? nonBlank(env.SIMULATOR_PAY_V3_MODE);
  if (v3Mode !== undefined) {
    if (v3Mode !== 'public-key' && v3Mode !== 'certificate') {
      throw new SimulatorCliError(`invalid pay v3 mode ${JSON.stringify(v3Mode)}: expected public-key or certificate`);
    }
    options.payV3Mode = v3Mode;
  }
  return { kind: 'run', options, verbose: values.verbose === true };
}

function portValue(text: string, what: string): number {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65535) {
    throw new SimulatorCliError(`invalid ${what} ${JSON.stringify(text)}: expected an integer from 0 to 65535`);
  }
  return Number(text);
}

/** Where the command writes and which signals stop it; the real process by default, fakes in tests. @internal */
export interface SimulatorCliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  signals: {
    once(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
    off(event: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  };
}

const processIo: SimulatorCliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  signals: process,
};

/**
 * Runs the simulator command until SIGINT or SIGTERM and resolves its exit code (2 for a bad command line, 1 when
 * the simulator cannot listen). Prints two lines once listening: the mini program URL, then the WeChat Pay URL.
 * @internal
 */
export async function runSimulatorCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: SimulatorCliIo = processIo,
): Promise<number> {
  let command: SimulatorCliCommand;
  try {
    command = parseSimulatorArgs(argv, env);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)}\nRun with --help for usage.`);
    return 2;
  }
  if (command.kind === 'help') {
    io.out(SIMULATOR_USAGE.trimEnd());
    return 0;
  }

  const simulator = new WeChatSimulator({ ...command.options, logger: command.verbose ? io.out : undefined });
  let url: string;
  try {
    url = await simulator.start();
  } catch (error) {
    io.err(`Cannot start the WeChat simulator: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  io.out(`WeChat simulator listening on ${url} (app id ${simulator.apps[0].appId})`);
  io.out(`WeChat Pay listening on ${simulator.payUrl} (mch id ${simulator.merchants[0].mchId})`);

  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      io.signals.off('SIGINT', onSignal);
      io.signals.off('SIGTERM', onSignal);
      resolve();
    };
    io.signals.once('SIGINT', onSignal);
    io.signals.once('SIGTERM', onSignal);
  });
  await simulator.stop();
  return 0;
}

function nonBlank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
