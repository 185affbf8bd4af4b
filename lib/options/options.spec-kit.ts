import { MiniProgramOptionsError } from '../errors/mini-program-options.error';
import { resolveMiniProgramOptions } from './mini-program-options.validation';

/** Valid options without any option group. */
export const VALID_OPTIONS = { appId: 'wx4f4bc4dec97d474b', appSecret: '0123456789abcdef0123456789abcdef' } as const;

/** The problems `resolveMiniProgramOptions` names for `raw`, by key; fails the test when it accepts them. */
export function optionProblems(raw: Record<string, unknown>): Record<string, string[]> {
  try {
    resolveMiniProgramOptions(raw as never);
  } catch (error) {
    if (!(error instanceof MiniProgramOptionsError)) throw error;
    return Object.fromEntries(error.problems.map((p) => [p.key, p.messages]));
  }
  throw new Error('expected the options to be rejected');
}
