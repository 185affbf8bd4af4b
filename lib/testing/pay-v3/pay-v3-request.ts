import type { IncomingHttpHeaders } from 'node:http';
import type { PayV3State, V3Merchant } from './pay-v3-state';

/** A v3 error answer `{code, message}`. @internal */
export class PayV3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a v3 handler answers: JSON (signed), 204 (signed over ''), or a bill file (not signed). @internal */
export type V3Result = { status: number; json?: unknown } | { file: Buffer };

/** An authenticated v3 request, as its handler sees it. @internal */
export interface V3Context {
  readonly v3: PayV3State;
  readonly merchant: V3Merchant;
  readonly method: string;
  readonly params: readonly string[];
  readonly query: URLSearchParams;
  readonly body: Buffer;
  readonly payUrl: string;
  /** The request headers (`Wechatpay-Serial` names the key of an encrypted field). */
  readonly headers: IncomingHttpHeaders;
}

/** One v3 API: its method and path (the groups of `pattern` are the path parameters). @internal */
export interface V3Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  readonly handler: (ctx: V3Context) => V3Result;
}

/** A path parameter of a route pattern. @internal */
export const SEGMENT = '([^/?]+)';
