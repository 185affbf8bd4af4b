import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { SIMULATOR_DEV_CERTIFICATES } from '../dev-keys/dev-certificates';
import { SIMULATOR_DEV_APP, SIMULATOR_DEV_MERCHANT } from './simulator.constants';
import { SIMULATOR_USAGE, SimulatorCliError, parseSimulatorArgs, runSimulatorCli } from './simulator-cli';
import type { SimulatorCliIo } from './simulator-cli';

describe('parseSimulatorArgs', () => {
  it('defaults to ports 3001 and 3002 on loopback with the development app and merchant', () => {
    expect(parseSimulatorArgs([], {})).toEqual({
      kind: 'run',
      options: { port: 3001, payPort: 3002, host: '127.0.0.1', apps: [SIMULATOR_DEV_APP], merchants: [SIMULATOR_DEV_MERCHANT] },
      verbose: false,
    });
  });

  it('reads the pay port and the time scale from flags or the environment, flags first', () => {
    const env = { SIMULATOR_PAY_PORT: '4002', SIMULATOR_TIME_SCALE: '0.5' };
    expect(parseSimulatorArgs([], env)).toMatchObject({ options: { payPort: 4002, timeScale: 0.5 } });
    expect(parseSimulatorArgs(['--pay-port', '5002', '--time-scale', '0.001'], env)).toMatchObject({
      options: { payPort: 5002, timeScale: 0.001 },
    });
    expect(parseSimulatorArgs(['--pay-port=0', '--port=0'])).toMatchObject({ options: { port: 0, payPort: 0 } });
    expect((parseSimulatorArgs([], {}) as { options: object }).options).not.toHaveProperty('timeScale');
  });

  it('serves a given merchant, bound to the served app', () => {
    expect(parseSimulatorArgs(['--app-id', 'wxmine', '--app-secret', 's3cret', '--mch-id', '1234567890', '--mch-key', 'k'])).toMatchObject({
      options: { apps: [{ appId: 'wxmine' }], merchants: [{ appId: 'wxmine', mchId: '1234567890', apiKey: 'k' }] },
    });
    // Without --mch-id the development merchant follows the served app.
    expect(parseSimulatorArgs(['--app-id', 'wxmine', '--app-secret', 's3cret'])).toMatchObject({
      options: { merchants: [{ ...SIMULATOR_DEV_MERCHANT, appId: 'wxmine' }] },
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
      options: {
        port: 3001,
        payPort: 3002,
        host: '127.0.0.1',
        apps: [{ appId: 'wxmine', appSecret: 's3cret' }],
        merchants: [{ ...SIMULATOR_DEV_MERCHANT, appId: 'wxmine' }],
      },
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
    [['--pay-port', '65536']],
    [['--pay-port', 'x']],
    [['--port', '4000', '--pay-port', '4000']],
    [['--mch-id', '1900000109']],
    [['--mch-key', 'k']],
    [['--mch-id', 'abc', '--mch-key', 'k']],
    [['--mch-id', '123', '--mch-key', '']],
    [['--time-scale', '0']],
    [['--time-scale', '-1']],
    [['--time-scale', 'fast']],
  ])('rejects %j', (argv) => {
    expect(() => parseSimulatorArgs(argv)).toThrow(SimulatorCliError);
  });

  it('rejects a bad SIMULATOR_PORT', () => {
    expect(() => parseSimulatorArgs([], { SIMULATOR_PORT: '30O1' })).toThrow(/invalid port/);
    expect(() => parseSimulatorArgs([], { SIMULATOR_PAY_PORT: '30O2' })).toThrow(/invalid pay port/);
    expect(() => parseSimulatorArgs([], { SIMULATOR_TIME_SCALE: 'NaN' })).toThrow(/invalid time scale/);
  });

  it('documents every flag in the usage text', () => {
    for (const flag of [
      '--port',
      '--pay-port',
      '--host',
      '--app-id',
      '--app-secret',
      '--mch-id',
      '--mch-key',
      '--time-scale',
      '--verbose',
    ]) {
      expect(SIMULATOR_USAGE).toContain(flag);
    }
    expect(SIMULATOR_USAGE).toContain('SIMULATOR_PAY_PORT');
    expect(SIMULATOR_USAGE).toContain('3002');
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

  it('serves until SIGTERM and prints the URLs with the app id and the mch id', async () => {
    const io = fakeIo();
    const done = runSimulatorCli(['--port', '0', '--pay-port', '0'], {}, io);
    await waitFor(() => io.lines.length > 1);
    expect(io.lines).toHaveLength(2);
    const match = /^WeChat simulator listening on (http:\/\/127\.0\.0\.1:\d+) \(app id (\S+)\)$/.exec(io.lines[0]);
    expect(match?.[2]).toBe(SIMULATOR_DEV_APP.appId);
    const url = match?.[1] as string;
    const payMatch = /^WeChat Pay listening on (https:\/\/127\.0\.0\.1:\d+) \(mch id (\d+)\)$/.exec(io.lines[1]);
    expect(payMatch?.[2]).toBe(SIMULATOR_DEV_MERCHANT.mchId);
    expect(await (await fetch(`${url}/__sim/health`)).json()).toEqual({ ok: true });
    const merchants = (await (await fetch(`${url}/__sim/merchants`)).json()) as { payUrl: string };
    expect(merchants.payUrl).toBe(payMatch?.[1]);
    expect(await httpsGet(`${payMatch?.[1]}/pay/unifiedorder`)).toContain('<return_code><![CDATA[FAIL]]></return_code>');
    io.signals.emit('SIGTERM');
    expect(await done).toBe(0);
    expect(io.signals.listenerCount('SIGINT')).toBe(0);
    await expect(fetch(`${url}/__sim/health`)).rejects.toThrow();
    await expect(httpsGet(`${payMatch?.[1]}/pay/unifiedorder`)).rejects.toThrow();
  });

  it('exits 1 when the port is taken', async () => {
    const first = fakeIo();
    const running = runSimulatorCli(['--port', '0', '--pay-port', '0'], {}, first);
    await waitFor(() => first.lines.length > 1);
    const port = /:(\d+) /.exec(first.lines[0])?.[1] as string;
    const payPort = /:(\d+) /.exec(first.lines[1])?.[1] as string;
    const second = fakeIo();
    expect(await runSimulatorCli(['--port', port, '--pay-port', '0'], {}, second)).toBe(1);
    expect(second.errors.join()).toMatch(/EADDRINUSE/);
    // A taken pay port fails too, and releases the mini program port it had already taken.
    const third = fakeIo();
    expect(await runSimulatorCli(['--port', '0', '--pay-port', payPort], {}, third)).toBe(1);
    expect(third.errors.join()).toMatch(/EADDRINUSE/);
    first.signals.emit('SIGINT');
    expect(await running).toBe(0);
  });
});

describe('cli.ts', () => {
  const cliPath = join(__dirname, '..', 'cli.ts');

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
    const args = [cliPath, '--port', '0', '--pay-port', '0', '--app-id', 'wxcliapp', '--app-secret', 'clisecret'];
    const child = spawn(process.execPath, ['-e', hook, ...args], {
      cwd: join(__dirname, '..', '..', '..'),
      env: { ...process.env, SIMULATOR_PORT: '', SIMULATOR_PAY_PORT: '', SIMULATOR_HOST: '', SIMULATOR_TIME_SCALE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => stdout.split('\n').length > 2 || child.exitCode !== null, 20_000);
      expect(stderr).toBe('');
      const match =
        /listening on (http:\/\/127\.0\.0\.1:\d+) \(app id wxcliapp\)\nWeChat Pay listening on https:\/\/127\.0\.0\.1:\d+ \(mch id 1900000109\)\n$/.exec(
          stdout,
        );
      expect(match).not.toBeNull();
      const url = (match as RegExpExecArray)[1];
      const q = new URLSearchParams({ grant_type: 'client_credential', appid: 'wxcliapp', secret: 'clisecret' });
      const token = (await (await fetch(`${url}/cgi-bin/token?${q}`)).json()) as { access_token?: string };
      expect(token.access_token).toEqual(expect.any(String));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout.trim().split('\n')).toHaveLength(2);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 30_000);
});

/** A GET to the pay server trusting the development CA; resolves the body. */
function httpsGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca: SIMULATOR_DEV_CERTIFICATES.ca, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
