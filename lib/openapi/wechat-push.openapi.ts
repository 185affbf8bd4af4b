import { applyDecorators } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse } from '../utils/openapi.util';

/**
 * Documents the message-push route: the URL check (`GET`) or a push (`POST`), called by WeChat.
 * @internal
 */
export function ApiWeChatPush(kind: 'check' | 'push'): MethodDecorator & ClassDecorator {
  const check = kind === 'check';
  return applyDecorators(
    ApiOperation({
      summary: check ? 'WeChat message push: URL check (called by WeChat)' : 'WeChat message push (called by WeChat)',
      description: check
        ? 'WeChat checks the configured URL: `signature` is the SHA-1 of the Token, `timestamp` and `nonce`; the answer is `echostr`.'
        : 'A message or event pushed by WeChat, plain (`signature`) or encrypted (`msg_signature`, AES-256-CBC with the EncodingAESKey), ' +
          'JSON or XML. Handlers (`@OnWeChatEvent()`, `@OnWeChatMessage()`, `@OnWeChatPush()`) run exactly once, in one transaction; ' +
          'a redelivery answers `success` and runs nothing.',
    }),
    ApiQuery({ name: 'signature', required: false, type: String }),
    ApiQuery({ name: 'timestamp', required: true, type: String }),
    ApiQuery({ name: 'nonce', required: true, type: String }),
    ...(check
      ? [ApiQuery({ name: 'echostr', required: true, type: String })]
      : [
          ApiQuery({ name: 'msg_signature', required: false, type: String }),
          ApiQuery({ name: 'encrypt_type', required: false, type: String }),
        ]),
    ApiProduces('text/plain'),
    ApiResponse({ status: 200, description: check ? '`echostr`' : '`success`: handled now or before' }),
    ApiResponse({ status: 400, description: 'malformed: a missing parameter, an unreadable body or ciphertext' }),
    ApiResponse({ status: 401, description: 'a signature that does not verify, or a timestamp too far from now' }),
    ApiResponse({ status: 404, description: 'message push is not configured (`push` option)' }),
    ...(check ? [] : [ApiResponse({ status: 503, description: 'a handler or the database failed: rolled back, WeChat delivers again' })]),
  );
}
