import { WeChatAccount, WeChatPushReceipt } from '../lib';
import { SIMULATOR_DEV_APP, SIMULATOR_DEV_PUSH, WeChatSimulator } from '../lib/testing';
import type { SimPushMode, SimPushVariant } from '../lib/testing';
import { PushEventsProbe } from './src/push-events.probe';
import { until } from './src/pay-fixture';
import { freePort, Harness, startHarness } from './utils/harness';
import { deepJson } from './utils/hostile';
import { registerSecret } from './utils/log-guard';
import { encryptForPush, sha1Sorted, signedPush } from './utils/push-signer';

const TOKEN = 'pushTestToken2026';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const ROUTE = '/miniprogram_auth/wechatPush';
const now = () => Math.floor(Date.now() / 1000);

type Mode = 'plain' | 'safe';
type Format = 'json' | 'xml';

describe('WeChat message push', () => {
  for (const [mode, format] of [
    ['plain', 'json'],
    ['plain', 'xml'],
    ['safe', 'json'],
    ['safe', 'xml'],
  ] as Array<[Mode, Format]>) {
    describe(`${mode} mode, ${format}`, () => {
      let h: Harness;
      let probe: PushEventsProbe;
      const encodingAesKey = mode === 'safe' ? AES_KEY : undefined;
      const settings = { token: TOKEN, encodingAesKey, appId: SIMULATOR_DEV_APP.appId, format };

      beforeAll(async () => {
        registerSecret(TOKEN);
        registerSecret(AES_KEY);
        h = await startHarness({ options: { push: { token: TOKEN, encodingAesKey } }, providers: [PushEventsProbe] });
        probe = h.app.get(PushEventsProbe);
      });
      afterAll(() => h.close());
      beforeEach(() => {
        probe.events.length = 0;
        probe.texts.length = 0;
        probe.unclaimed.length = 0;
        probe.afterCommitted.length = 0;
        probe.failNext = 0;
      });

      const post = (push: ReturnType<typeof signedPush>) =>
        h.http().post(ROUTE).query(push.query).set('content-type', push.contentType).send(push.body);
      const settlement = (openId: string, createTime = now()) => ({
        ToUserName: 'gh_0123456789ab',
        FromUserName: openId,
        CreateTime: createTime,
        MsgType: 'event',
        Event: 'trade_manage_order_settlement',
        transaction_id: `42000000${createTime}`,
        merchant_id: '1900000109',
        merchant_trade_no: `pickup${createTime}`,
        confirm_receive_method: 1,
        settlement_time: createTime,
      });
      const receipts = () => h.dataSource.getRepository(WeChatPushReceipt).count();

      it('answers the URL check with echostr when the signature verifies', async () => {
        const timestamp = String(now());
        const query = {
          signature: sha1Sorted(TOKEN, timestamp, '1514711492'),
          timestamp,
          nonce: '1514711492',
          echostr: '4375120948345356249',
        };
        const res = await h.http().get(ROUTE).query(query).expect(200);
        expect(res.text).toBe('4375120948345356249');
        await h
          .http()
          .get(ROUTE)
          .query({ ...query, signature: sha1Sorted('otherToken', timestamp, '1514711492') })
          .expect(401);
        await h
          .http()
          .get(ROUTE)
          .query({ ...query, echostr: '<script>' })
          .expect(400);
      });

      it('runs the handler once, in a transaction, and answers success', async () => {
        const { openId } = await h.login();
        const message = settlement(openId);
        const push = signedPush(settings, message);
        const res = await post(push).expect(200);
        expect(res.text).toBe('success');
        expect(probe.events).toHaveLength(1);
        expect(probe.events[0]).toMatchObject({ format, encrypted: mode === 'safe', message });
        const account = await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ openId });
        expect(account.city).toBe(`settled:${message.CreateTime}`);
      });

      it('answers a redelivery success and runs nothing again, also for copies arriving at once', async () => {
        const { openId } = await h.login();
        const before = await receipts();
        const message = settlement(openId);
        const push = signedPush(settings, message);
        probe.delayMs = 30;
        const answers = await Promise.all(Array.from({ length: 8 }, () => post(push)));
        probe.delayMs = 0;
        expect(answers.map((res) => [res.status, res.text])).toEqual(Array.from({ length: 8 }, () => [200, 'success']));
        // A redelivery is signed anew by WeChat: another nonce (and timestamp), the same message.
        await post(signedPush(settings, message)).expect(200);
        expect(probe.events).toHaveLength(1);
        expect(await receipts()).toBe(before + 1);
        await until(() => probe.afterCommitted.length > 0);
        expect(probe.afterCommitted).toEqual([message.CreateTime]);
      });

      it('rolls back when the handler throws, answers 503, and runs it on the next delivery', async () => {
        const { openId } = await h.login();
        const message = settlement(openId);
        probe.failNext = 1;
        const before = await receipts();
        await post(signedPush(settings, message)).expect(503);
        expect(await receipts()).toBe(before);
        expect(probe.afterCommitted).toEqual([]); // the work it queued is dropped with the rollback
        expect((await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ openId })).city).not.toBe(
          `settled:${message.CreateTime}`,
        );
        await post(signedPush(settings, message)).expect(200);
        expect(probe.events).toHaveLength(1);
        expect(await receipts()).toBe(before + 1);
        await until(() => probe.afterCommitted.length > 0);
        expect(probe.afterCommitted).toEqual([message.CreateTime]);
      });

      it('hands messages to their MsgType handler and others to the catch-all; a MsgId names a message', async () => {
        const text = {
          ToUserName: 'gh_0123456789ab',
          FromUserName: 'oUser1',
          CreateTime: now(),
          MsgType: 'text',
          Content: '你好',
          MsgId: '23456789012345678',
        };
        await post(signedPush(settings, text)).expect(200);
        await post(signedPush(settings, { ...text, CreateTime: now() + 1, Content: 'again' })).expect(200); // same MsgId: a redelivery
        expect(probe.texts).toEqual([expect.objectContaining({ Content: '你好', MsgId: '23456789012345678' })]);
        const other = {
          ToUserName: 'gh_0123456789ab',
          FromUserName: 'oUser1',
          CreateTime: now(),
          MsgType: 'event',
          Event: 'user_enter_tempsession',
          SessionFrom: 'order',
        };
        await post(signedPush(settings, other)).expect(200);
        expect(probe.unclaimed).toEqual([expect.objectContaining(other)]);
      });

      it('reads numbers and lists alike from JSON and XML', async () => {
        const popup = {
          ToUserName: 'gh_0123456789ab',
          FromUserName: 'oUser2',
          CreateTime: now(),
          MsgType: 'event',
          Event: 'subscribe_msg_popup_event',
          // As XML carries it (and older JSON did): wrapped in an element named after the event; PopupScene quoted.
          SubscribeMsgPopupEvent: { List: { TemplateId: 'tmpl-1', SubscribeStatusString: 'accept', PopupScene: '0' } },
        };
        await post(signedPush(settings, popup)).expect(200);
        const [received] = probe.unclaimed;
        expect(received).toEqual({
          ...popup,
          SubscribeMsgPopupEvent: undefined,
          List: [{ TemplateId: 'tmpl-1', SubscribeStatusString: 'accept', PopupScene: 0 }],
        });
        expect('SubscribeMsgPopupEvent' in received).toBe(false);
      });

      it('refuses forged, stale and malformed pushes with 4xx and changes nothing', async () => {
        const { openId } = await h.login();
        const before = await receipts();
        const forged = signedPush({ ...settings, token: 'notTheToken' }, settlement(openId));
        await post(forged).expect(401);
        await post(signedPush({ ...settings, timestamp: now() - 3600 }, settlement(openId))).expect(401);
        await post(signedPush({ ...settings, timestamp: now() + 3600 }, settlement(openId))).expect(401);
        const good = signedPush(settings, settlement(openId));
        await h
          .http()
          .post(ROUTE)
          .query({ ...good.query, timestamp: 'soon' })
          .set('content-type', good.contentType)
          .send(good.body)
          .expect(400);
        await h.http().post(ROUTE).query({ nonce: good.query.nonce }).set('content-type', good.contentType).send(good.body).expect(400);
        await h
          .http()
          .post(ROUTE)
          .query(good.query)
          .set('content-type', good.contentType)
          .send(format === 'json' ? '{"a":' : '<xml><a>')
          .expect(400);
        await h
          .http()
          .post(ROUTE)
          .query(good.query)
          .set('content-type', 'text/xml')
          .send('<!DOCTYPE x [<!ENTITY e "e">]><xml>&e;</xml>')
          .expect(400);
        expect(probe.events).toEqual([]);
        expect(await receipts()).toBe(before);
      });

      if (mode === 'safe') {
        it('refuses a plaintext push, another AppID and a bad ciphertext', async () => {
          const { openId } = await h.login();
          const before = await receipts();
          await post(signedPush({ ...settings, encodingAesKey: undefined }, settlement(openId))).expect(401);
          await post(signedPush({ ...settings, appId: 'wx0000000000000000' }, settlement(openId))).expect(400);
          const timestamp = String(now());
          const encrypt = encryptForPush(AES_KEY, JSON.stringify(settlement(openId)), SIMULATOR_DEV_APP.appId).slice(0, -8) + 'AAAAAAA=';
          const query = { timestamp, nonce: '42', msg_signature: sha1Sorted(TOKEN, timestamp, '42', encrypt), encrypt_type: 'aes' };
          await h
            .http()
            .post(ROUTE)
            .query(query)
            .set('content-type', 'application/json')
            .send({ ToUserName: 'gh_0123456789ab', Encrypt: encrypt })
            .expect(400);
          expect(probe.events).toEqual([]);
          expect(await receipts()).toBe(before);
        });
      } else {
        it('refuses pushes nested too deeply', async () => {
          const timestamp = String(now());
          const query = { timestamp, nonce: '7', signature: sha1Sorted(TOKEN, timestamp, '7') };
          const deep = format === 'json' ? deepJson(5000, 'a') : `<xml>${'<a>'.repeat(5000)}x${'</a>'.repeat(5000)}</xml>`;
          await h
            .http()
            .post(ROUTE)
            .query(query)
            .set('content-type', format === 'json' ? 'application/json' : 'text/xml')
            .send(deep)
            .expect(400);
        });
      }
    });
  }

  describe.each([
    ['safe', 'json'],
    ['compatible', 'xml'],
    ['plain', 'xml'],
  ] as Array<[SimPushMode, Format]>)('pushed by the simulator (%s mode, %s)', (mode, format) => {
    let h: Harness;
    let probe: PushEventsProbe;
    // WeChat's retries (5 s apart) a hundred times faster.
    const sim = new WeChatSimulator({ timeScale: 0.01 });

    beforeAll(async () => {
      await sim.start();
      registerSecret(SIMULATOR_DEV_PUSH.token);
      registerSecret(SIMULATOR_DEV_PUSH.encodingAesKey);
      const port = await freePort();
      const encodingAesKey = mode === 'plain' ? undefined : SIMULATOR_DEV_PUSH.encodingAesKey;
      h = await startHarness({
        options: { push: { token: SIMULATOR_DEV_PUSH.token, encodingAesKey, format } },
        providers: [PushEventsProbe],
        port,
        sim,
      });
      probe = h.app.get(PushEventsProbe);
      h.sim.configurePush({ url: `http://127.0.0.1:${port}${ROUTE}`, token: SIMULATOR_DEV_PUSH.token, encodingAesKey, format, mode });
    });
    afterAll(async () => {
      await h.close();
      await sim.stop();
    });

    it("passes WeChat's URL check", async () => {
      expect(await h.sim.checkPushUrl()).toMatchObject({ ok: true, status: 200 });
    });

    it('delivers a push that runs its handler once, duplicates answered success and nothing run twice', async () => {
      const { openId } = await h.login();
      const message = {
        Event: 'trade_manage_order_settlement',
        MsgType: 'event',
        transaction_id: '4200000001',
        merchant_trade_no: 'pickup1',
      };
      const [push] = await h.sim.push({ openId, message });
      expect(push).toMatchObject({ acknowledged: true, attempts: [{ status: 200, body: 'success' }] });
      await h.sim.push({ openId, message: push.message, kind: 'duplicate', copies: 3 });
      expect(probe.events).toHaveLength(1);
      expect(probe.events[0]).toMatchObject({
        format,
        encrypted: mode !== 'plain',
        message: { FromUserName: openId, transaction_id: '4200000001' },
      });
    });

    it('is retried by the simulator until the handler succeeds, and runs once', async () => {
      const { openId } = await h.login();
      probe.events.length = 0;
      probe.failNext = 1;
      const [push] = await h.sim.push({
        openId,
        message: { MsgType: 'event', Event: 'trade_manage_order_settlement', transaction_id: '4200000002' },
      });
      const deadline = Date.now() + 20_000;
      while (!h.sim.pushes.find((p) => p.id === push.id)?.acknowledged && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const delivered = h.sim.pushes.find((p) => p.id === push.id)!;
      expect(delivered.attempts.map((a) => a.status)).toEqual([503, 200]);
      expect(probe.events).toHaveLength(1);
    });

    it('has its forged, stale and malformed pushes refused with 4xx, nothing run', async () => {
      const { openId } = await h.login();
      probe.events.length = 0;
      const message = { MsgType: 'event', Event: 'trade_manage_order_settlement', transaction_id: '4200000003' };
      const encryptedOnly: SimPushVariant[] = ['wrong-appid', 'plaintext', 'bad-ciphertext'];
      const kinds: SimPushVariant[] = ['forged-signature', 'stale-timestamp', 'malformed', ...(mode === 'plain' ? [] : encryptedOnly)];
      for (const kind of kinds) {
        const [push] = await h.sim.push({ openId, message, kind });
        expect([kind, push.acknowledged, push.attempts.length, push.attempts[0].status >= 400 && push.attempts[0].status < 500]).toEqual([
          kind,
          false,
          1,
          true,
        ]);
      }
      expect(probe.events).toEqual([]);
    });
  });

  it('keeps a JSON MsgId to the digit when the raw body is kept (it does not fit a JavaScript number)', async () => {
    const h = await startHarness({ options: { push: { token: TOKEN } }, providers: [PushEventsProbe], rawBody: true });
    try {
      const text = { ToUserName: 'gh_0123456789ab', FromUserName: 'oUser1', CreateTime: now(), MsgType: 'text', Content: 'hi', MsgId: 0 };
      const push = signedPush({ token: TOKEN, appId: SIMULATOR_DEV_APP.appId, format: 'json' }, text);
      // As WeChat writes it: a bare 64-bit number.
      push.body = push.body.replace('"MsgId":0', '"MsgId":23456789012345678901');
      await h.http().post(ROUTE).query(push.query).set('content-type', push.contentType).send(push.body).expect(200);
      expect(h.app.get(PushEventsProbe).texts).toEqual([expect.objectContaining({ MsgId: '23456789012345678901' })]);
    } finally {
      await h.close();
    }
  });

  it('answers 404 while push is not configured, and serves a configured path', async () => {
    const h = await startHarness({ extras: { routePrefix: 'api/wechat', pushPath: 'events' } });
    try {
      const timestamp = String(now());
      const query = { signature: sha1Sorted(TOKEN, timestamp, '1'), timestamp, nonce: '1', echostr: 'x1' };
      await h.http().get('/api/wechat/events').query(query).expect(404);
      await h.http().post('/api/wechat/events').query(query).send({}).expect(404);
      await h.http().get(ROUTE).query(query).expect(404);
    } finally {
      await h.close();
    }
  });
});
