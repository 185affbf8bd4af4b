import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { WeChatMediaCheck } from '../entities/wechat-media-check.entity';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import { WeChatInputError } from '../errors/wechat-input.error';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import type { WxaMediaCheckEvent } from '../push/wechat-push.events';
import type { HandlerDiscovery } from '../utils/handler-discovery';
import type { WeChatApiService } from '../wechat/wechat-api.service';
import type { WeChatJson, WeChatRequest } from '../wechat/wechat-http.client';
import { WeChatMediaCheckResults } from './media-check.results';
import type { MediaCheckResultEvent } from './security.interfaces';
import { WeChatSecurityService } from './wechat-security.service';

const OPENID = 'o7esq5OI1Uej6Xixw1lA2H7XDVbc';
const APP_ID = 'wx8f16a5be77871234';
const IMAGE = { mediaUrl: 'https://cdn.example.com/a.png', mediaType: 'image' as const, openId: OPENID, scene: 2 as const };

describe('WeChatSecurityService and the media check results', () => {
  let dataSource: DataSource;
  let requests: WeChatRequest[];
  let answer: (req: WeChatRequest) => WeChatJson;
  let service: WeChatSecurityService;
  let results: WeChatMediaCheckResults;
  let delivered: Array<Omit<MediaCheckResultEvent, 'manager' | 'message' | 'afterCommit'>>;
  let failNext: boolean;

  beforeAll(async () => {
    dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [WeChatMediaCheck], synchronize: true });
    await dataSource.initialize();
  });
  afterAll(() => dataSource.destroy());
  beforeEach(async () => {
    await dataSource.getRepository(WeChatMediaCheck).clear();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    requests = [];
    answer = () => ({ errcode: 0, errmsg: 'ok', trace_id: '60f96f1d-3845297a-1976a3ae' });
    // A fake WeChatApiService: each request recorded, answered by `answer`.
    const send = (req: WeChatRequest) => answer(requests[requests.push(req) - 1]);
    const api = { withAccessToken: async (build: (token: string) => WeChatRequest) => send(build('TOKEN')) } as unknown as WeChatApiService;
    service = new WeChatSecurityService(api, dataSource.getRepository(WeChatMediaCheck));
    delivered = [];
    failNext = false;
    const discovery = {
      find: (_key: string, add: (metadata: true, call: (payload: unknown) => unknown, name: string) => void) =>
        add(
          true,
          (payload) => {
            const { manager: _manager, message: _message, afterCommit: _afterCommit, ...event } = payload as MediaCheckResultEvent;
            if (failNext) {
              failNext = false;
              throw new Error('the host handler failed');
            }
            delivered.push(event);
          },
          'Probe.checked',
        ),
    } as unknown as HandlerDiscovery;
    results = new WeChatMediaCheckResults(discovery, { appId: APP_ID } as ResolvedMiniProgramOptions);
    results.onModuleInit();
  });
  afterEach(() => jest.restoreAllMocks());

  const push = (traceId: string, fields: Partial<WxaMediaCheckEvent> = {}) =>
    dataSource.transaction((manager) =>
      results.pushed({
        message: {
          ToUserName: 'gh_9df7d78a1234',
          FromUserName: OPENID,
          CreateTime: 1626959646,
          MsgType: 'event',
          Event: 'wxa_media_check',
          appid: APP_ID,
          trace_id: traceId,
          version: 2,
          errcode: 0,
          result: { suggest: 'risky', label: 20002 },
          detail: [{ strategy: 'content_model', errcode: 0, suggest: 'risky', label: 20002, prob: 90 }],
          ...fields,
        } as WxaMediaCheckEvent,
        manager,
        format: 'json',
        encrypted: true,
        afterCommit: () => undefined,
      }),
    );
  const row = (traceId: string) => dataSource.getRepository(WeChatMediaCheck).findOneByOrFail({ traceId });

  it('checks a text with version 2, as a query that may be retried, and gives a risky verdict as a result', async () => {
    answer = () => ({ errcode: 0, errmsg: 'ok', result: { suggest: 'risky', label: 20002 }, detail: [], trace_id: 'T1' });
    expect(await service.checkText({ content: '图文', openId: OPENID, scene: 3, title: '标题' })).toEqual({
      suggest: 'risky',
      label: 20002,
      traceId: 'T1',
      detail: [],
    });
    expect(requests).toEqual([
      {
        api: 'msgSecCheck',
        method: 'POST',
        path: '/wxa/msg_sec_check',
        query: { access_token: 'TOKEN' },
        body: { version: 2, openid: OPENID, scene: 3, content: '图文', title: '标题' },
        idempotent: true,
      },
    ]);
  });

  it("gives version 1's 87014 as a risky result, and throws WeChat's other refusals and bad input", async () => {
    answer = () => {
      throw new WeChatApiError('msgSecCheck', 87014, 'risky content');
    };
    expect(await service.checkText({ content: 'x', openId: OPENID, scene: 2 })).toEqual({
      suggest: 'risky',
      label: 21000,
      traceId: '',
      detail: [],
    });
    answer = () => {
      throw new WeChatApiError('msgSecCheck', 61010, 'code is expired');
    };
    await expect(service.checkText({ content: 'x', openId: OPENID, scene: 2 })).rejects.toMatchObject({ errcode: 61010 });
    answer = () => ({ errcode: 0, errmsg: 'ok' });
    await expect(service.checkText({ content: 'x', openId: OPENID, scene: 2 })).rejects.toBeInstanceOf(WeChatUnavailableError);
    const sent = requests.length;
    await expect(service.checkText({ content: '', openId: OPENID, scene: 2 })).rejects.toBeInstanceOf(WeChatInputError);
    await expect(service.checkMediaAsync({ ...IMAGE, mediaUrl: 'file:///a.png' })).rejects.toBeInstanceOf(WeChatInputError);
    expect(requests).toHaveLength(sent);
  });

  it('starts a media check once (never repeated after a timeout) and records it as pending', async () => {
    expect(await service.checkMediaAsync(IMAGE)).toEqual({ traceId: '60f96f1d-3845297a-1976a3ae' });
    expect(requests).toEqual([
      expect.objectContaining({
        api: 'mediaCheckAsync',
        path: '/wxa/media_check_async',
        body: { version: 2, openid: OPENID, scene: 2, media_url: IMAGE.mediaUrl, media_type: 2 },
        idempotent: false,
      }),
    ]);
    expect(await row('60f96f1d-3845297a-1976a3ae')).toMatchObject({
      openId: OPENID,
      mediaUrl: IMAGE.mediaUrl,
      mediaType: 'image',
      status: 'pending',
      label: null,
      resolvedAt: null,
    });
  });

  it('delivers a verdict once: resolves the record, and a second push of the same trace id finds it resolved', async () => {
    const { traceId } = await service.checkMediaAsync(IMAGE);
    await push(traceId);
    await push(traceId, { CreateTime: 1626959700, result: { suggest: 'pass', label: 100 } });
    expect(delivered).toEqual([
      {
        traceId,
        status: 'risky',
        verdict: { suggest: 'risky', label: 20002 },
        errcode: 0,
        detail: [{ strategy: 'content_model', errcode: 0, suggest: 'risky', label: 20002, prob: 90 }],
        known: true,
        check: expect.objectContaining({ traceId, mediaUrl: IMAGE.mediaUrl, status: 'risky', label: 20002, resolvedAt: expect.any(Date) }),
      },
    ]);
    expect(await row(traceId)).toMatchObject({ status: 'risky', label: 20002 });
  });

  it('keeps the check pending when a handler fails (the push is rolled back), and delivers on the redelivery', async () => {
    const { traceId } = await service.checkMediaAsync(IMAGE);
    failNext = true;
    await expect(push(traceId)).rejects.toThrow('the host handler failed');
    expect(await row(traceId)).toMatchObject({ status: 'pending', resolvedAt: null });
    await push(traceId);
    expect(delivered).toEqual([expect.objectContaining({ traceId, status: 'risky', known: true })]);
  });

  it('delivers the verdict of an unknown trace id once, with known: false, and a failure without a verdict', async () => {
    await push('unknown-1', { errcode: -1008, errmsg: 'download error', result: undefined, detail: [] });
    await push('unknown-1', { CreateTime: 1 });
    expect(delivered).toEqual([
      expect.objectContaining({ traceId: 'unknown-1', status: 'failed', verdict: null, errcode: -1008, known: false }),
    ]);
    expect(await row('unknown-1')).toMatchObject({ openId: OPENID, mediaUrl: null, mediaType: null, status: 'failed', label: null });
  });

  it('fills in a check whose verdict came before its record, and ignores pushes for another app or without a verdict', async () => {
    await push('60f96f1d-3845297a-1976a3ae');
    expect(await service.checkMediaAsync(IMAGE)).toEqual({ traceId: '60f96f1d-3845297a-1976a3ae' });
    expect(await row('60f96f1d-3845297a-1976a3ae')).toMatchObject({ mediaUrl: IMAGE.mediaUrl, status: 'risky' });
    await push('other-app', { appid: 'wx0000000000000000' });
    await push('v1', { version: undefined, result: undefined, isrisky: 1 } as Partial<WxaMediaCheckEvent>);
    expect(delivered.map((event) => event.traceId)).toEqual(['60f96f1d-3845297a-1976a3ae']);
    expect(await dataSource.getRepository(WeChatMediaCheck).count()).toBe(1);
  });
});
