import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiResponse } from '../utils/openapi.util';

const PAY_NOTIFY_EXAMPLE = `<xml>
  <appid><![CDATA[wxdevsimulator0001]]></appid>
  <mch_id><![CDATA[1900000109]]></mch_id>
  <nonce_str><![CDATA[5K8264ILTKCH16CQ2502SI8ZNMTM67VS]]></nonce_str>
  <result_code><![CDATA[SUCCESS]]></result_code>
  <return_code><![CDATA[SUCCESS]]></return_code>
  <openid><![CDATA[oDevSimulator0000000000000001]]></openid>
  <out_trade_no><![CDATA[MP20240101120000ab12cd34]]></out_trade_no>
  <transaction_id><![CDATA[4200000000202401011234567890]]></transaction_id>
  <total_fee>1</total_fee>
  <trade_type><![CDATA[JSAPI]]></trade_type>
  <bank_type><![CDATA[OTHERS]]></bank_type>
  <time_end><![CDATA[20240101120130]]></time_end>
  <sign><![CDATA[B552ED6B279343CB493C5DD0D78AB241]]></sign>
</xml>`;

const REFUND_NOTIFY_EXAMPLE = `<xml>
  <return_code><![CDATA[SUCCESS]]></return_code>
  <appid><![CDATA[wxdevsimulator0001]]></appid>
  <mch_id><![CDATA[1900000109]]></mch_id>
  <nonce_str><![CDATA[TeqClE3i0mvn3DrK]]></nonce_str>
  <req_info><![CDATA[T87GAHG17TGAHG1TGHAHAHA1Y1CIOA9UGJH1GAHV871HAGAGQYQQPOOJMXNBCXBVNMNMAJAA]]></req_info>
</xml>`;

const ANSWER_EXAMPLES = {
  success: {
    summary: 'processed now or before',
    value: '<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>',
  },
  fail: {
    summary: 'refused: nothing changed, WeChat delivers again',
    value: '<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[invalid signature]]></return_msg></xml>',
  },
};

/**
 * Documents a WeChat Pay notification endpoint: XML in, XML out, always HTTP 200.
 * @internal
 */
export function ApiPayNotification(kind: 'pay' | 'refund'): MethodDecorator & ClassDecorator {
  const pay = kind === 'pay';
  return applyDecorators(
    ApiOperation({
      summary: pay ? 'WeChat Pay payment notification (called by WeChat)' : 'WeChat Pay refund notification (called by WeChat)',
      description: pay
        ? 'The signed payment result WeChat posts to `notify_url`. Checked (size, no DTD, `return_code`, signature, `appid`/`mch_id`, amount), ' +
          'then the order is marked paid and `@OnPayOrderPaid()` handlers run, exactly once, in one transaction. ' +
          'Duplicates answer SUCCESS and change nothing; anything wrong answers FAIL and changes nothing.'
        : 'The refund result WeChat posts to the refund `notify_url`: `req_info` is AES-256-ECB under md5(API key), which authenticates it. ' +
          'The refund is settled once and `@OnPayRefundSettled()` handlers run.',
    }),
    ApiConsumes('text/xml'),
    ApiProduces('text/xml'),
    ApiBody({
      description: pay ? 'The notification XML, as WeChat sends it (at most 64 KiB).' : 'The refund notification XML (at most 64 KiB).',
      schema: { type: 'string', example: pay ? PAY_NOTIFY_EXAMPLE : REFUND_NOTIFY_EXAMPLE },
    }),
    ApiResponse({
      status: 200,
      description: 'Always 200: `return_code` SUCCESS when processed (now or before), FAIL otherwise (WeChat retries).',
      content: { 'text/xml': { schema: { type: 'string' }, examples: ANSWER_EXAMPLES } },
    }),
  );
}

/**
 * Documents the WeChat Pay API v3 notification endpoint: signed JSON in, 204 or `{ code, message }` out.
 * @internal
 */
export function ApiPayV3Notification(): MethodDecorator & ClassDecorator {
  const fail = {
    'application/json': { schema: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
  };
  return applyDecorators(
    ApiOperation({
      summary: 'WeChat Pay API v3 notification (called by WeChat): payments, refunds and merchant transfers',
      description:
        'Signed by WeChat Pay (`Wechatpay-Timestamp`, `-Nonce`, `-Signature`, `-Serial`; verified fail-closed, timestamp within 5 minutes), ' +
        'the `resource` AEAD_AES_256_GCM-encrypted with the APIv3 key. `TRANSACTION.SUCCESS` marks the order paid and runs ' +
        '`@OnPayOrderPaid()` handlers; `REFUND.*` settles the refund and runs `@OnPayRefundSettled()` handlers; ' +
        '`MCHTRANSFER.BILL.FINISHED` ends the transfer and runs `@OnPayTransferSucceeded()` or `@OnPayTransferFailed()` handlers; ' +
        'exactly once.',
    }),
    ApiConsumes('application/json'),
    ApiProduces('application/json'),
    ApiBody({ description: 'The notification JSON as WeChat sends it (at most 64 KiB).', schema: { type: 'object' } }),
    ApiResponse({ status: 204, description: 'Processed now or before.' }),
    ApiResponse({ status: 400, description: 'Invalid or undecryptable; nothing changed.', content: fail }),
    ApiResponse({ status: 401, description: 'Signature or timestamp refused; nothing changed.', content: fail }),
    ApiResponse({ status: 500, description: 'Could not be processed now; WeChat retries.', content: fail }),
  );
}
