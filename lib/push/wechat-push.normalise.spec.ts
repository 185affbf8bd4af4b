import { normalisePushMessage } from './wechat-push.normalise';

const header = { ToUserName: 'gh_1', FromUserName: 'oUser', CreateTime: 1714112445, MsgType: 'event' };
const fromJson = (text: string) => normalisePushMessage(JSON.parse(text), text);

describe('normalisePushMessage', () => {
  it('reads the numbers WeChat quotes (or XML carries as text) as numbers, and leaves other text alone', () => {
    const message = normalisePushMessage(
      {
        ...header,
        CreateTime: '1714112445',
        Event: 'wxa_media_check',
        trace_id: '100',
        version: '2',
        result: { suggest: 'pass', label: '100' },
      },
      '',
    );
    expect(message).toEqual({ ...header, Event: 'wxa_media_check', trace_id: '100', version: 2, result: { suggest: 'pass', label: 100 } });
  });

  it('makes lists arrays, whether one object, several or none came', () => {
    const one = normalisePushMessage({ ...header, Event: 'wxa_media_check', detail: { strategy: 'content_model', errcode: '0' } }, '');
    expect(one?.detail).toEqual([{ strategy: 'content_model', errcode: 0 }]);
    const none = normalisePushMessage({ ...header, Event: 'wxa_media_check', detail: '' }, '');
    expect(none?.detail).toEqual([]);
  });

  it.each([
    ['the current JSON (one object)', { List: { TemplateId: 't1', SubscribeStatusString: 'accept', PopupScene: '0' } }],
    ['the current JSON (an array)', { List: [{ TemplateId: 't1', SubscribeStatusString: 'accept', PopupScene: 0 }] }],
    [
      'XML (a wrapper named after the event)',
      { SubscribeMsgPopupEvent: { List: { TemplateId: 't1', SubscribeStatusString: 'accept', PopupScene: '0' } } },
    ],
    [
      'older JSON (the wrapper holds the array)',
      { SubscribeMsgPopupEvent: [{ TemplateId: 't1', SubscribeStatusString: 'accept', PopupScene: '0' }] },
    ],
  ])('gives subscribe events one List, from %s', (_shape, fields) => {
    const message = normalisePushMessage({ ...header, Event: 'subscribe_msg_popup_event', ...fields }, '');
    expect(message).toEqual({
      ...header,
      Event: 'subscribe_msg_popup_event',
      List: [{ TemplateId: 't1', SubscribeStatusString: 'accept', PopupScene: 0 }],
    });
  });

  it('reads a 64-bit MsgId from the JSON text, where a number would lose its last digits', () => {
    const text =
      '{"ToUserName":"gh_1","FromUserName":"o1","CreateTime":1482048670,"MsgType":"text","Content":"hi","MsgId":1864323726461255680}';
    expect(fromJson(text)?.MsgId).toBe('1864323726461255680');
    expect(fromJson(text.replace('1864323726461255680', '1234567890123456'))?.MsgId).toBe('1234567890123456');
    // XML and cloud pushes carry it as text, cloud ones not only digits.
    expect(
      normalisePushMessage({ ...header, MsgType: 'text', MsgId: '49d72d67b16d115e7935ac386f2f0fa41535298877_1555684067' }, '')?.MsgId,
    ).toBe('49d72d67b16d115e7935ac386f2f0fa41535298877_1555684067');
  });

  it.each([
    ['no ToUserName', { ...header, ToUserName: undefined }],
    ['a numeric FromUserName', { ...header, FromUserName: 1 }],
    ['no MsgType', { ...header, MsgType: '' }],
    ['a CreateTime that is not a number', { ...header, CreateTime: 'soon' }],
    ['a negative CreateTime', { ...header, CreateTime: -1 }],
    ['an Event that is not text', { ...header, Event: { a: 1 } }],
    ['a MsgId with markup', { ...header, MsgType: 'text', MsgId: '<b>' }],
    ['a MsgId object', { ...header, MsgType: 'text', MsgId: { a: 1 } }],
  ])('refuses a push with %s', (_what, fields) => {
    expect(normalisePushMessage(fields as Record<string, unknown>, '')).toBeUndefined();
  });
});
