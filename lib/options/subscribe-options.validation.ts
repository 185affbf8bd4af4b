import { IsBoolean, IsOptional } from 'class-validator';
import type { MiniProgramOptionsProblem } from '../errors/mini-program-options.error';
import type { MiniProgramPushOptions, MiniProgramSubscribeOptions, ResolvedSubscribeOptions } from '../interfaces';

/** `subscribe` as class-validator checks it (nested in the module's options schema). @internal */
export class SubscribeOptionsSchema {
  @IsOptional() @IsBoolean({ message: 'subscribe.recordConsent must be a boolean' }) recordConsent?: boolean;
}

/**
 * `subscribe` with its default, once class-validator passed it; adds a problem when consent is to be recorded without
 * `push`: the users' answers only ever arrive as message pushes, so the record would stay empty and every
 * `skipUnlessAccepted` send would be skipped.
 * @internal
 */
export function resolveSubscribeOptions(
  subscribe: MiniProgramSubscribeOptions | undefined,
  push: MiniProgramPushOptions | undefined,
  problems: MiniProgramOptionsProblem[],
): ResolvedSubscribeOptions | undefined {
  if (subscribe === null || typeof subscribe !== 'object') return undefined; // absent, or reported by the schema
  const recordConsent = subscribe.recordConsent === true;
  if (recordConsent && (push === null || typeof push !== 'object')) {
    problems.push({
      key: 'subscribe.recordConsent',
      messages: ["subscribe.recordConsent needs push: the users' answers to the subscribe pop-up arrive as message pushes"],
    });
  }
  return { recordConsent };
}
