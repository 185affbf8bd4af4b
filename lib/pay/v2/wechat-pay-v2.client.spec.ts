import { Logger } from '@nestjs/common';
import { createHash, createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { WeChatUnavailableError } from '../../errors/wechat-api.error';
import { WeChatPayError, WeChatPayInputError } from '../../errors/wechat-pay.error';
import { resolveMiniProgramOptions } from '../../options/mini-program-options.validation';
import { simulatorDevV3Options } from '../../testing/dev-keys/dev-v3-keys';
import type { WeChatPayHttpClient } from '../wechat-pay-http.client';
import { WeChatPayV2Client } from './wechat-pay-v2.client';

const KEY = '0123456789abcdef0123456789abcdef';
const APP_ID = 'wx4f4bc4dec97d474b';
const MCH = '1900000109';

/** WeChat's v2 signature, written out here independently of the library: sorted non-empty fields, `&key=`, upper hex. */
function sign(fields: Record<string, string>, type: 'MD5' | 'HMAC-SHA256' = 'MD5'): string {
  const text = `${Object.keys(fields)
    .filter((k) => k !== 'sign' && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('&')}&key=${KEY}`;
  const digest = type === 'MD5' ? createHash('md5').update(text, 'utf8') : createHmac('sha256', KEY).update(text, 'utf8');
  return digest.digest('hex').toUpperCase();
}

const xml = (fields: Record<string, string>) =>
  `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`)
    .join('')}</xml>`;
const fieldsOf = (body: string) =>
  Object.fromEntries(
    [...body.matchAll(/<(\w+)><!\[CDATA\[(.*?)\]\]><\/\1>|<(\w+)>([^<]*)<\/\3>/g)].map((m) => [m[1] ?? m[3], m[2] ?? m[4]]),
  );

/** The client over a fake transport that records each request and answers from `answers` in turn. */
function setup(answers: Array<(request: Record<string, string>) => Buffer>, pay: Record<string, unknown> = {}) {
  const options = resolveMiniProgramOptions({
    appId: APP_ID,
    appSecret: KEY,
    http: { retries: 1, retryDelayMs: 1 },
    pay: { mchId: MCH, apiKey: KEY, notifyUrl: 'https://host/mp/wechatPayCallback', baseUrl: 'http://127.0.0.1:9', ...pay },
  });
  const sent: Array<{ path: string; fields: Record<string, string>; cert: boolean }> = [];
  const http = {
    post: jest.fn(async (_api: string, path: string, body: string, { cert }: { cert: boolean }) => {
      const fields = fieldsOf(body);
      sent.push({ path, fields, cert });
      const answer = answers[sent.length - 1];
      if (!answer) throw new Error('no answer queued');
      return { status: 200, headers: {}, body: answer(fields) };
    }),
  };
  return { client: new WeChatPayV2Client(options, http as unknown as WeChatPayHttpClient), sent };
}

const ok = (extra: Record<string, string> = {}) => {
  const fields = { return_code: 'SUCCESS', result_code: 'SUCCESS', appid: APP_ID, mch_id: MCH, nonce_str: 'abc', ...extra };
  return () => Buffer.from(xml({ ...fields, sign: sign(fields) }));
};

describe('WeChatPayV2Client', () => {
  beforeAll(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  it('adds appid, mch_id, a nonce and the MD5 signature of every field, and answers the verified fields', async () => {
    const { client, sent } = setup([ok({ trade_state: 'SUCCESS' })]);
    const answer = await client.request('/pay/micropay', { out_trade_no: 'o1', total_fee: 5, empty: undefined }, { cert: true });
    expect(answer).toMatchObject({ result_code: 'SUCCESS', trade_state: 'SUCCESS' });
    const [request] = sent;
    expect(request).toMatchObject({ path: '/pay/micropay', cert: true });
    expect(request.fields).toMatchObject({ appid: APP_ID, mch_id: MCH, out_trade_no: 'o1', total_fee: '5' });
    expect(request.fields.nonce_str).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(request.fields).not.toHaveProperty('empty');
    expect(request.fields).not.toHaveProperty('sign_type');
    expect(request.fields.sign).toBe(sign(request.fields));
  });

  it('signs with HMAC-SHA256 when asked and names it in sign_type', async () => {
    const { client, sent } = setup([ok()]);
    await client.request('/pay/orderquery', { out_trade_no: 'o1' }, { signType: 'HMAC-SHA256', verifyAnswer: false });
    expect(sent[0].fields.sign_type).toBe('HMAC-SHA256');
    expect(sent[0].fields.sign).toBe(sign(sent[0].fields, 'HMAC-SHA256'));
  });

  it.each([
    ['a changed field', (f: Record<string, string>) => ({ ...f, trade_state: 'REFUND' })],
    ['no sign', ({ sign: _s, ...f }: Record<string, string>) => f],
    ['a sign made with another key', (f: Record<string, string>) => ({ ...f, sign: sign({ ...f, nonce_str: 'x' }) })],
  ])('refuses an answer with %s as invalid-response, without retrying it', async (_name, tamper) => {
    const fields = { return_code: 'SUCCESS', result_code: 'SUCCESS', trade_state: 'SUCCESS', nonce_str: 'n' };
    const { client, sent } = setup([() => Buffer.from(xml(tamper({ ...fields, sign: sign(fields) })))]);
    const error = await client.request('/pay/orderquery', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatUnavailableError);
    expect(error).toMatchObject({ kind: 'invalid-response' });
    expect(sent).toHaveLength(1);
  });

  it('turns FAIL into WeChatPayError, retrying SYSTEMERROR once', async () => {
    const fail = (errCode: string) => ok({ result_code: 'FAIL', err_code: errCode, err_code_des: 'x' });
    const { client, sent } = setup([fail('SYSTEMERROR'), fail('ORDERNOTEXIST')]);
    await expect(client.request('/pay/orderquery', {}, { api: 'query' })).rejects.toMatchObject({
      name: 'WeChatPayError',
      api: 'query',
      errCode: 'ORDERNOTEXIST',
    });
    expect(sent).toHaveLength(2);
    const returnFail = setup([() => Buffer.from(xml({ return_code: 'FAIL', return_msg: '签名错误' }))]);
    const error = await returnFail.client.request('/pay/orderquery', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatPayError);
    expect(error).toMatchObject({ detail: { returnCode: 'FAIL', returnMsg: '签名错误' } });
  });

  it('downloads a file, gunzipped when asked, and reads an XML answer as the error it is', async () => {
    const bill = 'Trade time,ghid\n`2026-12-04 10:00:00,`wx1\n';
    const { client } = setup([() => gzipSync(Buffer.from(bill)), ok({ result_code: 'FAIL', err_code: 'NO_BILL_EXIST' })]);
    expect(await client.download('/pay/downloadbill', { bill_date: '20261204' }, { gzip: true })).toBe(bill);
    await expect(client.download('/pay/downloadbill', { bill_date: '20261204' })).rejects.toMatchObject({ errCode: 'NO_BILL_EXIST' });
  });

  it('refuses paths outside the pay API and an unconfigured API v2 before sending anything', async () => {
    const { client, sent } = setup([]);
    for (const path of ['', 'pay/orderquery', '/pay/./x', '/pay/../x', '//host/pay', '/pay?x=1', '/pay x', 'https://host/pay']) {
      await expect(client.request(path, {})).rejects.toBeInstanceOf(WeChatPayInputError);
    }
    const noKey = setup([], { apiKey: undefined, v3: simulatorDevV3Options() });
    await expect(noKey.client.request('/pay/orderquery', {})).rejects.toThrow(/API v2 is not configured/);
    expect(sent).toHaveLength(0);
  });
});
