/** One invalid key of the module options. @publicApi */
export interface MiniProgramOptionsProblem {
  /** Dotted path of the key, e.g. `token.ttlSeconds`. */
  key: string;
  /** What is wrong with it. */
  messages: string[];
}

/**
 * The options given to `MiniProgramModule.forRoot`/`forRootAsync` are invalid. Thrown while the
 * application boots, so a misconfigured app never starts; the message names every bad key.
 * @publicApi
 */
export class MiniProgramOptionsError extends Error {
  override readonly name = 'MiniProgramOptionsError';

  constructor(readonly problems: MiniProgramOptionsProblem[]) {
    super(
      `Invalid MiniProgramModule options (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.key}: ${p.messages.join('; ')}`).join('\n'),
    );
  }
}
