import { APP, DAY_MS, linksBench } from './links-simulator.spec-kit';

const SECOND_APP = { appId: 'wxdevsimulator0002', appSecret: 'devsimulatorsecret00000000000002' };

describe('simulator: URL Scheme, URL Link and Short Link', () => {
  const { sim, control, post, refusal, accessToken } = linksBench({ apps: [APP, SECOND_APP] });
  afterEach(() => jest.restoreAllMocks());

  it('generates a URL Scheme of WeChat shape that queryscheme describes, 30 days by default', async () => {
    const before = Math.floor(Date.now() / 1000);
    const generated = await post('/wxa/generatescheme', { jump_wxa: { path: 'pages/order/detail', query: 'id=42', env_version: 'trial' } });
    const scheme = generated.json?.openlink as string;
    expect(generated.json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      openlink: expect.stringMatching(/^weixin:\/\/dl\/business\/\?t=[0-9A-Za-z]{11}$/),
    });
    const { json } = await post('/wxa/queryscheme', { scheme, query_type: 0 });
    expect(json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      scheme_info: {
        appid: APP.appId,
        path: 'pages/order/detail',
        query: 'id=42',
        create_time: expect.any(Number),
        expire_time: expect.any(Number),
        env_version: 'trial',
      },
      visit_openid: '',
    });
    expect(json?.scheme_info.create_time).toBeGreaterThanOrEqual(before);
    expect(json?.scheme_info.expire_time - json?.scheme_info.create_time).toBe(30 * 24 * 3600);
    // The cq parameter developers may append does not change which scheme it is.
    expect((await post('/wxa/queryscheme', { scheme: `${scheme}&cq=a%3D1` })).json).toMatchObject({ scheme_info: { query: 'id=42' } });
  });

  it('records who opens a link, names the first visitor and counts the day’s visits', async () => {
    const scheme = (await post('/wxa/generatescheme', {})).json?.openlink as string;
    expect(sim.openLink({ link: scheme, openId: 'oVisitor1' })).toEqual({
      appId: APP.appId,
      openId: 'oVisitor1',
      path: '',
      query: '',
      envVersion: 'release',
    });
    const second = (await control('POST', '/__sim/openLink', { link: scheme })).json;
    expect(second.openId).toMatch(/^o[0-9A-Za-z]{27}$/);
    expect((await post('/wxa/queryscheme', { scheme })).json).toMatchObject({ visit_openid: 'oVisitor1' });
    expect((await post('/wxa/queryscheme', { query_type: 1 })).json).toEqual({
      errcode: 0,
      errmsg: 'ok',
      quota_info: { remain_visit_quota: 6_000_000 - 2 },
    });
    const [listed] = sim.links();
    expect(listed).toMatchObject({
      kind: 'scheme',
      link: scheme,
      visits: [{ openId: 'oVisitor1', at: expect.any(Number) }, { openId: second.openId }],
    });
    expect((await control('POST', '/__sim/openLink', { link: 'weixin://dl/business/?t=NOPE' })).status).toBe(404);
    expect((await control('POST', '/__sim/openLink', { link: scheme, openId: 'not an openid' })).status).toBe(400);
  });

  it('generates URL Links of WeChat shape that query_urllink describes, with an expiry by days or by time', async () => {
    const byDays = await post('/wxa/generate_urllink', { path: '/pages/index/index', expire_type: 1, expire_interval: 7 });
    const urlLink = byDays.json?.url_link as string;
    expect(urlLink).toMatch(/^https:\/\/wxaurl\.cn\/[0-9A-Za-z]{11}$/);
    const info = (await post('/wxa/query_urllink', { url_link: urlLink, query_type: 0 })).json;
    // WeChat takes the leading / of a link's path, and answers the page without it.
    expect(info).toMatchObject({
      url_link_info: { appid: APP.appId, path: 'pages/index/index', query: '', env_version: 'release' },
      visit_openid: '',
    });
    expect(info?.url_link_info.expire_time - info?.url_link_info.create_time).toBe(7 * 24 * 3600);
    const at = Math.floor(Date.now() / 1000) + 3600;
    const byTime = (await post('/wxa/generate_urllink', { expire_type: 0, expire_time: at, is_expire: true })).json?.url_link as string;
    expect((await post('/wxa/query_urllink', { url_link: `${byTime}?cq=x` })).json).toMatchObject({ url_link_info: { expire_time: at } });
  });

  it.each([
    ['a path with a query', { path: 'pages/index/index?id=1' }, 40165, 'invalid weapp pagepath'],
    ['a query with a space', { query: 'a=1 b' }, 40212, 'invalid query'],
    ['a query over 1024 characters', { query: 'a'.repeat(1025) }, 40212, 'invalid query'],
    ['an unknown version', { env_version: 'formal' }, 40097, 'invalid args'],
    [
      'an expiry within a minute',
      { expire_type: 0, expire_time: Math.floor(Date.now() / 1000) + 30 },
      85401,
      'time limit between 1min and 1year',
    ],
    [
      'an expiry beyond 30 days',
      { expire_type: 0, expire_time: Math.floor((Date.now() + 31 * DAY_MS) / 1000) },
      85401,
      'time limit between 1min and 1year',
    ],
    ['an interval of 31 days', { expire_type: 1, expire_interval: 31 }, 85402, 'expire interval limit between 1 and 30 days'],
    ['an interval of 0 days', { expire_type: 1 }, 85402, 'expire interval limit between 1 and 30 days'],
    ['an unknown expire_type', { expire_type: 2 }, 40097, 'invalid args'],
  ])('refuses %s for a URL Link and a URL Scheme', async (_, fields, errcode, wording) => {
    const { path, query, env_version, ...expiry } = fields as Record<string, unknown>;
    const target = { path, query, env_version };
    expect((await post('/wxa/generate_urllink', { ...target, ...expiry })).json).toEqual(refusal(errcode, wording));
    expect((await post('/wxa/generatescheme', { jump_wxa: target, ...expiry })).json).toEqual(refusal(errcode, wording));
    expect(sim.links()).toEqual([]);
  });

  it('refuses links to pages the app does not have, a body that is not JSON, and queries of unknown links', async () => {
    sim.setPages({ pages: ['pages/index/index'] });
    expect((await post('/wxa/generatescheme', { jump_wxa: { path: 'pages/other/other' } })).json).toEqual(
      refusal(40165, 'invalid weapp pagepath'),
    );
    expect((await post('/wxa/generatescheme', 'jump_wxa')).json).toMatchObject({ errcode: 47001 });
    expect((await post('/wxa/generatescheme', { jump_wxa: 'pages/index/index' })).json).toMatchObject({ errcode: 40097 });
    expect((await post('/wxa/queryscheme', { scheme: 'weixin://dl/business/?t=AAAAAAAAAAA' })).json).toEqual(
      refusal(85403, 'scheme or url_link not exist'),
    );
    expect((await post('/wxa/queryscheme', {})).json).toMatchObject({ errcode: 40097 });
    expect((await post('/wxa/query_urllink', { url_link: 'https://wxaurl.cn/x', query_type: 2 })).json).toMatchObject({ errcode: 40097 });
    // Another app's link is none of this app's.
    const other = await post('/wxa/generate_urllink', {}, await accessToken(SECOND_APP.appId, SECOND_APP.appSecret));
    expect((await post('/wxa/query_urllink', { url_link: other.json?.url_link })).json).toMatchObject({ errcode: 85403 });
    expect(sim.links(SECOND_APP.appId)).toHaveLength(1);
    expect((await control('GET', `/__sim/links?appId=${APP.appId}`)).json).toEqual({ links: [] });
  });

  it('generates Short Links with the title cut after 20 characters, permanent or for 30 days', async () => {
    const titled = await post('/wxa/genwxashortlink', {
      page_url: 'pages/order/detail?id=42',
      page_title: '一二三四五六七八九十一二三四五六七八九十多余',
      is_permanent: true,
    });
    expect(titled.json?.link).toMatch(/^#小程序:\/\/模拟小程序\/一二三四五六七八九十一二三四五六七八九十\.\.\.\/[0-9A-Za-z]{15}$/);
    const plain = (await post('/wxa/genwxashortlink', { page_url: 'pages/index/index' })).json?.link as string;
    expect(plain).toMatch(/^#小程序:\/\/模拟小程序\/[0-9A-Za-z]{15}$/);
    const [first, second] = sim.links();
    expect(first).toMatchObject({
      kind: 'short-link',
      pageTitle: '一二三四五六七八九十一二三四五六七八九十...',
      permanent: true,
      expiresAt: null,
    });
    expect(second).toMatchObject({ kind: 'short-link', permanent: false, expiresAt: (second.createdAt as number) + 30 * DAY_MS });
    expect(sim.openLink({ link: titled.json?.link, openId: 'oReader' })).toEqual({
      appId: APP.appId,
      openId: 'oReader',
      path: 'pages/order/detail',
      query: 'id=42',
      envVersion: 'release',
    });
  });

  it.each([
    ['a page with a leading /', { page_url: '/pages/index/index' }, 40066, 'invalid url'],
    ['no page', { page_title: 'x' }, 40066, 'invalid url'],
    ['a page the app does not have', { page_url: 'pages/other/other?id=1' }, 40066, 'invalid url'],
    ['a title with a line break', { page_url: 'pages/index/index', page_title: 'a\nb' }, 40225, 'invalid page title'],
    ['is_permanent as text', { page_url: 'pages/index/index', is_permanent: 'true' }, 40097, 'invalid args'],
  ])('refuses a Short Link with %s', async (_, body, errcode, wording) => {
    sim.setPages({ pages: ['pages/index/index'] });
    expect((await post('/wxa/genwxashortlink', body)).json).toEqual(refusal(errcode, wording));
  });

  it('refuses to open a link once it expired', async () => {
    const urlLink = (await post('/wxa/generate_urllink', { expire_type: 1, expire_interval: 1 })).json?.url_link as string;
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + DAY_MS + 1000);
    expect(() => sim.openLink({ link: urlLink })).toThrow(expect.objectContaining({ status: 410, message: 'the link expired' }));
    expect((await control('POST', '/__sim/openLink', { link: urlLink })).status).toBe(410);
  });
});
