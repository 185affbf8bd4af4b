import { WeChatUnavailableError } from '../errors/wechat-api.error';
import { readDetail, readMediaCheckPush, readTextCheck, readTraceId } from './security-answers';

const header = { ToUserName: 'gh_9df7d78a1234', FromUserName: 'o4_t144jTUSEoxydysUA2E234_tc', CreateTime: 1626959646, MsgType: 'event' };

describe('content security answers', () => {
  it("reads msgSecCheck's answer as WeChat's page gives it: the overall verdict, the trace id, each strategy", () => {
    // The example of WeChat's msgSecCheck page (文本内容安全识别, 返回示例).
    const answer = {
      errcode: 0,
      errmsg: 'ok',
      result: { suggest: 'risky', label: 20001 },
      detail: [
        { strategy: 'content_model', errcode: 0, suggest: 'risky', label: 20006, prob: 90 },
        { strategy: 'keyword', errcode: 0, suggest: 'pass', label: 20006, level: 20, keyword: '命中的关键词1' },
      ],
      trace_id: '60ae120f-371d5872-7941a05b',
    };
    expect(readTextCheck(answer)).toEqual({
      suggest: 'risky',
      label: 20001,
      traceId: '60ae120f-371d5872-7941a05b',
      detail: [
        { strategy: 'content_model', errcode: 0, suggest: 'risky', label: 20006, prob: 90 },
        { strategy: 'keyword', errcode: 0, suggest: 'pass', label: 20006, level: 20, keyword: '命中的关键词1' },
      ],
    });
  });

  it('reads quoted numbers, keeps what a strategy has, and drops what is not an object', () => {
    expect(
      readDetail([{ strategy: 'keyword', errcode: '0' }, 'junk', { strategy: 'content_model', errcode: 0, label: '100', prob: '90' }]),
    ).toEqual([
      { strategy: 'keyword', errcode: 0 },
      { strategy: 'content_model', errcode: 0, label: 100, prob: 90 },
    ]);
    expect(readDetail(undefined)).toEqual([]);
  });

  it('refuses an answer without an overall verdict, or a media answer without a trace id', () => {
    for (const result of [undefined, { suggest: 'maybe', label: 100 }, { suggest: 'pass' }, { suggest: 'pass', label: 2 ** 31 }]) {
      expect(() => readTextCheck({ errcode: 0, result })).toThrow(WeChatUnavailableError);
    }
    expect(readTraceId({ errcode: 0, trace_id: '60f96f1d-3845297a-1976a3ae' })).toBe('60f96f1d-3845297a-1976a3ae');
    expect(readTraceId({ traceId: '65557e88-016af6aa-17e69df6' })).toBe('65557e88-016af6aa-17e69df6');
    expect(() => readTraceId({ errcode: 0, errmsg: 'ok' })).toThrow(expect.objectContaining({ kind: 'invalid-response' }));
  });

  it('reads a wxa_media_check push: the documented example, a real one with a quoted label and no errcode, a failure', () => {
    const documented = {
      ...header,
      Event: 'wxa_media_check',
      appid: 'wx8f16a5be77871234',
      trace_id: '60f96f1d-3845297a-1976a3ae',
      version: 2,
      detail: [{ strategy: 'content_model', errcode: 0, suggest: 'pass', label: 100, prob: 90 }],
      errcode: 0,
      errmsg: 'ok',
      result: { suggest: 'pass', label: 100 },
    };
    expect(readMediaCheckPush(documented)).toEqual({
      traceId: '60f96f1d-3845297a-1976a3ae',
      status: 'pass',
      verdict: { suggest: 'pass', label: 100 },
      errcode: 0,
      detail: [{ strategy: 'content_model', errcode: 0, suggest: 'pass', label: 100, prob: 90 }],
    });
    // As posted on WeChat's forum in 2025: a quoted label, no errcode or errmsg.
    const { errcode: _errcode, errmsg: _errmsg, ...real } = { ...documented, result: { suggest: 'risky', label: '20002' } };
    expect(readMediaCheckPush(real)).toMatchObject({
      status: 'risky',
      verdict: { suggest: 'risky', label: 20002 },
      errcode: 0,
    });
    expect(readMediaCheckPush({ ...documented, errcode: -1008, result: undefined, detail: [] })).toEqual({
      traceId: documented.trace_id,
      status: 'failed',
      verdict: null,
      errcode: -1008,
      detail: [],
    });
  });

  it('has no outcome for a version 1 push, a push without a verdict, or without a usable trace id', () => {
    const v1 = { ...header, Event: 'wxa_media_check', isrisky: 0, extra_info_json: '', appid: 'wx1', trace_id: 't1', status_code: 0 };
    expect(readMediaCheckPush(v1)).toBeUndefined();
    expect(readMediaCheckPush({ ...header, trace_id: 'a b', result: { suggest: 'pass', label: 100 } })).toBeUndefined();
    expect(readMediaCheckPush({ ...header, result: { suggest: 'pass', label: 100 } })).toBeUndefined();
  });
});
