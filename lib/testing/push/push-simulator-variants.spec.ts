import { APP, DEV_PUSH, encryptOf, independentDecrypt, pushBench, queryNames, sha1Signature, sleep } from './push-simulator.spec-kit';
import type { Received } from './push-simulator.spec-kit';

const MESSAGE = { MsgType: 'event', Event: 'user_enter_tempsession', SessionFrom: 'variant' };
const ENCRYPTED_QUERY = ['signature', 'timestamp', 'nonce', 'openid', 'encrypt_type', 'msg_signature'];

function signed(request: Received) {
  const q = (name: string) => request.query.get(name) as string;
  return {
    timestamp: q('timestamp'),
    signatureOk: q('signature') === sha1Signature(DEV_PUSH.token, q('timestamp'), q('nonce')),
    msgSignatureOk: (encrypt: string) => q('msg_signature') === sha1Signature(DEV_PUSH.token, q('timestamp'), q('nonce'), encrypt),
  };
}

describe('WeChatSimulator (message push): variants', () => {
  const { sim, receiver, configure, control } = pushBench();

  /** Pushes one variant in safe JSON mode; the app refuses it with 401, which is never retried. */
  async function variant(kind: string, config: Parameters<typeof configure>[0] = {}) {
    configure({ encodingAesKey: DEV_PUSH.encodingAesKey, ...config });
    receiver.fallback = () => ({ status: 401, body: 'refused' });
    const answer = await control('POST', '/__sim/push', { openId: 'oVariant', message: MESSAGE, kind });
    expect(answer.status).toBe(200);
    await sleep(30);
    expect(receiver.received).toHaveLength(1);
    expect(answer.json.pushes).toEqual([
      expect.objectContaining({
        kind,
        acknowledged: false,
        done: true,
        attempts: [expect.objectContaining({ status: 401, body: 'refused' })],
      }),
    ]);
    return { request: receiver.received[0], push: answer.json.pushes[0] };
  }

  it('forged-signature: random signature and msg_signature over a genuine body, sent once', async () => {
    const { request, push } = await variant('forged-signature');
    expect(queryNames(request)).toEqual(ENCRYPTED_QUERY);
    const check = signed(request);
    expect(request.query.get('signature')).toMatch(/^[0-9a-f]{40}$/);
    expect(check.signatureOk).toBe(false);
    expect(check.msgSignatureOk(encryptOf(request.body))).toBe(false);
    expect(JSON.parse(independentDecrypt(DEV_PUSH.encodingAesKey, encryptOf(request.body)).message)).toEqual(push.message);
  });

  it('forged-signature in plaintext mode: a random signature', async () => {
    configure();
    await sim.push({ openId: 'oVariant', message: MESSAGE, kind: 'forged-signature', copies: 3 });
    expect(receiver.received).toHaveLength(3);
    for (const request of receiver.received) {
      expect(queryNames(request)).toEqual(['signature', 'timestamp', 'nonce', 'openid']);
      expect(signed(request).signatureOk).toBe(false);
    }
    expect(sim.pushes.map((p) => p.kind)).toEqual(['forged-signature', 'forged-signature', 'forged-signature']);
  });

  it('stale-timestamp: a timestamp 10 minutes old, correctly signed', async () => {
    const { request } = await variant('stale-timestamp');
    const check = signed(request);
    expect(Math.abs(Date.now() / 1000 - 600 - Number(check.timestamp))).toBeLessThan(5);
    expect(check.signatureOk).toBe(true);
    expect(check.msgSignatureOk(encryptOf(request.body))).toBe(true);
  });

  it('wrong-appid: encrypted for another AppID, correctly signed', async () => {
    const { request, push } = await variant('wrong-appid');
    const encrypt = encryptOf(request.body);
    expect(signed(request).msgSignatureOk(encrypt)).toBe(true);
    const decrypted = independentDecrypt(DEV_PUSH.encodingAesKey, encrypt);
    expect(decrypted.appId).toMatch(/^wx[0-9a-f]{16}$/);
    expect(decrypted.appId).not.toBe(APP.appId);
    expect(JSON.parse(decrypted.message)).toEqual(push.message);
  });

  it.each(['json', 'xml'] as const)('plaintext: the message in the clear, signed as plaintext mode signs (%s)', async (format) => {
    const { request, push } = await variant('plaintext', { format });
    expect(queryNames(request)).toEqual(['signature', 'timestamp', 'nonce', 'openid']);
    expect(signed(request).signatureOk).toBe(true);
    expect(request.body).not.toContain('Encrypt');
    if (format === 'json') expect(JSON.parse(request.body)).toEqual(push.message);
    else expect(request.body).toContain('<SessionFrom><![CDATA[variant]]></SessionFrom>');
    expect(push.mode).toBe('safe');
  });

  it('malformed in plaintext mode: a body that is neither JSON nor XML, correctly signed', async () => {
    configure({ format: 'xml' });
    await sim.push({ openId: 'oVariant', message: MESSAGE, kind: 'malformed' });
    const [request] = receiver.received;
    expect(signed(request).signatureOk).toBe(true);
    expect(request.body.startsWith('<xml><ToUserName>')).toBe(true);
    expect(request.body).not.toContain('</xml>');
    configure();
    await sim.push({ openId: 'oVariant', message: MESSAGE, kind: 'malformed' });
    expect(() => JSON.parse(receiver.received[1].body)).toThrow(SyntaxError);
    expect(sim.pushes.map((p) => [p.kind, p.done, p.attempts.length])).toEqual([
      ['malformed', true, 1],
      ['malformed', true, 1],
    ]);
  });

  it('malformed in safe mode: what decrypts is neither JSON nor XML, correctly signed', async () => {
    const { request } = await variant('malformed');
    const encrypt = encryptOf(request.body);
    expect(signed(request).msgSignatureOk(encrypt)).toBe(true);
    const decrypted = independentDecrypt(DEV_PUSH.encodingAesKey, encrypt);
    expect(decrypted.appId).toBe(APP.appId);
    expect(decrypted.message.startsWith('{"ToUserName":')).toBe(true);
    expect(() => JSON.parse(decrypted.message)).toThrow(SyntaxError);
  });

  it.each(['safe', 'compatible'] as const)('bad-ciphertext: an Encrypt that does not decrypt, correctly signed (%s)', async (mode) => {
    const { request } = await variant('bad-ciphertext', { mode });
    const encrypt = encryptOf(request.body);
    expect(signed(request).msgSignatureOk(encrypt)).toBe(true);
    expect(Buffer.from(encrypt, 'base64').length % 32).toBe(0);
    let appId: string | undefined;
    try {
      appId = independentDecrypt(DEV_PUSH.encodingAesKey, encrypt).appId;
    } catch {
      appId = undefined;
    }
    expect(appId).not.toBe(APP.appId);
  });

  it.each(['wrong-appid', 'plaintext', 'bad-ciphertext'])('refuses %s with 409 when the push is in plaintext mode', async (kind) => {
    configure();
    const answer = await control('POST', '/__sim/push', { openId: 'oVariant', message: MESSAGE, kind });
    expect(answer).toEqual({ status: 409, json: { error: expect.stringMatching(/needs the compatible or safe mode/) } });
    expect(receiver.received).toEqual([]);
  });
});
