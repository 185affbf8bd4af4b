import fc from 'fast-check';
import { WeChatPushReceipt } from '../../lib';
import { SIMULATOR_DEV_APP } from '../../lib/testing';
import { PushEventsProbe } from '../src/push-events.probe';
import { Harness, startHarness } from '../utils/harness';
import { registerSecret } from '../utils/log-guard';
import { encryptForPush, sha1Sorted, signedPush } from '../utils/push-signer';
import { anyString, xmlish } from './arbitraries';
import { configureFuzz } from './fuzz-settings';

configureFuzz();

const ROUTE = '/miniprogram_auth/wechatPush';
const TOKEN = 'fuzzPushToken01';
const AES_KEY = 'ZyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJ';
const settings = { token: TOKEN, encodingAesKey: AES_KEY, appId: SIMULATOR_DEV_APP.appId };

/** How a request differs from a genuine push: only `genuine` may be handled. */
type Mutation =
  | { kind: 'genuine' }
  | { kind: 'body'; body: string }
  | { kind: 'encrypt'; encrypt: string }
  | { kind: 'query'; name: string; value: unknown }
  | { kind: 'drop'; name: string }
  | { kind: 'plaintext' }
  | { kind: 'deep'; depth: number };

const QUERY_NAMES = ['signature', 'timestamp', 'nonce', 'msg_signature', 'encrypt_type', 'openid'];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Mutation>({ kind: 'genuine' }) },
  { weight: 2, arbitrary: fc.oneof(anyString, xmlish, fc.json()).map((body): Mutation => ({ kind: 'body', body })) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.base64String({ maxLength: 200 }), anyString, fc.constant(''))
      .map((encrypt): Mutation => ({ kind: 'encrypt', encrypt })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ name: fc.constantFrom(...QUERY_NAMES), value: fc.oneof(anyString, fc.array(fc.string(), { minLength: 2, maxLength: 3 })) })
      .map(({ name, value }): Mutation => ({ kind: 'query', name, value })),
  },
  { weight: 1, arbitrary: fc.constantFrom(...QUERY_NAMES).map((name): Mutation => ({ kind: 'drop', name })) },
  { weight: 1, arbitrary: fc.constant<Mutation>({ kind: 'plaintext' }) },
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 3000 }).map((depth): Mutation => ({ kind: 'deep', depth })) },
);

const contentType = fc.constantFrom('application/json', 'text/xml', 'text/plain', 'application/octet-stream', 'text/html');

describe('the message-push route under fuzzed HTTP input', () => {
  let h: Harness;
  let seq = 0;

  beforeAll(async () => {
    registerSecret(TOKEN);
    registerSecret(AES_KEY);
    h = await startHarness({ options: { push: { token: TOKEN, encodingAesKey: AES_KEY } }, providers: [PushEventsProbe] });
  });
  afterAll(() => h?.close());

  it('handles exactly the genuine pushes and answers everything else 4xx, never 5xx', async () => {
    const receipts = h.dataSource.getRepository(WeChatPushReceipt);
    let genuine = 0;
    await fc.assert(
      fc.asyncProperty(mutation, fc.constantFrom<'json' | 'xml'>('json', 'xml'), contentType, async (change, format, type) => {
        const message = {
          ToUserName: 'gh_fuzz',
          FromUserName: 'oFuzz',
          CreateTime: Math.floor(Date.now() / 1000),
          MsgType: 'event',
          Event: 'fuzz',
          seq: ++seq,
        };
        const push = signedPush({ ...settings, format }, message);
        const query: Record<string, unknown> = { ...push.query };
        let body = push.body;
        switch (change.kind) {
          case 'body':
            body = change.body;
            break;
          case 'encrypt': {
            // Correctly signed, so that the ciphertext itself is what is tested.
            body = JSON.stringify({ ToUserName: 'gh_fuzz', Encrypt: change.encrypt });
            query.msg_signature = sha1Sorted(TOKEN, push.query.timestamp, push.query.nonce, change.encrypt);
            break;
          }
          case 'query':
            query[change.name] = change.value;
            break;
          case 'drop':
            delete query[change.name];
            break;
          case 'plaintext':
            body = JSON.stringify(message);
            break;
          case 'deep': {
            const encrypt = encryptForPush(AES_KEY, `${'{"a":'.repeat(change.depth)}1${'}'.repeat(change.depth)}`, SIMULATOR_DEV_APP.appId);
            body = JSON.stringify({ ToUserName: 'gh_fuzz', Encrypt: encrypt });
            query.msg_signature = sha1Sorted(TOKEN, push.query.timestamp, push.query.nonce, encrypt);
            break;
          }
        }
        // Express's JSON parser answers 400 itself for a body that is not JSON, before the route: still a 4xx.
        const res = await h.http().post(ROUTE).query(query).set('content-type', type).send(body);
        // In safe mode only msg_signature (with timestamp and nonce) proves a push: `signature`, `encrypt_type` and
        // `openid` are neither needed nor read, so a push with other ones is still WeChat's.
        const unread = ['signature', 'encrypt_type', 'openid'];
        // An XML body labelled JSON never reaches the route: the host's JSON parser refuses it (400). (WeChat does the
        // opposite, JSON labelled text/xml, which the route reads.)
        const reachesRoute = !(format === 'xml' && type === 'application/json');
        const isGenuine =
          reachesRoute &&
          (change.kind === 'genuine' || ((change.kind === 'query' || change.kind === 'drop') && unread.includes(change.name)));
        if (isGenuine && res.status === 200) genuine++;
        if (isGenuine) expect([res.status, res.text]).toEqual([200, 'success']);
        else expect([400, 401, 413, 415]).toContain(res.status);
      }),
      { numRuns: 200 },
    );
    expect(await receipts.count()).toBe(genuine);
    expect(h.app.get(PushEventsProbe).unclaimed).toHaveLength(genuine);
    // Still serving.
    const push = signedPush(
      { ...settings, format: 'json' },
      { ToUserName: 'gh_fuzz', FromUserName: 'o', CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: 'after' },
    );
    await h.http().post(ROUTE).query(push.query).set('content-type', push.contentType).send(push.body).expect(200);
  }, 120_000);
});
