import { Logger } from '@nestjs/common';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import { WeChatInputError } from '../errors/wechat-input.error';
import { resolveMiniProgramOptions } from '../options/mini-program-options.validation';
import { SIMULATOR_DEV_APP } from '../testing';
import { linksBench } from '../testing/links/links-simulator.spec-kit';
import { MemoryAccessTokenStore } from '../wechat/access-token.store';
import { WeChatApiService } from '../wechat/wechat-api.service';
import { WeChatHttpClient } from '../wechat/wechat-http.client';
import type { WeChatBinary, WeChatJson, WeChatRequest } from '../wechat/wechat-http.client';
import { WeChatLinkService } from './wechat-link.service';

const DAY = 24 * 60 * 60 * 1000;

/** The service over a fake WeChatApiService that records each request and answers from `answer`. */
function fake() {
  const requests: WeChatRequest[] = [];
  let answer: (req: WeChatRequest) => WeChatJson = () => ({ errcode: 0, errmsg: 'ok' });
  const file: WeChatBinary = { contentType: 'image/jpeg', body: Buffer.from([0xff, 0xd8, 0xff]) };
  /** A fake of one WeChatApiService method: the request is built with a token and recorded, and `reply` answers it. */
  const calling =
    <T>(reply: (req: WeChatRequest) => T) =>
    async (build: (token: string) => WeChatRequest): Promise<T> => {
      const req = build('TOKEN');
      requests.push(req);
      return reply(req);
    };
  const api = { withAccessToken: calling((req) => answer(req)), withAccessTokenBinary: calling(() => file) } as unknown as WeChatApiService;
  return {
    service: new WeChatLinkService(api),
    requests,
    answerWith: (fn: typeof answer) => (answer = fn),
  };
}

describe('WeChatLinkService (fake WeChat)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('asks for a code with the token and answers its bytes and content type as WeChat gave them', async () => {
    const { service, requests } = fake();
    expect(await service.getUnlimitedCode({ scene: 'id=42', page: 'pages/index/index', width: 600 })).toEqual({
      contentType: 'image/jpeg',
      image: Buffer.from([0xff, 0xd8, 0xff]),
    });
    expect(requests).toEqual([
      {
        api: 'getUnlimitedQRCode',
        method: 'POST',
        path: '/wxa/getwxacodeunlimit',
        query: { access_token: 'TOKEN' },
        body: { scene: 'id=42', page: 'pages/index/index', width: 600 },
        idempotent: true,
      },
    ]);
  });

  it('sends nothing for input WeChat would refuse', async () => {
    const { service, requests } = fake();
    await expect(service.getUnlimitedCode({ scene: 'x'.repeat(33) })).rejects.toBeInstanceOf(WeChatInputError);
    await expect(service.generateScheme({ expiresInDays: 31 })).rejects.toMatchObject({ api: 'generateScheme' });
    await expect(service.generateUrlLink({ path: '/pages/index/index' })).rejects.toMatchObject({ api: 'generateUrlLink' });
    await expect(service.generateShortLink({ pageUrl: '' })).rejects.toMatchObject({ api: 'generateShortLink' });
    await expect(service.queryScheme('https://wxaurl.cn/abc')).rejects.toMatchObject({ api: 'queryScheme' });
    await expect(service.queryUrlLink('weixin://dl/business/?t=abc')).rejects.toMatchObject({ api: 'queryUrlLink' });
    expect(requests).toEqual([]);
  });

  it('generates a scheme with jump_wxa, a URL Link with its fields at the top, a Short Link idempotent unless permanent', async () => {
    const { service, requests, answerWith } = fake();
    answerWith((req) => ({
      errcode: 0,
      errmsg: 'ok',
      openlink: 'weixin://dl/business/?t=XTSkBZlzqmn',
      url_link: 'https://wxaurl.cn/BQZRrcFCPvg',
      link: `#小程序://示例/${req.api}`,
    }));
    expect(await service.generateScheme({ path: 'pages/a/b', query: 'id=1', envVersion: 'trial', expiresInDays: 7 })).toBe(
      'weixin://dl/business/?t=XTSkBZlzqmn',
    );
    expect(await service.generateUrlLink()).toBe('https://wxaurl.cn/BQZRrcFCPvg');
    expect(await service.generateShortLink({ pageUrl: 'pages/a/b?id=1', isPermanent: true })).toBe('#小程序://示例/generateShortLink');
    expect(await service.generateShortLink({ pageUrl: 'pages/a/b?id=1' })).toBe('#小程序://示例/generateShortLink');
    expect(requests.map(({ path, body, idempotent }) => ({ path, body, idempotent }))).toEqual([
      {
        path: '/wxa/generatescheme',
        body: {
          jump_wxa: { path: 'pages/a/b', query: 'id=1', env_version: 'trial' },
          is_expire: true,
          expire_type: 1,
          expire_interval: 7,
        },
        idempotent: true,
      },
      { path: '/wxa/generate_urllink', body: { is_expire: true, expire_type: 1, expire_interval: 30 }, idempotent: true },
      { path: '/wxa/genwxashortlink', body: { page_url: 'pages/a/b?id=1', is_permanent: true }, idempotent: false },
      { path: '/wxa/genwxashortlink', body: { page_url: 'pages/a/b?id=1' }, idempotent: true },
    ]);
  });

  it('reads a link’s info with dates, a never-expiring one as null, and the visitor when named', async () => {
    const { service, requests, answerWith } = fake();
    answerWith(() => ({
      errcode: 0,
      errmsg: 'ok',
      scheme_info: { appid: 'wx1', path: '', query: 'a=hello', create_time: 611928113, expire_time: 0, env_version: 'release' },
      url_link_info: {
        appid: 'wx1',
        path: 'pages/a/b',
        query: '',
        create_time: '1700000000',
        expire_time: 1702592000,
        env_version: 'develop',
      },
      visit_openid: 'oVisitor',
    }));
    expect(await service.queryScheme('weixin://dl/business/?t=XTSkBZlzqmn&cq=a%3Dhello')).toEqual({
      appId: 'wx1',
      path: '',
      query: 'a=hello',
      envVersion: 'release',
      createdAt: new Date(611928113 * 1000),
      expiresAt: null,
      visitOpenId: 'oVisitor',
    });
    expect(await service.queryUrlLink('https://wxaurl.cn/BQZRrcFCPvg')).toMatchObject({
      path: 'pages/a/b',
      envVersion: 'develop',
      createdAt: new Date(1700000000 * 1000),
      expiresAt: new Date(1702592000 * 1000),
    });
    expect(requests.map((req) => req.body)).toEqual([
      { scheme: 'weixin://dl/business/?t=XTSkBZlzqmn&cq=a%3Dhello', query_type: 0 },
      { url_link: 'https://wxaurl.cn/BQZRrcFCPvg', query_type: 0 },
    ]);
    answerWith(() => ({ errcode: 0, errmsg: 'ok', quota_info: { remain_visit_quota: 5999998 } }));
    expect(await service.getLinkVisitQuota()).toEqual({ remainVisitQuota: 5999998 });
    expect(requests.at(-1)).toMatchObject({ path: '/wxa/queryscheme', body: { query_type: 1 } });
  });

  it.each([
    ['generateScheme', { errcode: 0, errmsg: 'ok' }],
    ['queryScheme', { errcode: 0, errmsg: 'ok', scheme_info: { create_time: 'yesterday' } }],
    ['queryScheme', { errcode: 0, errmsg: 'ok', scheme_info: { create_time: 1, env_version: 'formal' } }],
    ['queryScheme', { errcode: 0, errmsg: 'ok' }],
    ['getLinkVisitQuota', { errcode: 0, errmsg: 'ok', quota_info: { remain_visit_quota: -1 } }],
  ] as const)('%s: an answer without what it needs is invalid-response', async (method, json) => {
    const { service, answerWith } = fake();
    answerWith(() => json);
    const call = () =>
      method === 'generateScheme'
        ? service.generateScheme()
        : method === 'queryScheme'
          ? service.queryScheme('weixin://dl/business/?t=XTSkBZlzqmn')
          : service.getLinkVisitQuota();
    await expect(call()).rejects.toMatchObject({ name: 'WeChatUnavailableError', kind: 'invalid-response', api: method });
  });
});

describe('WeChatLinkService against the simulator', () => {
  const { sim } = linksBench();
  let service: WeChatLinkService;

  // A new service (and token store) per test: the simulator forgets its tokens before each.
  beforeEach(() => {
    const options = resolveMiniProgramOptions({ ...SIMULATOR_DEV_APP, apiBaseUrl: sim.url, http: { retries: 0 } });
    service = new WeChatLinkService(new WeChatApiService(options, new MemoryAccessTokenStore(), new WeChatHttpClient(options)));
  });

  it('gets a code whose scene the simulator reads back, and WeChat’s refusal as a WeChatApiError', async () => {
    const code = await service.getUnlimitedCode({ scene: 'order=42', page: 'pages/order/detail', envVersion: 'develop', width: 300 });
    expect(code.contentType).toBe('image/png');
    expect(sim.readCode(code.image)).toEqual({
      appId: SIMULATOR_DEV_APP.appId,
      scene: 'order=42',
      page: 'pages/order/detail',
      envVersion: 'develop',
      width: 300,
    });
    sim.setPages({ pages: ['pages/index/index'] });
    const refused = await service.getUnlimitedCode({ scene: 'order=42', page: 'pages/order/detail' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WeChatApiError);
    expect(refused).toMatchObject({ api: 'getUnlimitedQRCode', errcode: 41030 });
    expect(await service.getUnlimitedCode({ scene: 'order=42', page: 'pages/order/detail', checkPath: false })).toMatchObject({
      contentType: 'image/png',
    });
  });

  it('renews a stale token for a code too, and answers busy as WeChatUnavailableError', async () => {
    const warned = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await service.generateUrlLink();
    // Another process forced a new token: this one's is revoked at WeChat.
    await fetch(`${sim.url}/cgi-bin/stable_token`, {
      method: 'POST',
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: SIMULATOR_DEV_APP.appId,
        secret: SIMULATOR_DEV_APP.appSecret,
        force_refresh: true,
      }),
    });
    expect((await service.getUnlimitedCode({ scene: 'a' })).contentType).toBe('image/png');
    expect(sim.calls.filter((call) => call.path === '/wxa/getwxacodeunlimit').map((call) => call.errcode)).toEqual([40001, undefined]);
    expect(warned).toHaveBeenCalledWith('WeChat rejected the access token (errcode 40001); fetching a current one');
    warned.mockRestore();
    sim.addFault({ path: '/wxa/getwxacodeunlimit', errcode: -1, count: 1 });
    await expect(service.getUnlimitedCode({ scene: 'a' })).rejects.toBeInstanceOf(WeChatUnavailableError);
  });

  it('generates a scheme and a URL Link that query back with their page, expiry and visitor', async () => {
    const scheme = await service.generateScheme({ path: 'pages/order/detail', query: 'id=42', expiresInDays: 3 });
    sim.openLink({ link: scheme, openId: 'oVisitor' });
    const info = await service.queryScheme(scheme);
    expect(info).toMatchObject({
      appId: SIMULATOR_DEV_APP.appId,
      path: 'pages/order/detail',
      query: 'id=42',
      envVersion: 'release',
      visitOpenId: 'oVisitor',
    });
    expect((info.expiresAt as Date).getTime() - info.createdAt.getTime()).toBe(3 * DAY);
    const expiresAt = new Date(Math.floor((Date.now() + 2 * DAY) / 1000) * 1000);
    const urlLink = await service.generateUrlLink({ envVersion: 'trial', expiresAt });
    expect(await service.queryUrlLink(urlLink)).toMatchObject({ path: '', envVersion: 'trial', expiresAt });
    expect(await service.getLinkVisitQuota()).toEqual({ remainVisitQuota: 6_000_000 - 1 });
    await expect(service.queryUrlLink('https://wxaurl.cn/AAAAAAAAAAA')).rejects.toMatchObject({ errcode: 85403 });
  });

  it('generates a Short Link, refused for a page the app does not have', async () => {
    const link = await service.generateShortLink({ pageUrl: 'pages/order/detail?id=42', pageTitle: '订单详情' });
    expect(link).toMatch(/^#小程序:\/\/模拟小程序\/订单详情\/[0-9A-Za-z]{15}$/);
    expect(sim.links()).toEqual([expect.objectContaining({ kind: 'short-link', link, permanent: false })]);
    sim.setPages({ pages: ['pages/index/index'] });
    await expect(service.generateShortLink({ pageUrl: 'pages/order/detail?id=42' })).rejects.toMatchObject({
      name: 'WeChatApiError',
      errcode: 40066,
    });
  });
});
