import { Injectable } from '@nestjs/common';
import { OnMediaCheckResult, WeChatAccount, WeChatInputError, WeChatMediaCheck, WeChatSecurityService } from '../lib';
import type { MediaCheckResultEvent } from '../lib';
import type { WeChatSimulator } from '../lib/testing';
import type { SimPush } from '../lib/testing';
import { Harness, startPushHarness } from './utils/harness';
import { waitFor } from '../lib/testing/server/simulator-bench.spec-kit';

/** A host provider with an `@OnMediaCheckResult()` handler that records each call, writes in its transaction, and can fail. */
@Injectable()
class MediaCheckProbe {
  readonly events: Array<Omit<MediaCheckResultEvent, 'manager' | 'afterCommit'>> = [];
  failNext = 0;

  @OnMediaCheckResult()
  async checked({ manager, afterCommit: _afterCommit, ...event }: MediaCheckResultEvent): Promise<void> {
    // A write inside the push's transaction: it commits or rolls back with the record.
    await manager.update(WeChatAccount, { openId: event.check.openId ?? '' }, { city: `${event.status}:${event.traceId}` });
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('the host handler failed');
    }
    this.events.push(event);
  }
}

describe('content security, with the simulator', () => {
  let h: Harness;
  let service: WeChatSecurityService;
  let probe: MediaCheckProbe;
  let sim: WeChatSimulator;

  beforeAll(async () => {
    h = await startPushHarness({ providers: [MediaCheckProbe] });
    sim = h.sim;
    service = h.app.get(WeChatSecurityService);
    probe = h.app.get(MediaCheckProbe);
  });
  afterAll(() => h.close());
  beforeEach(() => {
    probe.events.length = 0;
    probe.failNext = 0;
    sim.setSecurityVerdicts({ text: [], media: [], delayMs: 1000 });
  });

  const record = (traceId: string) => h.dataSource.getRepository(WeChatMediaCheck).findOneBy({ traceId });
  const pushOf = (traceId: string): SimPush | undefined => {
    const pushId = sim.securityChecks().find((check) => check.traceId === traceId)?.pushId;
    return sim.pushes.find((push) => push.id === pushId);
  };
  /** A `wxa_media_check` push of the app, version 2, with `fields`. */
  const verdictMessage = (traceId: string, fields: Record<string, unknown>) => ({
    MsgType: 'event',
    Event: 'wxa_media_check',
    appid: sim.apps[0].appId,
    trace_id: traceId,
    version: 2,
    ...fields,
  });
  /** The push of a check's verdict, once the app acknowledged it. */
  const acknowledgedPush = async (traceId: string): Promise<SimPush> => {
    await waitFor(() => pushOf(traceId)?.acknowledged === true, 10_000);
    return pushOf(traceId) as SimPush;
  };
  const image = (openId: string, mediaUrl = 'https://cdn.example.com/avatar.png') =>
    ({ mediaUrl, mediaType: 'image', openId, scene: 1 }) as const;

  it('gives pass, review and risky verdicts on texts as results', async () => {
    const { openId } = await h.login();
    sim.setSecurityVerdicts({
      text: [
        { contains: '加微信', suggest: 'review', label: 10001 },
        { contains: '违禁', suggest: 'risky', label: 20006 },
      ],
    });
    expect(await service.checkText({ content: '今天天气不错', openId, scene: 2 })).toEqual({
      suggest: 'pass',
      label: 100,
      traceId: expect.stringMatching(/^[0-9a-f]{8}-/),
      detail: [
        { strategy: 'content_model', errcode: 0, suggest: 'pass', label: 100, prob: 90 },
        { strategy: 'keyword', errcode: 0 },
      ],
    });
    expect(await service.checkText({ content: '详情加微信', openId, scene: 3, title: '转让' })).toMatchObject({
      suggest: 'review',
      label: 10001,
    });
    expect(await service.checkText({ content: '个人简介', openId, scene: 1, nickname: '违禁品', signature: '你好' })).toMatchObject({
      suggest: 'risky',
      label: 20006,
    });
    const calls = sim.calls.length;
    await expect(service.checkText({ content: '', openId, scene: 2 })).rejects.toBeInstanceOf(WeChatInputError);
    expect(sim.calls.length).toBe(calls);
    await expect(service.checkText({ content: 'hi', openId: 'oNeverLoggedIn', scene: 2 })).rejects.toMatchObject({
      name: 'WeChatApiError',
      errcode: 40003,
    });
  });

  it('delivers a media verdict pushed later to @OnMediaCheckResult() exactly once, and resolves the record', async () => {
    const { openId } = await h.login();
    const risky = { suggest: 'risky', label: 20002 } as const;
    sim.setSecurityVerdicts({ media: [{ urlContains: '/nsfw/', ...risky }] });
    const mediaUrl = 'https://cdn.example.com/nsfw/avatar.png';
    const { traceId } = await service.checkMediaAsync(image(openId, mediaUrl));
    expect(await record(traceId)).toMatchObject({ openId, mediaUrl, mediaType: 'image', status: 'pending', resolvedAt: null });

    await waitFor(() => probe.events.length > 0, 10_000);
    expect(probe.events).toEqual([
      {
        traceId,
        status: 'risky',
        verdict: risky,
        errcode: 0,
        detail: [{ strategy: 'content_model', errcode: 0, ...risky, prob: 90 }],
        known: true,
        check: expect.objectContaining({ traceId, openId, mediaUrl, status: 'risky', label: 20002 }),
        message: expect.objectContaining({ Event: 'wxa_media_check', trace_id: traceId, version: 2 }),
      },
    ]);
    expect(await record(traceId)).toMatchObject({ status: 'risky', label: 20002, resolvedAt: expect.any(Date) });
    expect(await h.dataSource.getRepository(WeChatAccount).findOneBy({ openId })).toMatchObject({ city: `risky:${traceId}` });

    // The very same push again (the receipt recognises it), and a resend of the verdict with another CreateTime (a push
    // of its own): neither delivers it a second time.
    const push = await acknowledgedPush(traceId);
    const again = await sim.push({ openId, message: push.message, kind: 'duplicate', copies: 3 });
    expect(again.every((copy) => copy.acknowledged)).toBe(true);
    const [resent] = await sim.push({ openId, message: { ...push.message, CreateTime: (push.message.CreateTime as number) + 60 } });
    expect(resent.acknowledged).toBe(true);
    expect(probe.events).toHaveLength(1);
  });

  it('keeps the check pending while the handler fails, and delivers it once on WeChat’s redelivery', async () => {
    const { openId } = await h.login();
    probe.failNext = 1;
    const { traceId } = await service.checkMediaAsync(image(openId));
    await waitFor(() => probe.events.length > 0, 10_000);
    expect(probe.events).toEqual([
      expect.objectContaining({ traceId, status: 'pass', verdict: { suggest: 'pass', label: 100 }, known: true }),
    ]);
    expect((await acknowledgedPush(traceId)).attempts.map((attempt) => attempt.status)).toEqual([503, 200]);
    expect(await record(traceId)).toMatchObject({ status: 'pass', label: 100 });
  });

  it('delivers the verdict of a check it did not start once, with known: false, and a failure without a verdict', async () => {
    const { openId } = await h.login();
    const traceId = '60f96f1d-3845297a-1976a3ae';
    const message = verdictMessage(traceId, { errcode: -1008, errmsg: 'download error', detail: [] });
    const [push] = await sim.push({ openId, message });
    expect(push.acknowledged).toBe(true);
    await sim.push({ openId, message: { ...message, CreateTime: Math.floor(Date.now() / 1000) - 5 } });
    expect(probe.events).toEqual([expect.objectContaining({ traceId, status: 'failed', verdict: null, errcode: -1008, known: false })]);
    expect(await record(traceId)).toMatchObject({ openId, mediaUrl: null, status: 'failed', label: null });
  });

  it('changes nothing for a forged push', async () => {
    const { openId } = await h.login();
    sim.setSecurityVerdicts({ delayMs: 600_000 }); // the genuine verdict would come in 6 s: long after this test
    const { traceId } = await service.checkMediaAsync(image(openId));
    const message = verdictMessage(traceId, { result: { suggest: 'pass', label: 100 } });
    for (const kind of ['forged-signature', 'stale-timestamp', 'wrong-appid'] as const) {
      const [forged] = await sim.push({ openId, message, kind });
      expect([kind, forged.acknowledged, forged.attempts[0].status]).toEqual([kind, false, kind === 'wrong-appid' ? 400 : 401]);
    }
    expect(probe.events).toEqual([]);
    expect(await record(traceId)).toMatchObject({ status: 'pending', resolvedAt: null });
  });
});
