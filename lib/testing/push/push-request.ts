import { randomBytes, randomInt } from 'node:crypto';
import { decryptPushMessage, encryptPushMessage, pushSignature } from '../../crypto/wechat-push.crypto';
import { otherAppId } from '../pay/pay-notify-variants';
import type { OutboundRequest } from '../server/simulator-outbound';
import { formatPush, malformedText } from './push-format';
import type { SimPushSettings, SimPushVariant } from './push.interfaces';

/** How old the `timestamp` of a `stale-timestamp` push is: 10 minutes, twice the 5 minutes a receiver allows. */
const STALE_SECONDS = 600;

/** A request to the app's push URL: the URL with its signed query, and what to send. @internal */
export interface PushRequest {
  target: string;
  request: OutboundRequest;
}

/** The variants a push request can be built as (`duplicate` resends a genuine request). @internal */
export type PushRequestKind = Exclude<SimPushVariant, 'duplicate'>;

/** A nonce as WeChat sends them: ten digits. */
function nonce(): string {
  return String(randomInt(1_000_000_000, 10_000_000_000));
}

/** The push URL with `query` set on it, in order. */
function withQuery(url: string, query: Record<string, string>): string {
  const target = new URL(url);
  for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
  return target.toString();
}

/**
 * The request WeChat sends for a message (its fields complete) to an app's push URL, or a variant of it. The query
 * carries `signature` (SHA-1 of the sorted Token, `timestamp` and `nonce`), `timestamp` (seconds), `nonce` and `openid`
 * (the `FromUserName`); in the encrypted modes also `encrypt_type=aes` and `msg_signature` (SHA-1 of the same and the
 * `Encrypt` value). The body is the message in plaintext mode; `ToUserName` and `Encrypt` in safe mode; the message's
 * fields and `Encrypt` in compatible mode; `Encrypt` is the message in the same format, encrypted for the app's AppID.
 * `now` is in epoch ms.
 * @internal
 */
export function pushRequest(settings: SimPushSettings, fields: Record<string, unknown>, kind: PushRequestKind, now: number): PushRequest {
  const { token, format } = settings;
  const text = formatPush(fields, format);
  const timestamp = String(Math.floor(now / 1000) - (kind === 'stale-timestamp' ? STALE_SECONDS : 0));
  const once = nonce();
  const query: Record<string, string> = { signature: pushSignature(token, timestamp, once), timestamp, nonce: once };
  if (typeof fields.FromUserName === 'string') query.openid = fields.FromUserName;
  const inner = kind === 'malformed' ? malformedText(text) : text;
  let body = inner;
  // A plaintext push is signed as plaintext mode signs, whatever the configuration.
  const mode = kind === 'plaintext' ? 'plain' : settings.mode;
  if (mode !== 'plain') {
    const key = settings.encodingAesKey as string;
    const encrypt =
      kind === 'bad-ciphertext'
        ? undecryptable(key, settings.appId, encryptPushMessage(key, inner, settings.appId))
        : encryptPushMessage(key, inner, kind === 'wrong-appid' ? otherAppId(settings.appId) : settings.appId);
    const envelope = mode === 'safe' ? { ToUserName: fields.ToUserName, Encrypt: encrypt } : { ...fields, Encrypt: encrypt };
    body = formatPush(envelope, format);
    query.encrypt_type = 'aes';
    query.msg_signature = pushSignature(token, timestamp, once, encrypt);
  }
  if (kind === 'forged-signature') {
    query.signature = randomBytes(20).toString('hex');
    if (query.msg_signature !== undefined) query.msg_signature = randomBytes(20).toString('hex');
  }
  return {
    target: withQuery(settings.url, query),
    request: { method: 'POST', headers: { 'content-type': format === 'json' ? 'application/json' : 'text/xml' }, body },
  };
}

/** Random bytes as long as a genuine ciphertext, which the app's key and AppID do not decrypt (checked). */
function undecryptable(encodingAesKey: string, appId: string, genuine: string): string {
  const length = Buffer.from(genuine, 'base64').length;
  for (;;) {
    const encrypt = randomBytes(length).toString('base64');
    try {
      decryptPushMessage(encodingAesKey, encrypt, appId);
    } catch {
      return encrypt;
    }
  }
}

/**
 * The URL check WeChat makes when the push URL is saved: a GET with `signature`, `timestamp`, `nonce` and `echostr`
 * (random digits), which the app must answer with the `echostr` alone. `now` is in epoch ms.
 * @internal
 */
export function urlCheckRequest(settings: SimPushSettings, now: number): PushRequest & { echostr: string } {
  const timestamp = String(Math.floor(now / 1000));
  const once = nonce();
  const echostr = `${randomInt(100_000_000, 1_000_000_000)}${randomInt(1_000_000_000, 10_000_000_000)}`;
  const query = { signature: pushSignature(settings.token, timestamp, once), echostr, timestamp, nonce: once };
  return { target: withQuery(settings.url, query), request: { method: 'GET', headers: {} }, echostr };
}
