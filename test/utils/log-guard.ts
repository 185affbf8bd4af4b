import type { LoggerService } from '@nestjs/common';

/** Every line the apps of this test file logged (they log here instead of the console). */
export const suiteLogs: string[] = [];

/** Secrets the apps of this test file were given or handed out: none may appear in a log line. */
export const suiteSecrets = new Set<string>();

/** Records a secret (and its common encodings) for the end-of-file check. */
export function registerSecret(secret: string | undefined | null): void {
  if (!secret || secret.length < 8) return;
  suiteSecrets.add(secret);
  if (/^[A-Za-z0-9+/]+=*$/.test(secret) && secret.length % 4 === 0) suiteSecrets.add(Buffer.from(secret, 'base64').toString('hex'));
}

/** Records every base64 line of a PEM key (the key material) as a secret: a log may show none of them. */
export function registerPemSecret(pem: string | Buffer | undefined | null): void {
  if (!pem) return;
  for (const line of pem.toString().split(/\r?\n/)) if (!line.startsWith('-----') && line.trim().length >= 16) registerSecret(line.trim());
}

/** A Nest logger that keeps every line, for the check in `log-guard.setup.ts`. */
export class SuiteLogger implements LoggerService {
  private write(level: string, message: unknown, rest: unknown[]): void {
    const parts = [message, ...rest].map((part) =>
      part instanceof Error ? `${part.message}\n${part.stack}` : typeof part === 'string' ? part : JSON.stringify(part),
    );
    suiteLogs.push(`${level} ${parts.join(' ')}`);
  }
  log(message: unknown, ...rest: unknown[]): void {
    this.write('LOG', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('ERROR', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('WARN', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('DEBUG', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('VERBOSE', message, rest);
  }
}
