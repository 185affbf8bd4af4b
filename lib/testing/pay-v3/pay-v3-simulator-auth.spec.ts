import { buildPayV3Authorization } from '../../crypto/pay-v3.crypto';
import { M, V3, payV3Bench, rawHttps } from './pay-v3-simulator.spec-kit';
import type { SendOptions } from './pay-v3-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay API v3)', () => {
  const { sim, urls, v3, jsapiBody } = payV3Bench();
  let payBase = '';
  beforeAll(() => {
    ({ payBase } = urls());
  });

  describe('authentication', () => {
    const path = '/v3/pay/transactions/out-trade-no/NOSUCHORDER1?mchid=1900000109';

    it('accepts a correctly signed request (404 for an unknown order, signed)', async () => {
      const answer = await v3('GET', path);
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ code: 'ORDER_NOT_EXIST', message: '订单不存在' });
    });

    it.each([
      ['a missing header', { auth: null }],
      ['a garbled header', { auth: 'WECHATPAY2-SHA256-RSA2048 mchid=1900000109' }],
      ['another scheme', { auth: 'Bearer abc' }],
      ['a wrong serial', { serialNo: V3.platformSerialNo }],
      ['an unknown merchant', { mchId: '1900000999' }],
      // Offsets from the time of sending (not of loading this file), a minute past the 300 s window: a busy machine
      // that takes seconds between signing and checking cannot bring them back inside it.
      ['a stale timestamp', { timestampOffset: -360 }],
      ['a future timestamp', { timestampOffset: 360 }],
      ['another query than signed', { sentTarget: path.replace('NOSUCHORDER1', 'NOSUCHORDER2') }],
    ] as Array<[string, SendOptions]>)('refuses %s with 401 SIGN_ERROR (signed)', async (_name, options) => {
      const answer = await v3('GET', path, undefined, options);
      expect(answer.status).toBe(401);
      expect(answer.json.code).toBe('SIGN_ERROR');
      expect(typeof answer.json.message).toBe('string');
    });

    it('answers a payErrCode fault with the v3 error code, signed, after authentication', async () => {
      // Like every fault, it is used up by each call to its path, an unauthenticated one too (which still gets 401).
      sim.addFault({ path: '/v3/pay/transactions/jsapi', payErrCode: 'SYSTEMERROR', count: 2 });
      const unauthenticated = await v3('POST', '/v3/pay/transactions/jsapi', jsapiBody(), { auth: null });
      expect(unauthenticated.status).toBe(401);
      const faulted = await v3('POST', '/v3/pay/transactions/jsapi', jsapiBody());
      expect(faulted.status).toBe(500);
      expect(faulted.json).toEqual({ code: 'SYSTEM_ERROR', message: expect.any(String) });
      sim.addFault({ path: '/v3/pay/transactions/jsapi', status: 503 });
      // A status fault is a gateway failure: plain text, unsigned.
      const gateway = await rawHttps(payBase, 'POST', '/v3/pay/transactions/jsapi', '{}', {});
      expect(gateway.status).toBe(503);
      expect(gateway.headers['wechatpay-signature']).toBeUndefined();
      expect((await v3('POST', '/v3/pay/transactions/jsapi', jsapiBody())).status).toBe(200);
    });

    it('refuses a tampered body and a request signed by another key', async () => {
      const body = JSON.stringify(jsapiBody());
      const tampered = await v3('POST', '/v3/pay/transactions/jsapi', body, { sentBody: body.replace('"total":100', '"total":1') });
      expect(tampered.status).toBe(401);
      expect(tampered.json.code).toBe('SIGN_ERROR');
      const otherKey = buildPayV3Authorization({
        mchId: M.mchId,
        serialNo: V3.merchantSerialNo,
        privateKey: V3.platformPrivateKey,
        method: 'POST',
        url: '/v3/pay/transactions/jsapi',
        body,
      });
      const forged = await v3('POST', '/v3/pay/transactions/jsapi', body, { auth: otherKey });
      expect(forged.status).toBe(401);
      expect(sim.calls.at(-1)).toMatchObject({ path: '/v3/pay/transactions/jsapi', status: 401, errCode: 'SIGN_ERROR' });
    });
  });
});
