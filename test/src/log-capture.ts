import { LoggerService, LogLevel } from '@nestjs/common';
import { inspect } from 'node:util';

/** Everything about a logged value: strings as they are, errors with stack, cause chain and own fields. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  return inspect(value, { depth: 8, breakLength: Infinity, showHidden: false, maxStringLength: null, maxArrayLength: null });
}

/** A Nest LoggerService that keeps every call, with every argument rendered in full. */
export class CapturingLogger implements LoggerService {
  readonly entries: Array<{ level: LogLevel; text: string }> = [];

  private keep(level: LogLevel, message: unknown, optionalParams: unknown[]): void {
    this.entries.push({ level, text: [message, ...optionalParams].map(render).join(' ') });
  }

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('log', message, optionalParams);
  }
  error(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('error', message, optionalParams);
  }
  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('warn', message, optionalParams);
  }
  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('debug', message, optionalParams);
  }
  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('verbose', message, optionalParams);
  }
  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.keep('fatal', message, optionalParams);
  }

  text(): string {
    return this.entries.map((e) => `[${e.level}] ${e.text}`).join('\n');
  }
}

export interface ProcessOutputCapture {
  stdout(): string;
  stderr(): string;
  console(): string;
  restore(): void;
}

/**
 * Captures (and silences) `process.stdout.write`, `process.stderr.write` and the console methods
 * until `restore()`: whatever bypasses Nest's logger still ends up here.
 */
export function captureProcessOutput(): ProcessOutputCapture {
  const out: string[] = [];
  const err: string[] = [];
  const con: string[] = [];
  const chunkText = (chunk: unknown) =>
    typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : render(chunk);
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => {
      out.push(chunkText(chunk));
      return true;
    }),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
      err.push(chunkText(chunk));
      return true;
    }),
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) =>
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        con.push(`[${method}] ${args.map(render).join(' ')}`);
      }),
    ),
  ];
  return {
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    console: () => con.join('\n'),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
