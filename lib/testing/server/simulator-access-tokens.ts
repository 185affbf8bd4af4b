import { randomBase64Url } from '../../crypto/random.util';
import { WeChatErrcode } from './simulator.constants';
import type { WeChatOutcome } from './simulator-state';
import { setBounded } from './simulator-store';

/** `basic` tokens come from `/cgi-bin/token`, `stable` ones from `/cgi-bin/stable_token`. @internal */
export type AccessTokenKind = 'basic' | 'stable';

interface AccessTokenRecord {
  appId: string;
  kind: AccessTokenKind;
  expiresAt: number;
  revoked: boolean;
}

/**
 * The access tokens the simulator issued, with WeChat's rules: one current token per app and kind, a new one revoking
 * the previous one of its kind at once (so a client that keeps an old token sees 40001, as it would at WeChat).
 * @internal
 */
export class SimulatorAccessTokens {
  private readonly records = new Map<string, AccessTokenRecord>();
  /** The current token per `${kind}:${appId}`. */
  private readonly current = new Map<string, string>();

  /** `now` is the state's clock, so that tests faking `Date.now` move these expiries too. */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * The current token of a kind, or a new one when there is none, it expired or `renew` is set. A new token revokes
   * the previous one of the same kind at once.
   */
  issue(appId: string, kind: AccessTokenKind, renew: boolean): { token: string; expiresIn: number } {
    const slot = `${kind}:${appId}`;
    const now = this.now();
    const current = this.current.get(slot);
    const record = current === undefined ? undefined : this.records.get(current);
    if (!renew && current !== undefined && record && !record.revoked && now < record.expiresAt) {
      return { token: current, expiresIn: Math.max(1, Math.floor((record.expiresAt - now) / 1000)) };
    }
    if (record) record.revoked = true;
    const token = randomBase64Url(96);
    setBounded(this.records, token, { appId, kind, expiresAt: now + this.ttlMs, revoked: false });
    this.current.set(slot, token);
    return { token, expiresIn: Math.max(1, Math.floor(this.ttlMs / 1000)) };
  }

  /** Which app an access token belongs to, or why it is refused. */
  check(token: string | undefined): WeChatOutcome<{ appId: string }> {
    if (token === undefined) return { ok: false, errcode: WeChatErrcode.ACCESS_TOKEN_MISSING };
    const record = this.records.get(token);
    if (!record || record.revoked) return { ok: false, errcode: WeChatErrcode.INVALID_CREDENTIAL };
    if (this.now() >= record.expiresAt) return { ok: false, errcode: WeChatErrcode.ACCESS_TOKEN_EXPIRED };
    return { ok: true, value: { appId: record.appId } };
  }

  /** Forgets every token. */
  clear(): void {
    this.records.clear();
    this.current.clear();
  }
}
