import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** How deep a request body may nest objects and arrays by default: far more than any mini program sends. @publicApi */
export const DEFAULT_MAX_BODY_DEPTH = 32;

/**
 * How many levels of objects and arrays `value` nests (0 for a primitive), counted without recursion and given up on
 * past `limit`: a body nested thousands of levels deep costs no more than its first `limit + 1` levels.
 * @internal
 */
export function jsonDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > deepest) deepest = depth;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/**
 * Refuses, with 400, a request body that nests objects and arrays deeper than `maxDepth` (default
 * {@link DEFAULT_MAX_BODY_DEPTH}), before any other pipe sees it. class-transformer and class-validator walk a body
 * recursively: a 10 KB body nested 5,000 levels deep overflows the stack inside them, which Nest answers with 500.
 * The library's routes run it before their `ValidationPipe`; put it before yours the same way:
 *
 * @example
 * ```ts
 * @UsePipes(new JsonDepthPipe(), new ValidationPipe({ whitelist: true }))
 * ```
 * or for the whole app: `app.useGlobalPipes(new JsonDepthPipe(), new ValidationPipe(...))`.
 * @publicApi
 */
@Injectable()
export class JsonDepthPipe implements PipeTransform {
  private readonly maxDepth: number;

  constructor(options: { maxDepth?: number } = {}) {
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_BODY_DEPTH;
    if (!Number.isInteger(maxDepth) || maxDepth < 1)
      throw new RangeError(`JsonDepthPipe: maxDepth must be a positive integer, got ${maxDepth}`);
    this.maxDepth = maxDepth;
  }

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body') return value;
    if (jsonDepth(value, this.maxDepth) > this.maxDepth) {
      throw new BadRequestException(`The request body is nested too deeply (more than ${this.maxDepth} levels of objects and arrays).`);
    }
    return value;
  }
}
