import { createServer as createHttpServer } from 'node:http';
import { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { payV2Sign } from '../../crypto/pay-sign.crypto';
import { buildPayXml, parsePayXml } from '../../crypto/pay-xml.codec';
import { WeChatSimulator } from '../index';
import { isLoopbackUrl } from '../server/simulator-outbound';
import { PayNotifier } from './pay-notifier';
import { OTHER_MERCHANT_CERT, OTHER_MERCHANT_KEY, Fields, M, httpsCall, NotifyTarget, sleep } from './pay-simulator.spec-kit';

describe('WeChatSimulator (WeChat Pay) lifecycle', () => {
  it('cancels pending notification retries on stop() and reset()', async () => {
    const target = new NotifyTarget();
    await target.start();
    const sim = new WeChatSimulator({ timeScale: 0.01 });
    try {
      await sim.start();
      for (let i = 0; i < 20; i++) target.answers.push({ status: 503, body: 'down' });
      const openid = sim.login().openId;
      const fields: Fields = {
        appid: M.appId,
        mch_id: M.mchId,
        nonce_str: 'n1',
        body: 'b',
        out_trade_no: 'STOP000001',
        total_fee: '1',
        spbill_create_ip: '127.0.0.1',
        notify_url: target.url(),
        trade_type: 'JSAPI',
        openid,
      };
      fields.sign = payV2Sign(fields, M.apiKey);
      const answer = await parsePayXml((await httpsCall(sim.payUrl, '/pay/unifiedorder', buildPayXml(fields))).body);
      await sim.pay({ prepayId: answer.prepay_id });
      // The second attempt comes 150 ms later; stop before it.
      expect(target.received).toHaveLength(1);
      await sim.stop(); // does not wait for the retry: the test's timeout would catch that
      expect(sim.notifications[0]).toMatchObject({ done: true, acknowledged: false });
      await sleep(400);
      expect(target.received).toHaveLength(1);
      expect(sim.notifications[0].attempts).toHaveLength(1);

      // reset() cancels too.
      await sim.start();
      const again: Fields = { ...fields, out_trade_no: 'STOP000002', nonce_str: 'n2' };
      again.sign = payV2Sign(again, M.apiKey);
      const second = await parsePayXml((await httpsCall(sim.payUrl, '/pay/unifiedorder', buildPayXml(again))).body);
      await sim.pay({ prepayId: second.prepay_id });
      expect(target.received).toHaveLength(2);
      sim.reset();
      expect(sim.notifications).toEqual([]);
      await sleep(400);
      expect(target.received).toHaveLength(2);
    } finally {
      await sim.stop();
      await target.stop();
    }
  });

  it('starts and stops both servers together, and restarts', async () => {
    const sim = new WeChatSimulator();
    expect(() => sim.payUrl).toThrow(/not started/);
    const url = await sim.start();
    expect(await sim.start()).toBe(url);
    const payUrl = sim.payUrl;
    expect((await httpsCall(payUrl, '/pay/orderquery', '')).status).toBe(200);
    await sim.stop();
    await expect(httpsCall(payUrl, '/pay/orderquery', '')).rejects.toThrow();
    expect(() => sim.payUrl).toThrow(/not started/);
    await sim.start();
    expect((await httpsCall(sim.payUrl, '/pay/orderquery', '')).status).toBe(200);
    await sim.stop();
    await sim.stop();
  });

  it('validates the pay options and binds the default merchant to the first app', () => {
    const app = { appId: 'wxanotherapp00001', appSecret: 's' };
    expect(new WeChatSimulator({ apps: [app] }).merchants).toEqual([{ ...M, appId: app.appId }]);
    expect(() => new WeChatSimulator({ merchants: [{ appId: 'wxunknown', mchId: '1', apiKey: 'k' }] })).toThrow(/unknown app/);
    expect(() => new WeChatSimulator({ merchants: [] })).toThrow(TypeError);
    expect(() => new WeChatSimulator({ merchants: [M, M] })).toThrow(/duplicate/);
    expect(() => new WeChatSimulator({ merchants: [{ ...M, mchId: 'abc' }] })).toThrow(TypeError);
    expect(() => new WeChatSimulator({ timeScale: 0 })).toThrow(RangeError);
    expect(() => new WeChatSimulator({ refundDelayMs: -1 })).toThrow(RangeError);
    expect(() => new WeChatSimulator({ payPort: 70000 })).toThrow(RangeError);
  });

  it('serves several merchants, each with its own key', async () => {
    const second = { appId: M.appId, mchId: '1900000999', apiKey: 'secondmerchantapikey000000000002' };
    const sim = new WeChatSimulator({ merchants: [M, second] });
    await sim.start();
    try {
      const fields: Fields = { appid: M.appId, mch_id: second.mchId, nonce_str: 'n', out_trade_no: 'T0000001' };
      fields.sign = payV2Sign(fields, second.apiKey);
      expect(await parsePayXml((await httpsCall(sim.payUrl, '/pay/orderquery', buildPayXml(fields))).body)).toMatchObject({
        return_code: 'SUCCESS',
        mch_id: second.mchId,
        err_code: 'ORDERNOTEXIST',
      });
      fields.sign = payV2Sign({ ...fields, sign: '' }, M.apiKey);
      expect((await parsePayXml((await httpsCall(sim.payUrl, '/pay/orderquery', buildPayXml(fields))).body)).return_msg).toBe('签名错误');
      // The certificate of 1900000999 (issued by the development CA for these specs) opens its certificate APIs.
      const flow: Fields = {
        appid: M.appId,
        mch_id: second.mchId,
        nonce_str: 'n',
        sign_type: 'HMAC-SHA256',
        bill_date: '20200101',
        account_type: 'Basic',
      };
      flow.sign = payV2Sign(flow, second.apiKey, 'HMAC-SHA256');
      const answer = await httpsCall(sim.payUrl, '/pay/downloadfundflow', buildPayXml(flow), {
        cert: OTHER_MERCHANT_CERT,
        key: OTHER_MERCHANT_KEY,
      });
      expect(await parsePayXml(answer.body)).toMatchObject({ return_code: 'SUCCESS', err_code: 'NO_BILL_EXIST' });
    } finally {
      await sim.stop();
    }
  });
});

describe('notification URL policy', () => {
  it.each([
    ['http://127.0.0.1:8080/n', true],
    ['http://127.255.255.254/n', true],
    ['https://localhost/n', true],
    ['http://[::1]:3000/n', true],
    ['http://2130706433/n', true],
    ['http://0x7f.1/n', true],
    ['http://[::ffff:127.0.0.1]/n', true],
    ['http://192.0.2.1/n', false],
    ['http://10.0.0.1/n', false],
    ['http://0.0.0.0/n', false],
    ['http://[::ffff:192.0.2.1]/n', false],
    ['http://[::]/n', false],
    ['http://localhost.example.com/n', false],
    ['http://127.0.0.1.nip.io/n', false],
    ['http://example.com/n', false],
    ['ftp://127.0.0.1/n', false],
    ['file:///etc/passwd', false],
  ])('%s → %s', (url, allowed) => {
    expect(isLoopbackUrl(new URL(url))).toBe(allowed);
  });
});

describe('PayNotifier', () => {
  it('gives up an attempt the app does not answer in time, and retries it', async () => {
    const sockets = new Set<Socket>();
    const silent = createHttpServer(() => undefined);
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/slow`;
    const notifier = new PayNotifier(1, () => undefined, 100);
    try {
      const started = Date.now();
      const report = await notifier.deliver({
        kind: 'pay',
        mchId: M.mchId,
        outTradeNo: 'T1',
        url,
        variant: 'genuine',
        body: '<xml/>',
        retry: true,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(95);
      expect(report).toMatchObject({
        acknowledged: false,
        done: false,
        attempts: [{ status: 0, body: '', error: expect.stringMatching(/^timeout/) }],
      });
      notifier.cancelAll();
      expect(notifier.list()[0].done).toBe(true);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('keeps reports of deliveries without retries done after one attempt', async () => {
    const notifier = new PayNotifier(1, () => undefined);
    const report = await notifier.deliver({
      kind: 'refund',
      mchId: M.mchId,
      outTradeNo: 'T1',
      outRefundNo: 'R1',
      url: 'not a url',
      variant: 'duplicate',
      body: '<xml/>',
      retry: false,
    });
    expect(report).toMatchObject({
      refused: true,
      done: true,
      outRefundNo: 'R1',
      attempts: [{ error: 'refused: the notify_url is not a URL' }],
    });
    notifier.clear();
    expect(notifier.list()).toEqual([]);
  });
});
