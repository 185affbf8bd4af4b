import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { gunzipSync } from 'node:zlib';
import { payV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../../crypto/pay-xml.codec';
import { buildPayV3Authorization, decryptPayV3Resource, verifyPayV3Signature } from '../../crypto/pay-v3.crypto';
import type { PayV3PublicKey } from '../../crypto/pay-v3.crypto';
import { createNonceStr } from '../../crypto/random.util';
import { NotifyTarget, waitFor } from '../pay/pay-simulator.spec-kit';
import { SIMULATOR_DEV_CERTIFICATES, SIMULATOR_DEV_MERCHANT, SIMULATOR_DEV_V3, WeChatSimulator, parseSimulatorArgs } from '../index';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const M = SIMULATOR_DEV_MERCHANT;
const V3 = SIMULATOR_DEV_V3;
const CA = SIMULATOR_DEV_CERTIFICATES.ca;
const TIME_SCALE = 0.001;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: Json;
}

interface SendOptions {
  /** The Authorization header as given (null: none); built from the merchant key when absent. */
  auth?: string | null;
  serialNo?: string;
  mchId?: string;
  /** Seconds added to the time of sending for the signed timestamp. */
  timestampOffset?: number;
  /** Body actually sent, when it differs from the signed one. */
  sentBody?: string;
  /** Target actually sent, when it differs from the signed one. */
  sentTarget?: string;
}

function rawHttps(base: string, method: string, target: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, path: target, method, ca: CA, agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const all = Buffer.concat(chunks);
        const text = all.toString('utf8');
        let json: Json = {};
        try {
          json = text === '' ? {} : (JSON.parse(text) as Json);
        } catch {
          json = {};
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: all, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function verifies(answer: Answer, key: PayV3PublicKey): boolean {
  return verifyPayV3Signature(
    {
      timestamp: answer.headers['wechatpay-timestamp'] as string,
      nonce: answer.headers['wechatpay-nonce'] as string,
      body: answer.body,
      signature: answer.headers['wechatpay-signature'] as string,
    },
    key,
  );
}

function decryptNotification(body: string, apiV3Key = V3.apiV3Key): Json {
  const parsed = JSON.parse(body) as Json;
  return JSON.parse(decryptPayV3Resource(parsed.resource, apiV3Key)) as Json;
}

const RFC3339_BJ = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;

describe('WeChatSimulator (WeChat Pay API v3)', () => {
  const sim = new WeChatSimulator({ timeScale: TIME_SCALE, refundDelayMs: 200_000 });
  const target = new NotifyTarget({ fallback: { status: 204, body: '' }, contentType: 'application/json', path: '/v3notify' });
  let base: string;
  let payBase: string;
  let seq = 0;

  beforeAll(async () => {
    base = await sim.start();
    payBase = sim.payUrl;
    await target.start();
  });
  afterAll(async () => {
    await sim.stop();
    await target.stop();
  });
  beforeEach(() => {
    sim.reset();
    sim.setPayV3({ mode: 'public-key', rotate: false });
    target.reset();
  });

  /** A signed v3 request; every non-file answer must verify with the current WeChat Pay key. */
  async function v3(method: string, targetPath: string, body?: unknown, options: SendOptions = {}): Promise<Answer> {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const auth =
      options.auth === undefined
        ? buildPayV3Authorization({
            mchId: options.mchId ?? M.mchId,
            serialNo: options.serialNo ?? V3.merchantSerialNo,
            privateKey: V3.merchantPrivateKey,
            method,
            url: targetPath,
            body: text,
            ...(options.timestampOffset !== undefined ? { timestamp: Math.floor(Date.now() / 1000) + options.timestampOffset } : {}),
          })
        : options.auth;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'spec' };
    if (text !== '') headers['content-type'] = 'application/json';
    if (auth !== null) headers.authorization = auth;
    const answer = await rawHttps(payBase, method, options.sentTarget ?? targetPath, options.sentBody ?? text, headers);
    expect(answer.headers['request-id']).toMatch(/^[0-9A-F]{40}$/);
    if (answer.headers['content-type'] !== 'application/octet-stream') {
      const settings = sim.payV3Settings;
      const key =
        settings.mode === 'public-key' ? V3.wechatPayPublicKey : settings.rotated ? V3.nextPlatformCertificate : V3.platformCertificate;
      expect(answer.headers['wechatpay-serial']).toBe(settings.serial);
      expect(verifies(answer, key)).toBe(true);
      expect(Math.abs(Number(answer.headers['wechatpay-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    }
    return answer;
  }

  async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${base}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Json };
  }

  function newOutTradeNo(): string {
    return `V3T${Date.now()}${++seq}`;
  }

  function jsapiBody(overrides: Json = {}): Json {
    return {
      appid: M.appId,
      mchid: M.mchId,
      description: '模拟商品',
      out_trade_no: newOutTradeNo(),
      notify_url: target.url(),
      amount: { total: 100, currency: 'CNY' },
      payer: { openid: sim.login({ openId: `oV3User${++seq}` }).openId },
      ...overrides,
    };
  }

  async function createOrder(overrides: Json = {}): Promise<{ outTradeNo: string; prepayId: string; body: Json }> {
    const body = jsapiBody(overrides);
    const answer = await v3('POST', '/v3/pay/transactions/jsapi', body);
    expect(answer.status).toBe(200);
    return { outTradeNo: body.out_trade_no as string, prepayId: answer.json.prepay_id as string, body };
  }

  async function paidOrder(overrides: Json = {}): Promise<{ outTradeNo: string; transactionId: string }> {
    const created = await createOrder(overrides);
    const paid = await control('POST', '/__sim/pay', { prepayId: created.prepayId });
    expect(paid.status).toBe(200);
    return { outTradeNo: created.outTradeNo, transactionId: paid.json.transactionId as string };
  }

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

  describe('orders', () => {
    it('creates, queries, pays and notifies an order (public-key mode)', async () => {
      const created = await createOrder({ attach: 'a=1', time_expire: '2099-01-01T10:00:00+08:00' });
      expect(created.prepayId).toMatch(/^wx\d{14}[0-9a-f]{20}$/);
      expect(sim.order(created.outTradeNo)).toMatchObject({ apiVersion: 'v3', notifyUrl: target.url(), tradeState: 'NOTPAY' });

      const unpaid = await v3('GET', `/v3/pay/transactions/out-trade-no/${created.outTradeNo}?mchid=${M.mchId}`);
      expect(unpaid.status).toBe(200);
      expect(unpaid.json).toEqual({
        appid: M.appId,
        mchid: M.mchId,
        out_trade_no: created.outTradeNo,
        trade_type: 'JSAPI',
        trade_state: 'NOTPAY',
        trade_state_desc: expect.any(String),
        attach: 'a=1',
        payer: { openid: created.body.payer.openid },
        amount: { total: 100, currency: 'CNY', payer_currency: 'CNY' },
      });

      const paid = await control('POST', '/__sim/pay', { prepayId: created.prepayId, bankType: 'CMB_DEBIT' });
      expect(paid.status).toBe(200);
      expect(paid.json.notification).toMatchObject({ apiVersion: 'v3', acknowledged: true, done: true, variant: 'genuine' });
      expect(paid.json.notification.attempts).toEqual([{ at: expect.any(Number), status: 204, body: '' }]);
      expect(target.received).toHaveLength(1);
      const [note] = target.received;
      expect(note.headers['content-type']).toBe('application/json');
      expect(note.headers['wechatpay-serial']).toBe(V3.publicKeyId);
      expect(note.headers['wechatpay-signature-type']).toBe('WECHATPAY2-SHA256-RSA2048');
      expect(
        verifyPayV3Signature(
          {
            timestamp: note.headers['wechatpay-timestamp'] as string,
            nonce: note.headers['wechatpay-nonce'] as string,
            body: note.body,
            signature: note.headers['wechatpay-signature'] as string,
          },
          V3.wechatPayPublicKey,
        ),
      ).toBe(true);
      const envelope = JSON.parse(note.body) as Json;
      expect(envelope).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        create_time: expect.stringMatching(RFC3339_BJ),
        resource_type: 'encrypt-resource',
        event_type: 'TRANSACTION.SUCCESS',
        summary: '支付成功',
        resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM', associated_data: 'transaction' },
      });
      const transaction = decryptNotification(note.body);
      expect(transaction).toEqual({
        appid: M.appId,
        mchid: M.mchId,
        out_trade_no: created.outTradeNo,
        transaction_id: paid.json.transactionId,
        trade_type: 'JSAPI',
        trade_state: 'SUCCESS',
        trade_state_desc: '支付成功',
        bank_type: 'CMB_DEBIT',
        attach: 'a=1',
        success_time: expect.stringMatching(RFC3339_BJ),
        payer: { openid: created.body.payer.openid },
        amount: { total: 100, payer_total: 100, currency: 'CNY', payer_currency: 'CNY' },
      });

      const byId = await v3('GET', `/v3/pay/transactions/id/${paid.json.transactionId}?mchid=${M.mchId}`);
      expect(byId.json).toEqual(transaction);
      expect(sim.notifications.at(-1)).toMatchObject({ apiVersion: 'v3', kind: 'pay', acknowledged: true });
    });

    it('validates jsapi requests like WeChat', async () => {
      const cases: Array<[Json, number, string]> = [
        [{ out_trade_no: 'abc' }, 400, 'PARAM_ERROR'],
        [{ description: undefined }, 400, 'PARAM_ERROR'],
        [{ amount: { total: 0 } }, 400, 'PARAM_ERROR'],
        [{ amount: { total: '1' } }, 400, 'PARAM_ERROR'],
        [{ amount: { total: 1, currency: 'USD' } }, 400, 'PARAM_ERROR'],
        [{ payer: {} }, 400, 'PARAM_ERROR'],
        [{ payer: { openid: 'oNobody' } }, 400, 'PARAM_ERROR'],
        [{ notify_url: 'not a url' }, 400, 'PARAM_ERROR'],
        [{ appid: 'wxother000000001' }, 400, 'PARAM_ERROR'],
        [{ mchid: '1900000999' }, 400, 'PARAM_ERROR'],
        [{ time_expire: '20990101100000' }, 400, 'PARAM_ERROR'],
      ];
      for (const [overrides, status, code] of cases) {
        const answer = await v3('POST', '/v3/pay/transactions/jsapi', jsapiBody(overrides));
        expect([overrides, answer.status, answer.json.code]).toEqual([overrides, status, code]);
      }
      const notJson = await v3('POST', '/v3/pay/transactions/jsapi', '{not json');
      expect(notJson.status).toBe(400);
      expect(notJson.json.code).toBe('PARAM_ERROR');
    });

    it('answers the same prepay_id for the same order and 201 商户订单号重复 for different content', async () => {
      const body = jsapiBody();
      const first = await v3('POST', '/v3/pay/transactions/jsapi', body);
      const again = await v3('POST', '/v3/pay/transactions/jsapi', body);
      expect(again.json.prepay_id).toBe(first.json.prepay_id);
      const changed = await v3('POST', '/v3/pay/transactions/jsapi', { ...body, amount: { total: 101 } });
      expect(changed.status).toBe(400);
      expect(changed.json).toEqual({ code: 'INVALID_REQUEST', message: '201 商户订单号重复' });
      await control('POST', '/__sim/pay', { prepayId: first.json.prepay_id });
      const paid = await v3('POST', '/v3/pay/transactions/jsapi', body);
      expect(paid.status).toBe(400);
      expect(paid.json.code).toBe('ORDERPAID');
    });

    it('checks the mchid of queries and 404s unknown transactions', async () => {
      const { outTradeNo } = await createOrder();
      const missing = await v3('GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}`);
      expect(missing.status).toBe(400);
      expect(missing.json.code).toBe('PARAM_ERROR');
      const other = await v3('GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=1900000999`);
      expect(other.status).toBe(400);
      const unknown = await v3('GET', `/v3/pay/transactions/id/4200000000202611240000000000?mchid=${M.mchId}`);
      expect(unknown.status).toBe(404);
      expect(unknown.json.code).toBe('ORDER_NOT_EXIST');
      const noRoute = await v3('GET', '/v3/no/such/api');
      expect(noRoute.status).toBe(404);
      expect(noRoute.json.code).toBe('NOT_FOUND');
    });

    it('closes an order with 204 (empty body, signed over the empty string)', async () => {
      const created = await createOrder();
      const closed = await v3('POST', `/v3/pay/transactions/out-trade-no/${created.outTradeNo}/close`, { mchid: M.mchId });
      expect(closed.status).toBe(204);
      expect(closed.body.length).toBe(0);
      expect(sim.order(created.outTradeNo)?.tradeState).toBe('CLOSED');
      expect((await control('POST', '/__sim/pay', { prepayId: created.prepayId })).status).toBe(410);
      const query = await v3('GET', `/v3/pay/transactions/out-trade-no/${created.outTradeNo}?mchid=${M.mchId}`);
      expect(query.json.trade_state).toBe('CLOSED');

      const { outTradeNo } = await paidOrder();
      const refused = await v3('POST', `/v3/pay/transactions/out-trade-no/${outTradeNo}/close`, { mchid: M.mchId });
      expect(refused.status).toBe(400);
      expect(refused.json.code).toBe('ORDERPAID');
    });

    it('retries an unacknowledged v3 notification and stops at a 2xx answer', async () => {
      target.answers.push({ status: 500, body: '{"code":"FAIL","message":"busy"}' }, { status: 200, body: '' });
      const created = await createOrder();
      const paid = await control('POST', '/__sim/pay', { prepayId: created.prepayId });
      expect(paid.json.notification).toMatchObject({ acknowledged: false, done: false });
      await waitFor(() => sim.notifications[0]?.done === true);
      expect(sim.notifications[0]).toMatchObject({ acknowledged: true, apiVersion: 'v3' });
      expect(sim.notifications[0].attempts.map((a) => a.status)).toEqual([500, 200]);
      expect(target.received).toHaveLength(2);
      // Retries carry the same body, signed afresh.
      expect(target.received[1].body).toBe(target.received[0].body);
      expect(target.received[1].headers['wechatpay-nonce']).not.toBe(target.received[0].headers['wechatpay-nonce']);
    });

    it('does not notify a failed payment of a v3 order', async () => {
      const created = await createOrder();
      const paid = await control('POST', '/__sim/pay', { prepayId: created.prepayId, result: 'FAIL' });
      expect(paid.json.notification).toMatchObject({ attempts: [], done: true, acknowledged: false });
      expect(target.received).toHaveLength(0);
      expect(sim.notifications).toHaveLength(0);
    });
  });

  describe('refunds', () => {
    it('refunds a v3 order, settles it and sends REFUND.SUCCESS', async () => {
      const { outTradeNo, transactionId } = await paidOrder();
      target.reset();
      const body = {
        out_trade_no: outTradeNo,
        out_refund_no: `R${outTradeNo}`,
        reason: '不想要了',
        notify_url: target.url('/refund'),
        amount: { refund: 40, total: 100, currency: 'CNY' },
      };
      const answer = await v3('POST', '/v3/refund/domestic/refunds', body);
      expect(answer.status).toBe(200);
      expect(answer.json).toMatchObject({
        refund_id: expect.stringMatching(/^\d{29}$/),
        out_refund_no: body.out_refund_no,
        transaction_id: transactionId,
        out_trade_no: outTradeNo,
        channel: 'ORIGINAL',
        user_received_account: expect.any(String),
        create_time: expect.stringMatching(RFC3339_BJ),
        status: 'PROCESSING',
        amount: { total: 100, refund: 40, payer_total: 100, payer_refund: 40, currency: 'CNY' },
      });
      expect(answer.json.success_time).toBeUndefined();
      const again = await v3('POST', '/v3/refund/domestic/refunds', body);
      expect(again.json.refund_id).toBe(answer.json.refund_id);
      const tooMuch = await v3('POST', '/v3/refund/domestic/refunds', {
        ...body,
        out_refund_no: 'R2',
        amount: { refund: 61, total: 100, currency: 'CNY' },
      });
      expect(tooMuch.status).toBe(400);
      expect(tooMuch.json.code).toBe('INVALID_REQUEST');

      const settled = await control('POST', '/__sim/settleRefund', { outRefundNo: body.out_refund_no });
      expect(settled.status).toBe(200);
      expect(settled.json.notification).toMatchObject({ kind: 'refund', apiVersion: 'v3', acknowledged: true });
      expect(target.received).toHaveLength(1);
      const note = target.received[0];
      expect(
        verifyPayV3Signature(
          {
            timestamp: note.headers['wechatpay-timestamp'] as string,
            nonce: note.headers['wechatpay-nonce'] as string,
            body: note.body,
            signature: note.headers['wechatpay-signature'] as string,
          },
          V3.wechatPayPublicKey,
        ),
      ).toBe(true);
      const envelope = JSON.parse(note.body) as Json;
      expect(envelope).toMatchObject({ event_type: 'REFUND.SUCCESS', resource: { original_type: 'refund', associated_data: 'refund' } });
      expect(decryptNotification(note.body)).toEqual({
        mchid: M.mchId,
        out_trade_no: outTradeNo,
        transaction_id: transactionId,
        out_refund_no: body.out_refund_no,
        refund_id: answer.json.refund_id,
        refund_status: 'SUCCESS',
        success_time: expect.stringMatching(RFC3339_BJ),
        user_received_account: expect.any(String),
        amount: { total: 100, refund: 40, payer_total: 100, payer_refund: 40 },
      });
      const query = await v3('GET', `/v3/refund/domestic/refunds/${body.out_refund_no}`);
      expect(query.json).toMatchObject({ status: 'SUCCESS', success_time: expect.stringMatching(RFC3339_BJ) });
      const order = await v3('GET', `/v3/pay/transactions/out-trade-no/${outTradeNo}?mchid=${M.mchId}`);
      expect(order.json.trade_state).toBe('REFUND');
      const unknown = await v3('GET', '/v3/refund/domestic/refunds/NOSUCHREFUND');
      expect(unknown.status).toBe(404);
      expect(unknown.json.code).toBe('RESOURCE_NOT_EXISTS');
    });

    it('sends REFUND.CLOSED and REFUND.ABNORMAL, and shows CLOSED/ABNORMAL', async () => {
      const { outTradeNo } = await paidOrder();
      target.reset();
      for (const [status, event, shown] of [
        ['CLOSED', 'REFUND.CLOSED', 'CLOSED'],
        ['ABNORMAL', 'REFUND.ABNORMAL', 'ABNORMAL'],
      ]) {
        const outRefundNo = `R${status}${outTradeNo}`;
        await v3('POST', '/v3/refund/domestic/refunds', {
          out_trade_no: outTradeNo,
          out_refund_no: outRefundNo,
          notify_url: target.url(),
          amount: { refund: 10, total: 100, currency: 'CNY' },
        });
        await control('POST', '/__sim/settleRefund', { outRefundNo, status });
        expect(JSON.parse(target.received.at(-1)?.body as string)).toMatchObject({ event_type: event });
        expect((await v3('GET', `/v3/refund/domestic/refunds/${outRefundNo}`)).json.status).toBe(shown);
      }
    });

    it('refunds a v2 order through v3 and a v3 order through v2, queried both ways', async () => {
      // A v2 order, paid.
      const openid = sim.login({ openId: `oV2User${++seq}` }).openId;
      const outTradeNo = newOutTradeNo();
      const fields: Record<string, string> = {
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: createNonceStr(),
        body: 'v2 商品',
        out_trade_no: outTradeNo,
        total_fee: '300',
        spbill_create_ip: '127.0.0.1',
        notify_url: 'http://127.0.0.1:1/v2',
        trade_type: 'JSAPI',
        openid,
      };
      fields.sign = payV2Sign(fields, M.apiKey, 'MD5');
      const created = await parsePayXml(
        (await rawHttps(payBase, 'POST', '/pay/unifiedorder', buildPayXml(fields), { 'content-type': 'text/xml' })).body,
      );
      expect(created.result_code).toBe('SUCCESS');
      const paid = await control('POST', '/__sim/pay', { prepayId: created.prepay_id });
      const transactionId = paid.json.transactionId as string;

      const v3Query = await v3('GET', `/v3/pay/transactions/id/${transactionId}?mchid=${M.mchId}`);
      expect(v3Query.json).toMatchObject({ out_trade_no: outTradeNo, trade_state: 'SUCCESS', amount: { total: 300 } });
      const refund = await v3('POST', '/v3/refund/domestic/refunds', {
        transaction_id: transactionId,
        out_refund_no: `RV3${outTradeNo}`,
        amount: { refund: 100, total: 300, currency: 'CNY' },
      });
      expect(refund.status).toBe(200);
      expect(sim.refund(`RV3${outTradeNo}`)).toMatchObject({ apiVersion: 'v3', refundFee: 100, status: 'PROCESSING' });

      // v2 refundquery sees the v3 refund.
      const q: Record<string, string> = { appid: M.appId, mch_id: M.mchId, nonce_str: createNonceStr(), out_refund_no: `RV3${outTradeNo}` };
      q.sign = payV2Sign(q, M.apiKey, 'MD5');
      const v2Refund = await parsePayXml((await rawHttps(payBase, 'POST', '/pay/refundquery', buildPayXml(q), {})).body);
      expect(v2Refund).toMatchObject({ result_code: 'SUCCESS', refund_id_0: refund.json.refund_id, refund_fee_0: '100' });

      // A v3 order, queried with v2 orderquery.
      const v3Order = await paidOrder();
      const oq: Record<string, string> = { appid: M.appId, mch_id: M.mchId, nonce_str: createNonceStr(), out_trade_no: v3Order.outTradeNo };
      oq.sign = payV2Sign(oq, M.apiKey, 'MD5');
      const v2Order = await parsePayXml((await rawHttps(payBase, 'POST', '/pay/orderquery', buildPayXml(oq), {})).body);
      expect(v2Order).toMatchObject({ trade_state: 'SUCCESS', transaction_id: v3Order.transactionId, total_fee: '100' });
    });
  });

  describe('bills', () => {
    function today(): string {
      return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    }

    it('answers hash and download_url; the download (authenticated, unsigned) matches the hash', async () => {
      await paidOrder();
      for (const [path, query] of [
        ['/v3/bill/tradebill', `bill_date=${today()}&bill_type=ALL`],
        ['/v3/bill/tradebill', `bill_date=${today()}&bill_type=SUCCESS&tar_type=GZIP`],
        ['/v3/bill/fundflowbill', `bill_date=${today()}&account_type=BASIC`],
      ]) {
        const answer = await v3('GET', `${path}?${query}`);
        expect(answer.status).toBe(200);
        expect(answer.json).toEqual({
          hash_type: 'SHA1',
          hash_value: expect.stringMatching(/^[0-9a-f]{40}$/),
          download_url: expect.any(String),
        });
        const url = new URL(answer.json.download_url as string);
        expect(url.origin).toBe(payBase);
        expect(url.pathname).toBe('/v3/billdownload/file');
        const file = await v3('GET', `${url.pathname}${url.search}`);
        expect(file.status).toBe(200);
        expect(file.headers['content-type']).toBe('application/octet-stream');
        expect(file.headers['wechatpay-signature']).toBeUndefined();
        expect(createHash('sha1').update(file.body).digest('hex')).toBe(answer.json.hash_value);
        const text = query.includes('GZIP') ? gunzipSync(file.body).toString('utf8') : file.text;
        expect(text).toContain(path.endsWith('tradebill') ? '交易时间' : '记账时间');
        const unauthenticated = await v3('GET', `${url.pathname}${url.search}`, undefined, { auth: null });
        expect(unauthenticated.status).toBe(401);
      }
      const badToken = await v3('GET', '/v3/billdownload/file?token=nope');
      expect(badToken.status).toBe(400);
      const noBill = await v3('GET', '/v3/bill/tradebill?bill_date=2020-01-01');
      expect(noBill.status).toBe(400);
      expect(noBill.json.code).toBe('NO_STATEMENT_EXIST');
      const badDate = await v3('GET', '/v3/bill/tradebill?bill_date=20200101');
      expect(badDate.json.code).toBe('PARAM_ERROR');
      const badAccount = await v3('GET', `/v3/bill/fundflowbill?bill_date=${today()}&account_type=Basic`);
      expect(badAccount.json.code).toBe('PARAM_ERROR');
    });
  });

  describe('signing modes and certificates', () => {
    it('answers 404 for /v3/certificates in public-key mode', async () => {
      const answer = await v3('GET', '/v3/certificates');
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ code: 'NOT_FOUND', message: '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥' });
    });

    it('lists the encrypted platform certificate in certificate mode and signs with it; rotation lists both', async () => {
      const switched = await control('POST', '/__sim/v3', { mode: 'certificate' });
      expect(switched.json).toEqual({ mode: 'certificate', rotated: false, serial: V3.platformSerialNo });
      const answer = await v3('GET', '/v3/certificates');
      expect(answer.status).toBe(200);
      expect(answer.headers['wechatpay-serial']).toBe(V3.platformSerialNo);
      expect(verifies(answer, V3.platformCertificate)).toBe(true);
      expect(verifies(answer, V3.wechatPayPublicKey)).toBe(false);
      expect(answer.json.data).toHaveLength(1);
      const [entry] = answer.json.data as Json[];
      expect(entry).toMatchObject({
        serial_no: V3.platformSerialNo,
        effective_time: expect.stringMatching(RFC3339_BJ),
        expire_time: expect.stringMatching(RFC3339_BJ),
        encrypt_certificate: {
          algorithm: 'AEAD_AES_256_GCM',
          associated_data: 'certificate',
          nonce: expect.any(String),
          ciphertext: expect.any(String),
        },
      });
      expect(decryptPayV3Resource(entry.encrypt_certificate, V3.apiV3Key)).toBe(V3.platformCertificate);

      const rotated = await control('POST', '/__sim/v3', { rotate: true });
      expect(rotated.json).toEqual({ mode: 'certificate', rotated: true, serial: V3.nextPlatformSerialNo });
      const both = await v3('GET', '/v3/certificates');
      expect(verifies(both, V3.nextPlatformCertificate)).toBe(true);
      const listed = (both.json.data as Json[]).map((e) => [e.serial_no, decryptPayV3Resource(e.encrypt_certificate, V3.apiV3Key)]);
      expect(listed).toEqual([
        [V3.platformSerialNo, V3.platformCertificate],
        [V3.nextPlatformSerialNo, V3.nextPlatformCertificate],
      ]);

      // Notifications follow the mode.
      await paidOrder();
      const note = target.received.at(-1) as { body: string; headers: IncomingHttpHeaders };
      expect(note.headers['wechatpay-serial']).toBe(V3.nextPlatformSerialNo);

      expect((await control('POST', '/__sim/v3', { mode: 'nope' })).status).toBe(400);
      expect((await control('POST', '/__sim/v3', { rotate: 'yes' })).status).toBe(400);
      expect((await control('GET', '/__sim/v3')).json).toEqual(sim.payV3Settings);
    });

    it('takes payV3Mode as an option and refuses unknown modes and bad v3 credentials', () => {
      expect(new WeChatSimulator({ payV3Mode: 'certificate' }).payV3Settings).toEqual({
        mode: 'certificate',
        rotated: false,
        serial: V3.platformSerialNo,
      });
      expect(() => new WeChatSimulator({ payV3Mode: 'x' as never })).toThrow(TypeError);
      expect(
        () => new WeChatSimulator({ merchants: [{ ...M, v3: { apiV3Key: 'short', merchantCertificate: V3.merchantCertificate } }] }),
      ).toThrow(TypeError);
      expect(M.v3).toEqual({ apiV3Key: V3.apiV3Key, merchantCertificate: V3.merchantCertificate });
      expect(parseSimulatorArgs(['--pay-v3-mode', 'certificate'])).toMatchObject({ options: { payV3Mode: 'certificate' } });
      expect(parseSimulatorArgs([], { SIMULATOR_PAY_V3_MODE: 'public-key' })).toMatchObject({ options: { payV3Mode: 'public-key' } });
      expect(() => parseSimulatorArgs(['--pay-v3-mode', 'rsa'])).toThrow(/pay v3 mode/);
    });
  });

  describe('notification variants', () => {
    function checkSignature(note: { body: string; headers: IncomingHttpHeaders }, key: PayV3PublicKey = V3.wechatPayPublicKey): boolean {
      return verifyPayV3Signature(
        {
          timestamp: note.headers['wechatpay-timestamp'] as string,
          nonce: note.headers['wechatpay-nonce'] as string,
          body: note.body,
          signature: (note.headers['wechatpay-signature'] as string | undefined) ?? '',
        },
        key,
      );
    }

    it('sends every payment variant as described', async () => {
      const { outTradeNo } = await paidOrder();
      const genuine = target.received[0];
      const genuineId = (JSON.parse(genuine.body) as Json).id as string;
      const send = async (kind: string): Promise<{ body: string; headers: IncomingHttpHeaders }> => {
        target.reset();
        const res = await control('POST', '/__sim/notify', { outTradeNo, kind });
        expect(res.status).toBe(200);
        expect(res.json.notifications[0]).toMatchObject({ variant: kind, apiVersion: 'v3', acknowledged: true, done: true });
        expect(target.received).toHaveLength(1);
        return target.received[0];
      };
      const now = Math.floor(Date.now() / 1000);

      const duplicate = await send('duplicate');
      expect(duplicate.body).toBe(genuine.body);
      expect(duplicate.headers['wechatpay-nonce']).not.toBe(genuine.headers['wechatpay-nonce']);
      expect(checkSignature(duplicate)).toBe(true);

      const replay = await send('replay');
      expect(replay.body).toBe(genuine.body);
      for (const name of ['wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-signature', 'wechatpay-serial']) {
        expect(replay.headers[name]).toBe(genuine.headers[name]);
      }

      const forged = await send('forged-signature');
      expect(forged.body).toBe(genuine.body);
      expect(forged.headers['wechatpay-signature']).toBeDefined();
      expect(checkSignature(forged)).toBe(false);

      const missing = await send('missing-signature');
      expect(missing.headers['wechatpay-signature']).toBeUndefined();
      expect(missing.headers['wechatpay-timestamp']).toBeDefined();

      const stale = await send('stale-timestamp');
      expect(checkSignature(stale)).toBe(true);
      expect(now - Number(stale.headers['wechatpay-timestamp'])).toBeGreaterThanOrEqual(590);

      const serial = await send('unknown-serial');
      expect(checkSignature(serial)).toBe(true);
      expect(serial.headers['wechatpay-serial']).toMatch(/^PUB_KEY_ID_/);
      expect(serial.headers['wechatpay-serial']).not.toBe(V3.publicKeyId);

      const wrongKey = await send('wrong-key');
      expect(checkSignature(wrongKey)).toBe(true);
      expect(() => decryptNotification(wrongKey.body)).toThrow();
      expect((JSON.parse(wrongKey.body) as Json).id).not.toBe(genuineId);

      const amount = await send('wrong-amount');
      expect(checkSignature(amount)).toBe(true);
      expect(decryptNotification(amount.body).amount).toMatchObject({ total: 101, payer_total: 101 });

      const mchid = await send('wrong-mchid');
      expect(checkSignature(mchid)).toBe(true);
      expect(decryptNotification(mchid.body).mchid).not.toBe(M.mchId);

      // v2 variants do not apply to v3 orders, nor v3-only variants to v2 orders.
      expect((await control('POST', '/__sim/notify', { outTradeNo, kind: 'forged-sign' })).status).toBe(400);
    });

    it('builds forgeries for an unpaid v3 order, refuses duplicate/replay of it', async () => {
      const { outTradeNo } = await createOrder();
      expect((await control('POST', '/__sim/notify', { outTradeNo, kind: 'replay' })).status).toBe(409);
      const res = await control('POST', '/__sim/notify', { outTradeNo, kind: 'wrong-amount', copies: 2 });
      expect(res.json.notifications).toHaveLength(2);
      expect(decryptNotification(target.received[0].body)).toMatchObject({ trade_state: 'SUCCESS', amount: { total: 101 } });
      expect(sim.order(outTradeNo)?.tradeState).toBe('NOTPAY');
    });

    it('sends refund variants in certificate mode', async () => {
      sim.setPayV3({ mode: 'certificate' });
      const { outTradeNo } = await paidOrder();
      const outRefundNo = `R${outTradeNo}`;
      await v3('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: outTradeNo,
        out_refund_no: outRefundNo,
        notify_url: target.url(),
        amount: { refund: 30, total: 100, currency: 'CNY' },
      });
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'duplicate' })).status).toBe(409);
      await control('POST', '/__sim/settleRefund', { outRefundNo });
      const genuine = target.received.at(-1) as { body: string; headers: IncomingHttpHeaders };
      expect(checkSignature(genuine, V3.platformCertificate)).toBe(true);
      target.reset();
      await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'wrong-amount' });
      expect(checkSignature(target.received[0], V3.platformCertificate)).toBe(true);
      expect(decryptNotification(target.received[0].body).amount).toMatchObject({ refund: 31, payer_refund: 31 });
      target.reset();
      await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'unknown-serial' });
      expect(target.received[0].headers['wechatpay-serial']).toMatch(/^[0-9A-F]{40}$/);
      expect(target.received[0].headers['wechatpay-serial']).not.toBe(V3.platformSerialNo);
      target.reset();
      await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'replay' });
      expect(target.received[0].headers['wechatpay-signature']).toBe(genuine.headers['wechatpay-signature']);
      expect((await control('POST', '/__sim/refundNotify', { outRefundNo, kind: 'garbage-req-info' })).status).toBe(400);
    });
  });
});
