import { Logger } from '@nestjs/common';
import { WeChatApiError, WeChatUnavailableError } from '../errors/wechat-api.error';
import { WeChatInputError } from '../errors/wechat-input.error';
import type { WeChatApiService } from '../wechat/wechat-api.service';
import type { WeChatBinary, WeChatJson, WeChatRequest } from '../wechat/wechat-http.client';
import { WeChatCustomerMessageService } from './wechat-customer-message.service';
import { OPENID, PNG } from './customer-service.spec-kit';

/** The service over a fake WeChatApiService that records each request and answers from `answer`. */
function setup() {
  const requests: WeChatRequest[] = [];
  let answer: (req: WeChatRequest) => WeChatJson = () => ({ errcode: 0, errmsg: 'ok' });
  let file: WeChatBinary = { contentType: 'image/png', body: PNG };
  const api = {
    withAccessToken: async (build: (token: string) => WeChatRequest) => {
      const req = build('TOKEN');
      requests.push(req);
      return answer(req);
    },
    withAccessTokenBinary: async (build: (token: string) => WeChatRequest) => {
      requests.push(build('TOKEN'));
      return file;
    },
  } as unknown as WeChatApiService;
  return {
    service: new WeChatCustomerMessageService(api),
    requests,
    answerWith: (fn: typeof answer) => (answer = fn),
    fileIs: (value: WeChatBinary) => (file = value),
  };
}

const refuse = (errcode: number, errmsg: string) => (req: WeChatRequest) => {
  throw new WeChatApiError(req.api, errcode, errmsg);
};

describe('WeChatCustomerMessageService', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('sends each kind of message to custom/send, never repeated after a timeout', async () => {
    const { service, requests } = setup();
    expect(await service.sendText(OPENID, 'hi')).toEqual({ sent: true });
    await service.sendImage(OPENID, 'MEDIA');
    await service.sendLink(OPENID, { title: 't', description: 'd', url: 'https://example.com/', thumbUrl: 'https://example.com/t.png' });
    await service.sendMiniProgramPage(OPENID, { title: 't', pagePath: 'pages/index/index', thumbMediaId: 'MEDIA' });
    expect(requests.map(({ api, method, path, query, idempotent }) => ({ api, method, path, query, idempotent }))).toEqual(
      Array(4).fill({
        api: 'customerServiceMessage.send',
        method: 'POST',
        path: '/cgi-bin/message/custom/send',
        query: { access_token: 'TOKEN' },
        idempotent: false,
      }),
    );
    expect(requests.map((req) => (req.body as { msgtype: string }).msgtype)).toEqual(['text', 'image', 'link', 'miniprogrampage']);
    expect(requests[0].body).toEqual({ touser: OPENID, msgtype: 'text', text: { content: 'hi' } });
  });

  it('answers the refusals that concern the user as results, and throws the others', async () => {
    const { service, answerWith } = setup();
    answerWith(refuse(45015, 'response out of time limit or subscription is canceled rid: 1'));
    expect(await service.sendText(OPENID, 'hi')).toEqual({
      sent: false,
      reason: 'window-closed',
      errcode: 45015,
      errmsg: 'response out of time limit or subscription is canceled rid: 1',
    });
    answerWith(refuse(45047, 'out of response count limit'));
    expect(await service.sendImage(OPENID, 'MEDIA')).toMatchObject({ sent: false, reason: 'quota-used', errcode: 45047 });
    answerWith(refuse(40003, 'invalid openid'));
    await expect(service.sendText(OPENID, 'hi')).rejects.toMatchObject({ name: 'WeChatApiError', errcode: 40003 });
    answerWith(refuse(40007, 'invalid media_id'));
    await expect(service.sendImage(OPENID, 'MEDIA')).rejects.toBeInstanceOf(WeChatApiError);
    answerWith(() => {
      throw new WeChatUnavailableError('customerServiceMessage.send', 'timeout', 'no answer');
    });
    await expect(service.sendText(OPENID, 'hi')).rejects.toBeInstanceOf(WeChatUnavailableError);
  });

  it("sets the typing state on the mini programs' path; its refusals are results too", async () => {
    const { service, requests, answerWith } = setup();
    expect(await service.setTyping(OPENID, true)).toEqual({ sent: true });
    expect(requests[0]).toEqual({
      api: 'customerServiceMessage.setTyping',
      method: 'POST',
      path: '/cgi-bin/message/custom/business/typing',
      query: { access_token: 'TOKEN' },
      body: { touser: OPENID, command: 'Typing' },
      idempotent: true,
    });
    answerWith(refuse(45080, 'need sending message to user or recving message from user in the last 30 seconds before typing'));
    expect(await service.setTyping(OPENID, true)).toMatchObject({ sent: false, reason: 'no-recent-interaction', errcode: 45080 });
    answerWith(refuse(45081, 'you are already typing'));
    expect(await service.setTyping(OPENID, true)).toMatchObject({ sent: false, reason: 'already-typing' });
    answerWith(refuse(45072, 'invalid command'));
    await expect(service.setTyping(OPENID, false)).rejects.toMatchObject({ errcode: 45072 });
  });

  it('checks the input before anything is sent', async () => {
    const { service, requests } = setup();
    await expect(service.sendText('', 'hi')).rejects.toBeInstanceOf(WeChatInputError);
    await expect(service.sendImage(OPENID, '')).rejects.toBeInstanceOf(WeChatInputError);
    await expect(service.setTyping(OPENID, 1 as unknown as boolean)).rejects.toBeInstanceOf(WeChatInputError);
    await expect(service.uploadTempImage(Buffer.from('GIF87b'))).rejects.toMatchObject({
      name: 'WeChatInputError',
      api: 'customerServiceMessage.uploadTempMedia',
    });
    await expect(service.getTempMedia('bad id')).rejects.toBeInstanceOf(WeChatInputError);
    expect(requests).toEqual([]);
  });

  it('uploads an image as multipart `media` with type=image, and reads the media id', async () => {
    const { service, requests, answerWith } = setup();
    answerWith(() => ({ errcode: 0, errmsg: 'ok', type: 'image', media_id: 'MEDIA_ID', created_at: 1672500000 }));
    expect(await service.uploadTempImage(PNG, { filename: 'receipt.png' })).toEqual({
      mediaId: 'MEDIA_ID',
      createdAt: new Date(1672500000 * 1000),
    });
    const [req] = requests;
    expect(req).toMatchObject({
      api: 'customerServiceMessage.uploadTempMedia',
      method: 'POST',
      path: '/cgi-bin/media/upload',
      query: { access_token: 'TOKEN', type: 'image' },
      idempotent: true,
    });
    expect(req.body).toBeUndefined();
    expect((req.form?.get('media') as File).name).toBe('receipt.png');
    answerWith(() => ({ errcode: 0, errmsg: 'ok', type: 'image' }));
    await expect(service.uploadTempImage(PNG)).rejects.toMatchObject({ name: 'WeChatUnavailableError', kind: 'invalid-response' });
  });

  it('downloads a temporary image as its bytes and type', async () => {
    const { service, requests } = setup();
    expect(await service.getTempMedia('MEDIA_ID')).toEqual({ contentType: 'image/png', body: PNG });
    expect(requests).toEqual([
      {
        api: 'customerServiceMessage.getTempMedia',
        method: 'GET',
        path: '/cgi-bin/media/get',
        query: { access_token: 'TOKEN', media_id: 'MEDIA_ID' },
        idempotent: true,
      },
    ]);
  });
});
