import { WeChatInputError } from '../errors/wechat-input.error';
import {
  checkedMediaId,
  customerImageBody,
  customerLinkBody,
  customerPageBody,
  customerTextBody,
  customerTypingBody,
} from './customer-service-input';
import type { CustomerServiceLink, CustomerServiceMiniProgramPage } from './customer-service.interfaces';
import { OPENID, problemsOf } from './customer-service.spec-kit';

const MEDIA = 'KctC1H_POt0G_ZK6hVMiokjDsCNb7x8V8Gr-dQKlea8';

describe('customer-service input', () => {
  it('writes each message with WeChat field names', () => {
    expect(customerTextBody(OPENID, '您好！\n请问有什么可以帮您？')).toEqual({
      touser: OPENID,
      msgtype: 'text',
      text: { content: '您好！\n请问有什么可以帮您？' },
    });
    expect(customerImageBody(OPENID, MEDIA)).toEqual({ touser: OPENID, msgtype: 'image', image: { media_id: MEDIA } });
    const link = {
      title: 'Happy Day',
      description: 'Is Really A Happy Day',
      url: 'https://example.com/a?b=1',
      thumbUrl: 'http://example.com/t.png',
    };
    expect(customerLinkBody(OPENID, link)).toEqual({
      touser: OPENID,
      msgtype: 'link',
      link: {
        title: 'Happy Day',
        description: 'Is Really A Happy Day',
        url: 'https://example.com/a?b=1',
        thumb_url: 'http://example.com/t.png',
      },
    });
    expect(customerPageBody(OPENID, { title: '订单详情', pagePath: 'pages/order/detail?id=42&at=15:01', thumbMediaId: MEDIA })).toEqual({
      touser: OPENID,
      msgtype: 'miniprogrampage',
      miniprogrampage: { title: '订单详情', pagepath: 'pages/order/detail?id=42&at=15:01', thumb_media_id: MEDIA },
    });
    expect(customerTypingBody(OPENID, true)).toEqual({ touser: OPENID, command: 'Typing' });
    expect(customerTypingBody(OPENID, false)).toEqual({ touser: OPENID, command: 'CancelTyping' });
    expect(checkedMediaId(MEDIA)).toBe(MEDIA);
  });

  it('refuses an openid that is none and text WeChat would refuse, naming each problem', () => {
    const error = (() => {
      try {
        customerTextBody('o user', '');
      } catch (caught) {
        return caught as WeChatInputError;
      }
    })();
    expect(error).toMatchObject({ name: 'WeChatInputError', api: 'customerServiceMessage.send' });
    expect(error?.problems).toEqual([
      "openId must be the user's openid: 1 to 128 letters, digits, _ or -",
      'content must be a non-blank text without control characters (line breaks are fine)',
    ]);
    for (const content of ['   \n', 'a\u0000b', 'bell\u0007', 42 as unknown as string]) {
      expect(problemsOf(() => customerTextBody(OPENID, content))).toHaveLength(1);
    }
    expect(problemsOf(() => customerTextBody(OPENID, 'tab\tand\r\nbreaks'))).toEqual([]);
    expect(problemsOf(() => customerTextBody('x'.repeat(129), 'hi'))).toHaveLength(1);
  });

  it('checks every field of a link card at once', () => {
    const bad = { title: 'two\nlines', description: '', url: 'javascript:alert(1)', thumbUrl: 'ftp://example.com/t.png' };
    expect(problemsOf(() => customerLinkBody(OPENID, bad))).toEqual([
      'title must be a non-blank text on one line, without control characters',
      'description must be a non-blank text without control characters (line breaks are fine)',
      'url must be an absolute http: or https: URL',
      'thumbUrl must be an absolute http: or https: URL',
    ]);
    expect(problemsOf(() => customerLinkBody(OPENID, null as unknown as CustomerServiceLink))).toEqual([
      'the link must be an object with title, description, url and thumbUrl',
      'title must be a non-blank text on one line, without control characters',
      'description must be a non-blank text without control characters (line breaks are fine)',
      'url must be an absolute http: or https: URL',
      'thumbUrl must be an absolute http: or https: URL',
    ]);
    const link = { title: 't', description: 'd', url: 'https://example.com/a b', thumbUrl: '//example.com/t.png' };
    expect(problemsOf(() => customerLinkBody(OPENID, link))).toHaveLength(2);
  });

  it('checks a mini program card: a page of the app with its query, and a media id for the cover', () => {
    const card = (pagePath: unknown, thumbMediaId: unknown = MEDIA) =>
      problemsOf(() => customerPageBody(OPENID, { title: '订单', pagePath, thumbMediaId } as CustomerServiceMiniProgramPage));
    expect(card('/pages/index/index')).toEqual([]);
    for (const pagePath of ['', 'pages/a b', 'https://example.com/page', 'x'.repeat(1025), 7]) {
      expect(card(pagePath)).toEqual([
        'pagePath must be a page of the mini program with its query (pages/order/detail?id=42): at most 1024 characters, no spaces',
      ]);
    }
    expect(card('pages/index', 'has space')).toEqual([
      'thumbMediaId must be a media id from uploadTempImage: 1 to 256 printable characters, no spaces',
    ]);
    expect(problemsOf(() => customerPageBody(OPENID, 'card' as unknown as CustomerServiceMiniProgramPage))).toHaveLength(4);
  });

  it('refuses a media id that is none, and a typing state that is not a boolean', () => {
    expect(problemsOf(() => customerImageBody(OPENID, ''))).toHaveLength(1);
    expect(problemsOf(() => checkedMediaId('a\nb'))).toEqual([
      'mediaId must be a media id from uploadTempImage: 1 to 256 printable characters, no spaces',
    ]);
    expect(problemsOf(() => customerTypingBody(OPENID, 'yes' as unknown as boolean))).toEqual(['typing must be true or false']);
  });
});
