import { WeChatInputError } from '../errors/wechat-input.error';
import { checkedLink, entryLinkParts, shortLinkBody, unlimitedCodeBody } from './links-input';

const NOW = Date.UTC(2026, 2, 1, 4, 0, 0);
const DAY = 24 * 60 * 60 * 1000;

/** The problems a check throws, or 'accepted'. */
function problemsOf(check: () => unknown): string[] | 'accepted' {
  try {
    check();
    return 'accepted';
  } catch (error) {
    if (!(error instanceof WeChatInputError)) throw error;
    return error.problems;
  }
}

describe('getUnlimitedQRCode input', () => {
  it('builds the body with WeChat names, leaving out what is not given', () => {
    expect(unlimitedCodeBody({ scene: "a=1&b=2!#$&'()*+,/:;=?@-._~" })).toEqual({ scene: "a=1&b=2!#$&'()*+,/:;=?@-._~" });
    expect(
      unlimitedCodeBody({
        scene: 'x'.repeat(32),
        page: 'pages/order/detail',
        checkPath: false,
        envVersion: 'develop',
        width: 280,
        lineColor: { r: 255, g: 0, b: 12, a: 1 } as never,
        isHyaline: true,
      }),
    ).toEqual({
      scene: 'x'.repeat(32),
      page: 'pages/order/detail',
      check_path: false,
      env_version: 'develop',
      width: 280,
      line_color: { r: 255, g: 0, b: 12 },
      is_hyaline: true,
    });
    expect(unlimitedCodeBody({ scene: 'a', width: 1280, autoColor: true })).toEqual({ scene: 'a', width: 1280, auto_color: true });
  });

  it('names every problem at once', () => {
    expect(
      problemsOf(() =>
        unlimitedCodeBody({
          scene: '订单=1',
          page: '/pages/index/index?id=1',
          checkPath: 'no' as never,
          envVersion: 'formal' as never,
          width: 279.5,
          autoColor: true,
          lineColor: { r: 256, g: 0, b: 0 },
          isHyaline: 1 as never,
        }),
      ),
    ).toEqual([
      "scene must be 1 to 32 characters: digits, letters and !#$&'()*+,/:;=?@-._~ (encode anything else yourself)",
      'page must be a page path such as pages/index/index: no leading /, no query (put it in scene)',
      'checkPath must be true or false',
      'envVersion must be one of release, trial, develop',
      'width must be a whole number of pixels from 280 to 1280',
      'lineColor must be { r, g, b }, each a whole number from 0 to 255',
      'lineColor is ignored when autoColor is true: give one of them',
      'isHyaline must be true or false',
    ]);
  });

  it.each([[''], ['x'.repeat(33)], ['a%20b'], ['a b'], [42]])('refuses the scene %j', (scene) => {
    expect(problemsOf(() => unlimitedCodeBody({ scene } as never))).toHaveLength(1);
  });

  it.each([['pages/index/index?x=1'], ['pages//index'], ['pages/index/'], ['pages/index index'], ['']])('refuses the page %j', (page) => {
    expect(problemsOf(() => unlimitedCodeBody({ scene: 'a', page }))).toEqual([
      'page must be a page path such as pages/index/index: no leading /, no query (put it in scene)',
    ]);
  });

  it('refuses what is not an options object', () => {
    for (const options of [null, 'scene', ['a']]) {
      expect(problemsOf(() => unlimitedCodeBody(options as never))).toEqual(['the options must be an object']);
    }
  });
});

describe('URL Scheme and URL Link input', () => {
  it('asks for the longest expiry, 30 days, when none is given', () => {
    expect(entryLinkParts('generateScheme', {}, NOW)).toEqual({
      target: {},
      expiry: { is_expire: true, expire_type: 1, expire_interval: 30 },
    });
  });

  it('sends an expiry time in Unix seconds (type 0) or a number of days (type 1)', () => {
    const at = new Date(NOW + 2 * DAY + 1234);
    expect(entryLinkParts('generateUrlLink', { path: 'pages/a/b', query: 'id=1&cq=%E4', envVersion: 'trial', expiresAt: at }, NOW)).toEqual(
      {
        target: { path: 'pages/a/b', query: 'id=1&cq=%E4', env_version: 'trial' },
        expiry: { is_expire: true, expire_type: 0, expire_time: Math.floor((NOW + 2 * DAY + 1234) / 1000) },
      },
    );
    expect(entryLinkParts('generateScheme', { expiresInDays: 1 }, NOW).expiry).toEqual({
      is_expire: true,
      expire_type: 1,
      expire_interval: 1,
    });
    expect(entryLinkParts('generateScheme', { expiresAt: new Date(NOW + 30 * DAY) }, NOW).expiry.expire_time).toBe((NOW + 30 * DAY) / 1000);
  });

  it.each([
    [{ expiresAt: new Date(NOW + 60_000) }, 'expiresAt must be a Date more than a minute and at most 30 days from now'],
    [{ expiresAt: new Date(NOW + 30 * DAY + 1) }, 'expiresAt must be a Date more than a minute and at most 30 days from now'],
    [{ expiresAt: new Date(NaN) }, 'expiresAt must be a Date more than a minute and at most 30 days from now'],
    [{ expiresAt: NOW + DAY }, 'expiresAt must be a Date more than a minute and at most 30 days from now'],
    [{ expiresInDays: 0 }, 'expiresInDays must be a whole number of days from 1 to 30'],
    [{ expiresInDays: 31 }, 'expiresInDays must be a whole number of days from 1 to 30'],
    [{ expiresInDays: 1.5 }, 'expiresInDays must be a whole number of days from 1 to 30'],
  ])('refuses the expiry %j', (options, problem) => {
    expect(problemsOf(() => entryLinkParts('generateScheme', options as never, NOW))).toEqual([problem]);
  });

  it('names every problem at once', () => {
    expect(
      problemsOf(() =>
        entryLinkParts(
          'generateUrlLink',
          { path: '/pages/index/index', query: 'a=中', envVersion: 'release ' as never, expiresAt: new Date(NOW + DAY), expiresInDays: 3 },
          NOW,
        ),
      ),
    ).toEqual([
      'path must be a page path such as pages/index/index: no leading /, no query (put it in query)',
      "query must be at most 1024 characters: digits, letters and !#$&'()*+,/:;=?@-._~%",
      'envVersion must be one of release, trial, develop',
      'give expiresAt or expiresInDays, not both',
    ]);
    expect(problemsOf(() => entryLinkParts('generateScheme', { query: 'q'.repeat(1025) }, NOW))).toHaveLength(1);
    expect(problemsOf(() => entryLinkParts('generateScheme', { query: 'q'.repeat(1024) }, NOW))).toBe('accepted');
  });
});

describe('Short Link input', () => {
  it('builds the body with WeChat names', () => {
    expect(shortLinkBody({ pageUrl: 'pages/order/detail?id=42&from=share' })).toEqual({ page_url: 'pages/order/detail?id=42&from=share' });
    expect(
      shortLinkBody({ pageUrl: 'pages/index/index', pageTitle: '一个很长很长很长很长很长很长很长很长很长的标题', isPermanent: true }),
    ).toEqual({
      page_url: 'pages/index/index',
      page_title: '一个很长很长很长很长很长很长很长很长很长的标题',
      is_permanent: true,
    });
  });

  it('names every problem at once', () => {
    expect(problemsOf(() => shortLinkBody({ pageUrl: '/pages/index/index', pageTitle: 'a\tb', isPermanent: 'yes' as never }))).toEqual([
      'pageUrl must be a page path with its query such as pages/order/detail?id=42: no leading /, at most 1024 characters',
      'pageTitle must be a non-empty text without control characters',
      'isPermanent must be true or false',
    ]);
    expect(problemsOf(() => shortLinkBody({ pageUrl: `pages/a?${'q'.repeat(1020)}` }))).toHaveLength(1);
    expect(problemsOf(() => shortLinkBody({ pageUrl: 'pages/a?x=1 2' }))).toHaveLength(1);
    expect(problemsOf(() => shortLinkBody({ pageUrl: 'pages/a', pageTitle: '  ' }))).toHaveLength(1);
  });
});

describe('links to query', () => {
  it.each([
    ['queryScheme', 'weixin://dl/business/?t=XTSkBZlzqmn', true],
    ['queryScheme', 'weixin://dl/business/?t=XTSkBZlzqmn&cq=a%3Dhello', true],
    ['queryScheme', 'weixin://dl/business/?appid=wx123&path=pages/index/index', true],
    ['queryScheme', 'https://wxaurl.cn/BQZRrcFCPvg', false],
    ['queryScheme', 'weixin://dl/business/?t=a b', false],
    ['queryUrlLink', 'https://wxaurl.cn/BQZRrcFCPvg', true],
    ['queryUrlLink', 'https://wxmpurl.cn/BQZRrcFCPvg?cq=a%3Dhello', true],
    ['queryUrlLink', 'http://wxaurl.cn/BQZRrcFCPvg', false],
    ['queryUrlLink', 'https://wxaurl.cn/BQZ/Rrc', false],
  ] as const)('%s takes %j: %s', (api, link, accepted) => {
    expect(problemsOf(() => checkedLink(api, link))).toEqual(accepted ? 'accepted' : [expect.stringMatching(/^(scheme|urlLink) must be/)]);
  });
});
