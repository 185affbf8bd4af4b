import type { ArgumentsHost, HttpServer } from '@nestjs/common';
import { toHttpException, WeChatExceptionFilter } from '../auth/wechat-exception.filter';
import { WeChatUnavailableError } from '../errors/wechat-api.error';
import { ProfileCheckUnavailableError, ProfileContentRefusedError, ProfileInputError } from './profile.errors';

const busy = () => new ProfileCheckUnavailableError(5, { cause: new WeChatUnavailableError('msgSecCheck', 'busy', 'errcode -1') });

describe('the profile errors through WeChatExceptionFilter', () => {
  it.each([
    [new ProfileInputError(413, 'the avatar is larger than 2097152 bytes'), 413, { error: 'Payload Too Large' }],
    [new ProfileInputError(415, 'not an image'), 415, { error: 'Unsupported Media Type', message: 'not an image' }],
    [
      new ProfileContentRefusedError('nickName', 'risky', 20006, 'trace'),
      422,
      { error: 'Unprocessable Entity', field: 'nickName', suggest: 'risky', label: 20006 },
    ],
    [busy(), 503, { error: 'Service Unavailable', message: expect.stringMatching(/nothing was saved; retry in 5 s/) }],
  ])('maps %s to %i', (error, status, body) => {
    const mapped = toHttpException(error);
    expect(mapped?.getStatus()).toBe(status);
    expect(mapped?.getResponse()).toMatchObject({ statusCode: status, ...body });
  });

  it('answers 503 with Retry-After', () => {
    const replies: Array<{ body: unknown; status: number }> = [];
    const headers: Record<string, string> = {};
    const adapter = {
      isHeadersSent: () => false,
      setHeader: (_response: unknown, name: string, value: string) => (headers[name] = value),
      reply: (_response: unknown, body: unknown, status: number) => replies.push({ body, status }),
    } as unknown as HttpServer;
    const host = { getArgByIndex: () => ({}), switchToHttp: () => ({ getResponse: () => ({}) }) } as unknown as ArgumentsHost;
    const filter = new WeChatExceptionFilter(adapter);
    jest.spyOn(filter['logger'], 'warn').mockImplementation(() => undefined);
    filter.catch(busy(), host);
    expect(headers).toEqual({ 'Retry-After': '5' });
    expect(replies).toEqual([{ status: 503, body: expect.objectContaining({ statusCode: 503 }) }]);
  });
});
