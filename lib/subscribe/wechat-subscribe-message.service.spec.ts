import { Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { WeChatSubscription } from '../entities/wechat-subscription.entity';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import { WeChatInputError } from '../errors/wechat-input.error';
import type { ResolvedMiniProgramOptions } from '../interfaces';
import type { WeChatApiService } from '../wechat/wechat-api.service';
import type { WeChatJson, WeChatRequest } from '../wechat/wechat-http.client';
import { WeChatSubscribeMessageService } from './wechat-subscribe-message.service';

const OPENID = 'o7esq5OI1Uej6Xixw1lA2H7XDVbc';
const TEMPLATE = '9Aw5ZV1j9xdWTFEkqCpZ7mIBbSC34khK55OtzUPl0rU';

/** The service over a fake WeChatApiService that records each request and answers from `answer`. */
function setup(settings: { recordConsent?: boolean; row?: Partial<WeChatSubscription> | null } = {}) {
  const requests: WeChatRequest[] = [];
  let answer: (req: WeChatRequest) => WeChatJson = () => ({ errcode: 0, errmsg: 'ok' });
  const api = {
    withAccessToken: async (build: (token: string) => WeChatRequest) => {
      const req = build('TOKEN');
      requests.push(req);
      return answer(req);
    },
  } as unknown as WeChatApiService;
  const lookups: unknown[] = [];
  const repository = {
    findOneBy: async (where: unknown) => {
      lookups.push(where);
      return settings.row ?? null;
    },
  } as unknown as Repository<WeChatSubscription>;
  const options = { subscribe: { recordConsent: settings.recordConsent ?? false } } as ResolvedMiniProgramOptions;
  const service = new WeChatSubscribeMessageService(options, api, repository);
  return { service, requests, lookups, answerWith: (fn: typeof answer) => (answer = fn) };
}

const refuse = (errcode: number, errmsg: string) => () => {
  throw new WeChatApiError('subscribeMessage.send', errcode, errmsg);
};

describe('WeChatSubscribeMessageService', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('sends the message with WeChat field names, values as { value } text', async () => {
    const { service, requests } = setup();
    const result = await service
      .send({
        toUser: OPENID,
        templateId: TEMPLATE,
        data: { thing1: '订单支付成功', amount2: { value: '¥99.00' }, number3: 42, time4: { value: 15 } as never },
        page: 'pages/order/detail?id=42',
        miniprogramState: 'trial',
        lang: 'en_US',
      })
      .catch((error: WeChatInputError) => error.problems);
    // time4 = "15" is not a time: nothing was sent.
    expect(result).toEqual([
      'data.time4 (time) must be a 24-hour time (15:01), perhaps after a date (2019年10月1日 15:01), or two joined by ~',
    ]);
    expect(requests).toEqual([]);

    expect(
      await service.send({ toUser: OPENID, templateId: TEMPLATE, data: { thing1: '订单支付成功', number3: 42 }, page: 'index' }),
    ).toEqual({
      sent: true,
    });
    expect(requests).toEqual([
      {
        api: 'subscribeMessage.send',
        method: 'POST',
        path: '/cgi-bin/message/subscribe/send',
        query: { access_token: 'TOKEN' },
        body: {
          touser: OPENID,
          template_id: TEMPLATE,
          data: { thing1: { value: '订单支付成功' }, number3: { value: '42' } },
          page: 'index',
        },
        idempotent: false,
      },
    ]);
  });

  it('lists every input problem at once, and sends nothing', async () => {
    const { service, requests } = setup();
    const error = await service
      .send(
        {
          toUser: 'not an openid',
          templateId: '',
          data: { thing1: 'x'.repeat(21), '9bad': 'a', phrase2: true as never, date3: '' },
          page: 'https://example.com/page',
          miniprogramState: 'release' as never,
          lang: 'fr_FR' as never,
        },
        { skipUnlessAccepted: true },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatInputError);
    expect((error as WeChatInputError).api).toBe('subscribeMessage.send');
    expect((error as WeChatInputError).problems).toEqual([
      "toUser must be the user's openid: 1 to 128 letters, digits, _ or -",
      'templateId must be the template id (priTmplId): 1 to 128 letters, digits, _ or -',
      'data.thing1 (thing) must be at most 20 characters',
      'data key "9bad" is not a parameter name such as thing1',
      'data.phrase2 must be text, a finite number or { value }',
      'data.date3 must not be empty',
      'page must be a page path of the mini program with its query (pages/order/detail?id=42): at most 1024 printable characters, no spaces',
      'miniprogramState must be one of developer, trial, formal',
      'lang must be one of zh_CN, en_US, zh_HK, zh_TW',
      'skipUnlessAccepted needs subscribe.recordConsent: without it there is no record to consult',
    ]);
    for (const bad of [null, { toUser: OPENID, templateId: TEMPLATE }, { toUser: OPENID, templateId: TEMPLATE, data: {} }]) {
      await expect(service.send(bad as never)).rejects.toBeInstanceOf(WeChatInputError);
    }
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`thing${i + 1}`, 'a']));
    await expect(service.send({ toUser: OPENID, templateId: TEMPLATE, data: many })).rejects.toMatchObject({
      problems: ['data must have 1 to 20 parameters'],
    });
    expect(requests).toEqual([]);
  });

  it.each([
    [43101, 'user refuse to accept the msg rid: 610b7ea3-036ff8e0-21a3f70c', 'refused'],
    [43108, 'Cannot make concurrent calls to the same OpenID, please try again rid: 60827d75-56f523fc-695edfec', 'busy-user'],
  ])('answers WeChat %i as a result, logging no error or warning', async (errcode, errmsg, reason) => {
    const { service, answerWith } = setup();
    const logged = [jest.spyOn(Logger.prototype, 'error'), jest.spyOn(Logger.prototype, 'warn')];
    answerWith(refuse(errcode, errmsg));
    expect(await service.send({ toUser: OPENID, templateId: TEMPLATE, data: { thing1: 'a' } })).toEqual({
      sent: false,
      reason,
      errcode,
      errmsg,
    });
    for (const spy of logged) expect(spy).not.toHaveBeenCalled();
  });

  it.each([40003, 40037, 47003, 41030, 45168])('throws WeChat %i: the call was wrong, not the user', async (errcode) => {
    const { service, answerWith } = setup();
    answerWith(refuse(errcode, 'argument invalid! data.thing18.value invalid'));
    await expect(service.send({ toUser: OPENID, templateId: TEMPLATE, data: { thing1: 'a' } })).rejects.toMatchObject({
      name: 'WeChatApiError',
      errcode,
    });
  });

  it.each([
    [null, false],
    [{ status: 'reject', acceptancesLeft: 0 }, false],
    [{ status: 'reject', acceptancesLeft: 1 }, true],
    [{ status: 'accept', acceptancesLeft: 0 }, true],
  ] as const)('with skipUnlessAccepted, consults the record first (%j → sent to WeChat: %s)', async (row, asked) => {
    const { service, requests, lookups } = setup({ recordConsent: true, row });
    const result = await service.send({ toUser: OPENID, templateId: TEMPLATE, data: { thing1: 'a' } }, { skipUnlessAccepted: true });
    expect(lookups).toEqual([{ openId: OPENID, templateId: TEMPLATE }]);
    expect(requests).toHaveLength(asked ? 1 : 0);
    expect(result).toEqual(asked ? { sent: true } : { sent: false, reason: 'not-accepted' });
  });

  it('reads the template list, with the keys of each content and the enumerated values', async () => {
    const { service, requests, answerWith } = setup();
    answerWith(() => ({
      errcode: 0,
      errmsg: 'ok',
      data: [
        {
          priTmplId: TEMPLATE,
          title: '报名结果通知',
          content: '会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n',
          example: '会议时间:2016年8月8日\n会议地点:TIT会议室\n',
          type: 2,
        },
        {
          priTmplId: 'cy_DfOZL7lypxHh3ja3DyAUbn1GYQRGwezuy5LBTFME',
          title: '洗衣机故障提醒',
          content: '完成时间:{{time1.DATA}}\n所在位置:{{enum_string2.DATA}}\n',
          example: '完成时间:2021年10月21日 12:00:00\n所在位置:客厅\n',
          type: '3',
          keywordEnumValueList: [{ keywordCode: 'enum_string2.DATA', enumValueList: ['客厅', '卧室'] }],
        },
      ],
    }));
    expect(await service.getTemplateList()).toEqual([
      {
        templateId: TEMPLATE,
        title: '报名结果通知',
        content: '会议时间:{{date2.DATA}}\n会议地点:{{thing1.DATA}}\n',
        example: '会议时间:2016年8月8日\n会议地点:TIT会议室\n',
        type: 2,
        kind: 'one-time',
        keys: ['date2', 'thing1'],
      },
      expect.objectContaining({
        type: 3,
        kind: 'long-term',
        keys: ['time1', 'enum_string2'],
        enumValues: { enum_string2: ['客厅', '卧室'] },
      }),
    ]);
    expect(requests[0]).toMatchObject({
      method: 'GET',
      path: '/wxaapi/newtmpl/gettemplate',
      query: { access_token: 'TOKEN' },
      idempotent: true,
    });
    answerWith(() => ({ data: [{ title: 'no id', type: 2 }] }));
    await expect(service.getTemplateList()).rejects.toBeInstanceOf(WeChatUnavailableError);
    answerWith(() => ({ errcode: 0 }));
    await expect(service.getTemplateList()).rejects.toMatchObject({ kind: 'invalid-response' });
  });

  it('adds and deletes templates', async () => {
    const { service, requests, answerWith } = setup();
    answerWith(() => ({ errcode: 0, errmsg: 'ok', priTmplId: '9Aw5ZV1j9xdWTFEkqCpZ7jWySL7aGN6rQom4gXINfJs' }));
    expect(await service.addTemplate({ tid: 401, kidList: [1, 2], sceneDesc: '测试数据' })).toEqual({
      templateId: '9Aw5ZV1j9xdWTFEkqCpZ7jWySL7aGN6rQom4gXINfJs',
    });
    await service.addTemplate({ tid: '10000123' });
    answerWith(() => ({ errcode: 0, errmsg: 'ok' }));
    await service.deleteTemplate(TEMPLATE);
    expect(requests.map(({ method, path, body, idempotent }) => ({ method, path, body, idempotent }))).toEqual([
      {
        method: 'POST',
        path: '/wxaapi/newtmpl/addtemplate',
        body: { tid: '401', kidList: [1, 2], sceneDesc: '测试数据' },
        idempotent: false,
      },
      { method: 'POST', path: '/wxaapi/newtmpl/addtemplate', body: { tid: '10000123', kidList: [] }, idempotent: false },
      { method: 'POST', path: '/wxaapi/newtmpl/deltemplate', body: { priTmplId: TEMPLATE }, idempotent: false },
    ]);
  });

  it('refuses bad template input before calling WeChat', async () => {
    const { service, requests } = setup();
    const problems = (promise: Promise<unknown>) =>
      promise.then(
        () => [],
        (error: WeChatInputError) => error.problems,
      );
    expect(await problems(service.addTemplate({ tid: 'x', kidList: [1], sceneDesc: '一二三四五六七八九十一二三四五六' }))).toEqual([
      'tid must be the id of a public title: a positive integer',
      'kidList must be 2 to 5 distinct keyword ids (positive integers)',
      'sceneDesc must be a non-empty text of at most 15 characters, without control characters',
    ]);
    expect(await problems(service.addTemplate({ tid: 99, kidList: [1, 1] }))).toHaveLength(1);
    expect(await problems(service.addTemplate({ tid: 99, kidList: [1, 2, 3, 4, 5, 6] }))).toHaveLength(1);
    expect(await problems(service.addTemplate({ tid: 99, kidList: [1, 2.5] }))).toHaveLength(1);
    expect(await problems(service.addTemplate({ tid: 10000123, kidList: [1, 2] }))).toEqual([
      'kidList must be empty for title 10000123: its keywords are fixed',
    ]);
    expect(await problems(service.addTemplate(null as never))).toContain('the input must be an object with tid and kidList');
    expect(await problems(service.deleteTemplate('bad id'))).toEqual([
      'templateId must be the template id (priTmplId): 1 to 128 letters, digits, _ or -',
    ]);
    expect(await problems(service.getPubTemplateKeywords(-1))).toEqual(['tid must be the id of a public title: a positive integer']);
    expect(await problems(service.getPubTemplateTitles({ ids: [], start: -1, limit: 31 }))).toEqual([
      'ids must be the ids of one or more categories (getCategory): positive integers',
      'start must be an integer from 0',
      'limit must be an integer from 1 to 30',
    ]);
    expect(await problems(service.getPubTemplateTitles({ ids: [616], limit: 0 }))).toEqual(['limit must be an integer from 1 to 30']);
    expect(requests).toEqual([]);
  });

  it('reads categories, public titles (numbers quoted or not) and keywords', async () => {
    const { service, requests, answerWith } = setup();
    answerWith(() => ({ errcode: 0, errmsg: 'ok', data: [{ id: 616, name: '公交' }] }));
    expect(await service.getCategory()).toEqual([{ id: 616, name: '公交' }]);
    answerWith(() => ({ errcode: 0, errmsg: 'ok', count: 55, data: [{ tid: 99, title: '付款成功通知', type: 2, categoryId: '616' }] }));
    expect(await service.getPubTemplateTitles({ ids: [2, 616], start: 0, limit: 1 })).toEqual({
      count: 55,
      titles: [{ tid: 99, title: '付款成功通知', type: 2, kind: 'one-time', categoryId: 616 }],
    });
    answerWith(() => ({ errcode: 0, errmsg: 'ok', data: [{ kid: 1, name: '物品名称', example: '名称', rule: 'thing' }] }));
    expect(await service.getPubTemplateKeywords('99')).toEqual([{ kid: 1, name: '物品名称', example: '名称', rule: 'thing' }]);
    expect(requests.map(({ method, path, query }) => ({ method, path, query }))).toEqual([
      { method: 'GET', path: '/wxaapi/newtmpl/getcategory', query: { access_token: 'TOKEN' } },
      {
        method: 'GET',
        path: '/wxaapi/newtmpl/getpubtemplatetitles',
        query: { access_token: 'TOKEN', ids: '2,616', start: '0', limit: '1' },
      },
      { method: 'GET', path: '/wxaapi/newtmpl/getpubtemplatekeywords', query: { access_token: 'TOKEN', tid: '99' } },
    ]);
    answerWith(() => ({ data: [{ kid: 'one', rule: 'thing' }] }));
    await expect(service.getPubTemplateKeywords(99)).rejects.toMatchObject({ kind: 'invalid-response' });
  });
});
