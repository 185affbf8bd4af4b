import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIMULATOR_DEV_APP } from './simulator.constants';
import { SIMULATOR_USAGE, SimulatorCliError, parseSimulatorArgs, runSimulatorCli } from './simulator-cli';
import type { SimulatorCliIo } from './simulator-cli';

describe('parseSimulatorArgs', () => {
  it('defaults to port 3001 on loopback with the development app', () => {
    expect(parseSimulatorArgs([], {})).toEqual({
      kind: 'run',
      options: { port: 3001, host: '127.0.0.1', apps: [SIMULATOR_DEV_APP] },
      verbose: false,
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = { SIMULATOR_PORT: '4000', SIMULATOR_HOST: '::1' };
    expect(parseSimulatorArgs([], env)).toMatchObject({ options: { port: 4000, host: '::1' } });
    expect(parseSimulatorArgs(['--port', '5000', '--host', '0.0.0.0'], env)).toMatchObject({ options: { port: 5000, host: '0.0.0.0' } });
    expect(parseSimulatorArgs(['--port=0'], env)).toMatchObject({ options: { port: 0 } });
    expect(parseSimulatorArgs([], { SIMULATOR_PORT: ' ' })).toMatchObject({ options: { port: 3001 } });
  });

  it('serves a given app instead of the development one', () => {
    expect(parseSimulatorArgs(['--app-id', 'wxmine', '--app-secret', 's3cret', '--verbose'])).toEqual({
      kind: 'run',
      options: { port: 3001, host: '127.0.0.1', apps: [{ appId: 'wxmine', appSecret: 's3cret' }] },
      verbose: true,
    });
  });

  it('asks for help', () => {
    expect(parseSimulatorArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseSimulatorArgs(['-h', '--port', 'bad'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--port', 'abc']],
    [['--port', '70000']],
    [['--port', '-1']],
    [['--bogus']],
    [['positional']],
    [['--app-id', 'wxonly']],
    [['--app-secret', 'only']],
    [['--port']],
  ])('rejects %j', (argv) => {
    expect(() => parseSimulatorArgs(argv)).toThrow(SimulatorCliError);
  });

  it('rejects a bad SIMULATOR_PORT', () => {
    expect(() => parseSimulatorArgs([], { SIMULATOR_PORT: '30O1' })).toThrow(/invalid port/);
  });
});

describe('runSimulatorCli', () => {
  function fakeIo(): SimulatorCliIo & { lines: string[]; errors: string[]; signals: EventEmitter } {
    const lines: string[] = [];
    const errors: string[] = [];
    const signals = new EventEmitter();
    return { lines, errors, out: (line) => lines.push(line), err: (line) => errors.push(line), signals };
  }

  it('prints the help', async () => {
    const io = fakeIo();
    expect(await runSimulatorCli(['--help'], {}, io)).toBe(0);
    expect(io.lines).toEqual([SIMULATOR_USAGE.trimEnd()]);
  });

  it('exits 2 on a bad command line', async () => {
    const io = fakeIo();
    expect(await runSimulatorCli(['--port', 'x'], {}, io)).toBe(2);
    expect(io.errors.join('\n')).toMatch(/invalid port[\s\S]*--help/);
  });

  it('serves until SIGTERM and prints one line with the URL and the app id', async () => {
    const io = fakeIo();
    const done = runSimulatorCli(['--port', '0'], {}, io);
    await waitFor(() => io.lines.length > 0);
    expect(io.lines).toHaveLength(1);
    const match = /^WeChat simulator listening on (http:\/\/127\.0\.0\.1:\d+) \(app id (\S+)\)$/.exec(io.lines[0]);
    expect(match?.[2]).toBe(SIMULATOR_DEV_APP.appId);
    const url = match?.[1] as string;
    expect(await (await fetch(`${url}/__sim/health`)).json()).toEqual({ ok: true });
    io.signals.emit('SIGTERM');
    expect(await done).toBe(0);
    expect(io.signals.listenerCount('SIGINT')).toBe(0);
    await expect(fetch(`${url}/__sim/health`)).rejects.toThrow();
  });

  it('exits 1 when the port is taken', async () => {
    const first = fakeIo();
    const running = runSimulatorCli(['--port', '0'], {}, first);
    await waitFor(() => first.lines.length > 0);
    const port = /:(\d+) /.exec(first.lines[0])?.[1] as string;
    const second = fakeIo();
    expect(await runSimulatorCli(['--port', port], {}, second)).toBe(1);
    expect(second.errors.join()).toMatch(/EADDRINUSE/);
    first.signals.emit('SIGINT');
    expect(await running).toBe(0);
  });
});

describe('cli.ts', () => {
  const cliPath = join(__dirname, 'cli.ts');

  it('starts with a node shebang', () => {
    expect(readFileSync(cliPath, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('runs as a process and stops cleanly on SIGTERM', async () => {
    // No ts-node here: compile each .ts file on require with the TypeScript compiler.
    const hook = `
      const ts = require('typescript');
      const fs = require('node:fs');
      require.extensions['.ts'] = (module, file) => {
        const out = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
          fileName: file,
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        module._compile(out.outputText, file);
      };
      require(process.argv[1]);
    `;
    const child = spawn(process.execPath, ['-e', hook, cliPath, '--port', '0', '--app-id', 'wxcliapp', '--app-secret', 'clisecret'], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, SIMULATOR_PORT: '', SIMULATOR_HOST: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.includes('\n') || child.exitCode !== null, 20_000);
      expect(stderr).toBe('');
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+) \(app id wxcliapp\)\n$/.exec(stdout);
      expect(match).not.toBeNull();
      const url = (match as RegExpExecArray)[1];
      const q = new URLSearchParams({ grant_type: 'client_credential', appid: 'wxcliapp', secret: 'clisecret' });
      const token = (await (await fetch(`${url}/cgi-bin/token?${q}`)).json()) as { access_token?: string };
      expect(token.access_token).toEqual(expect.any(String));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout.trim().split('\n')).toHaveLength(1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
