import { createHash } from 'node:crypto';
import { isEncodingAesKey } from '../../crypto/wechat-push.crypto';
import { SimulatorInputError } from '../server/simulator-http';
import { asInput } from '../server/simulator-input';
import { loopbackUrl } from '../server/simulator-outbound';
import type { SimulatorApp } from '../server/simulator.interfaces';
import type { SimPushFormat, SimPushMode, SimPushSettings } from './push.interfaces';

/** WeChat's console takes a Token of 3 to 32 letters or digits. */
const TOKEN = /^[A-Za-z0-9]{3,32}$/;
/** An original id (原始ID) as WeChat writes them: `gh_` and hex digits; other letters, digits and `_` are taken too. */
const ORIGINAL_ID = /^gh_[A-Za-z0-9_]{1,32}$/;

/** A push configuration checked, without the app it belongs to. @internal */
export type ResolvedPushConfig = Omit<SimPushSettings, 'appId' | 'originalId'>;

/**
 * Checks a push configuration (`SimPushConfig`, typed for callers but perhaps straight from a JSON body) and fills in
 * its defaults: `json`, and `safe` with an EncodingAESKey, `plain` without.
 * @throws SimulatorInputError for a URL that is not `http(s)` on loopback, a token that is not 3-32 letters or digits,
 * an EncodingAESKey that is not 43 of them, an unknown format or mode, or an encrypted mode without a key.
 * @internal
 */
export function resolvePushConfig(input: unknown): ResolvedPushConfig {
  const raw = asInput(input);
  if (typeof raw.url !== 'string') throw new SimulatorInputError('url must be a string');
  const checked = loopbackUrl(raw.url);
  if ('refusal' in checked) {
    throw new SimulatorInputError(
      checked.refusal === 'not-a-url'
        ? 'url must be an absolute http URL'
        : 'url must be an http(s) URL on a loopback address (127.0.0.0/8, ::1 or localhost): the simulator pushes nowhere else',
    );
  }
  if (typeof raw.token !== 'string' || !TOKEN.test(raw.token)) throw new SimulatorInputError('token must be 3-32 letters or digits');
  if (raw.encodingAesKey !== undefined && !isEncodingAesKey(raw.encodingAesKey)) {
    throw new SimulatorInputError('encodingAesKey must be 43 letters or digits');
  }
  const encodingAesKey = raw.encodingAesKey as string | undefined;
  const format = (raw.format ?? 'json') as SimPushFormat;
  if (format !== 'json' && format !== 'xml') throw new SimulatorInputError("format must be 'json' or 'xml'");
  const mode = (raw.mode ?? (encodingAesKey === undefined ? 'plain' : 'safe')) as SimPushMode;
  if (mode !== 'plain' && mode !== 'compatible' && mode !== 'safe') {
    throw new SimulatorInputError("mode must be 'plain', 'compatible' or 'safe'");
  }
  if (mode !== 'plain' && encodingAesKey === undefined) throw new SimulatorInputError(`mode ${mode} needs an encodingAesKey`);
  return { url: raw.url, token: raw.token, ...(encodingAesKey !== undefined ? { encodingAesKey } : {}), format, mode };
}

/**
 * The original id (原始ID) of an app: its own when given, else `gh_` and 12 hex digits made from the AppID (the same
 * every run).
 * @internal
 */
export function originalIdOf(app: SimulatorApp): string {
  if (app.originalId !== undefined) return app.originalId;
  return `gh_${createHash('sha256').update(app.appId, 'utf8').digest('hex').slice(0, 12)}`;
}

/** Whether an app's `originalId` option is well-formed (`gh_…`); for the option checks. @internal */
export function isOriginalId(value: unknown): value is string {
  return typeof value === 'string' && ORIGINAL_ID.test(value);
}
