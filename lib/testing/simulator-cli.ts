import { parseArgs } from 'node:util';
import { SIMULATOR_CLI_DEFAULT_PORT, SIMULATOR_DEFAULT_HOST, SIMULATOR_DEV_APP } from './simulator.constants';
import type { WeChatSimulatorOptions } from './simulator.interfaces';
import { WeChatSimulator } from './wechat-simulator';

/**
 * The help text of the `nestjs-miniprogram-api-simulator` command.
 * @publicApi
 */
export const SIMULATOR_USAGE = `Usage: nestjs-miniprogram-api-simulator [options]

A local fake of WeChat's mini program APIs with a control API under /__sim/.

Options:
  --port <n>          port to listen on (env SIMULATOR_PORT, default ${SIMULATOR_CLI_DEFAULT_PORT}; 0 picks a free one)
  --host <host>       interface to listen on (env SIMULATOR_HOST, default ${SIMULATOR_DEFAULT_HOST})
  --app-id <id>       serve this mini program instead of the development app (needs --app-secret)
  --app-secret <s>    the secret of --app-id
  --verbose           print one line per request
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
 * Reads the simulator command's arguments and environment (`SIMULATOR_PORT`, `SIMULATOR_HOST`); flags win.
 * @throws SimulatorCliError for unknown options or bad values.
 * @publicApi
 */
export function parseSimulatorArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): SimulatorCliCommand {
  let values: { port?: string; host?: string; 'app-id'?: string; 'app-secret'?: string; verbose?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string', short: 'p' },
        host: { type: 'string' },
        'app-id': { type: 'string' },
        'app-secret': { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new SimulatorCliError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return { kind: 'help' };

  const portText = values.port ?? nonBlank(env.SIMULATOR_PORT) ?? String(SIMULATOR_CLI_DEFAULT_PORT);
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new SimulatorCliError(`invalid port ${JSON.stringify(portText)}: expected an integer from 0 to 65535`);
  }
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
  return { kind: 'run', options: { port: Number(portText), host, apps }, verbose: values.verbose === true };
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
 * the simulator cannot listen).
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
