import { createCipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * WeChat's message-push signing and encryption, written here from WeChat's documentation independently of the
 * library's crypto: the tests sign and encrypt with this, the library verifies and decrypts with its own.
 */
export const sha1Sorted = (...parts: string[]) => createHash('sha1').update(parts.sort().join('')).digest('hex');

/** AES-256-CBC of random(16) | length(4, big-endian) | message | appid, PKCS#7 to a 32-byte block, base64. */
export function encryptForPush(encodingAesKey: string, message: string, appId: string): string {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  const body = Buffer.from(message, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(appId, 'utf8')]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

/** A WeChat-style XML body: strings in CDATA, numbers bare, objects nested, arrays repeated. */
export function pushXml(fields: Record<string, unknown>, root = 'xml'): string {
  const element = (name: string, value: unknown): string => {
    if (Array.isArray(value)) return value.map((item) => element(name, item)).join('');
    if (value !== null && typeof value === 'object') return pushXml(value as Record<string, unknown>, name);
    return typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${String(value)}]]></${name}>`;
  };
  return `<${root}>${Object.entries(fields)
    .map(([name, value]) => element(name, value))
    .join('')}</${root}>`;
}

/** The query and body of a push as WeChat sends it: plain (`signature`) or encrypted (`msg_signature`). */
export function signedPush(
  settings: { token: string; encodingAesKey?: string; appId: string; format: 'json' | 'xml'; timestamp?: number },
  message: Record<string, unknown>,
): { query: Record<string, string>; body: string; contentType: string } {
  const timestamp = String(settings.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = String(Math.floor(Math.random() * 1e9));
  const text = settings.format === 'json' ? JSON.stringify(message) : pushXml(message);
  const query: Record<string, string> = { signature: sha1Sorted(settings.token, timestamp, nonce), timestamp, nonce };
  if (typeof message.FromUserName === 'string') query.openid = message.FromUserName;
  let body = text;
  if (settings.encodingAesKey) {
    const encrypt = encryptForPush(settings.encodingAesKey, text, settings.appId);
    const outer = { ToUserName: message.ToUserName, Encrypt: encrypt };
    body = settings.format === 'json' ? JSON.stringify(outer) : pushXml(outer);
    query.encrypt_type = 'aes';
    query.msg_signature = sha1Sorted(settings.token, timestamp, nonce, encrypt);
  }
  return { query, body, contentType: settings.format === 'json' ? 'application/json' : 'text/xml' };
}
