import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, Validate, ValidatorConstraint } from 'class-validator';
import type { ValidatorConstraintInterface } from 'class-validator';
import { isEncodingAesKey } from '../crypto/wechat-push.crypto';
import type { MiniProgramOptionsProblem } from '../errors/mini-program-options.error';
import type { MiniProgramPushOptions, ResolvedPushOptions } from '../interfaces';

/** The defaults of `push`. */
export const PUSH_DEFAULTS = { maxAgeSeconds: 300, dedupeTtlSeconds: 86_400 } as const;

@ValidatorConstraint({ name: 'isEncodingAesKey' })
class IsEncodingAesKey implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return isEncodingAesKey(value);
  }

  defaultMessage(): string {
    return 'push.encodingAesKey must be the EncodingAESKey of the message push configuration: 43 letters or digits';
  }
}

/** `push` as class-validator checks it (nested in the module's options schema). @internal */
export class PushOptionsSchema {
  @IsString({ message: 'push.token is required and must be a string' })
  @Matches(/^[0-9A-Za-z]{3,32}$/, { message: 'push.token must be the Token of the message push configuration: 3–32 letters or digits' })
  token!: string;

  @IsOptional() @Validate(IsEncodingAesKey) encodingAesKey?: string;

  @IsOptional() @IsIn(['json', 'xml'], { message: "push.format must be 'json' or 'xml'" }) format?: string;

  @IsOptional() @IsInt() @Min(1) @Max(3600) maxAgeSeconds?: number;

  @IsOptional() @IsInt() @Min(60) @Max(30 * 86_400) dedupeTtlSeconds?: number;
}

/**
 * `push` with its defaults, once class-validator passed it; adds a problem when the receipts would be forgotten before a
 * push is too old to be accepted (a replay would then run its handlers again).
 * @internal
 */
export function resolvePushOptions(
  push: MiniProgramPushOptions | undefined,
  problems: MiniProgramOptionsProblem[],
): ResolvedPushOptions | undefined {
  if (push === null || typeof push !== 'object') return undefined; // absent, or reported by the schema
  const maxAgeSeconds = push.maxAgeSeconds ?? PUSH_DEFAULTS.maxAgeSeconds;
  const dedupeTtlSeconds = push.dedupeTtlSeconds ?? PUSH_DEFAULTS.dedupeTtlSeconds;
  if (Number.isInteger(maxAgeSeconds) && Number.isInteger(dedupeTtlSeconds) && dedupeTtlSeconds < 2 * maxAgeSeconds) {
    problems.push({
      key: 'push.dedupeTtlSeconds',
      messages: [
        'push.dedupeTtlSeconds must be at least twice push.maxAgeSeconds, so that no push is forgotten while a copy can still be accepted',
      ],
    });
  }
  return { token: push.token, encodingAesKey: push.encodingAesKey, format: push.format, maxAgeSeconds, dedupeTtlSeconds };
}
