import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MiniProgramModuleOptions, PayOrder, PayRefund } from '../lib';
import { SIMULATOR_DEV_CERTIFICATES, WeChatSimulator } from '../lib/testing';
import { AppModule } from '../sample-app/src/app.module';
import { loadConfig } from '../sample-app/src/config';
import { CapturingLogger, captureProcessOutput, ProcessOutputCapture } from './src/log-capture';
import { paymentFields, signed, xmlOf } from './src/pay-notifications';
import { until } from './src/pay-fixture';
import { freePort, releasePort, simulatorPayOptions } from './utils/harness';
import { createPlatformAppFromFactory } from './utils/platform';

/** Letters and digits only, as the options require. */
const alnum = (length: number) =>
  randomBytes(length * 2)
    .toString('base64')
    .replace(/[^0-9A-Za-z]/g, '')
    .slice(0, length);

// Fresh secrets for this run, in the shapes the options require, so that no other text can match them by chance.
const APP = { appId: `wx${alnum(16).toLowerCase()}`, appSecret: alnum(32) };
const MERCHANT = { appId: APP.appId, mchId: '1900000109', apiKey: alnum(32) };
const PFX_PASSPHRASE = `pfx${alnum(20)}`;
/** Invalid values given at boot: refused, and never to be quoted back. */
const BAD_SECRET = `${alnum(31)}!`;
const BAD_API_KEY = alnum(33);

describe('no secret reaches a log or an error answer', () => {
  const logger = new CapturingLogger();
  let output: ProcessOutputCapture;
  const simLines: string[] = [];
  const errorBodies: string[] = [];
  const sessionKeys = new Set<string>();
  const tokens = new Set<string>();
  let sim: WeChatSimulator;
  let app: INestApplication | undefined;
  let appUrl: string;
  const bootFailures: unknown[] = [];

  function options(port: number, overrides: Partial<MiniProgramModuleOptions> = {}): MiniProgramModuleOptions {
    return {
      ...APP,
      apiBaseUrl: sim.url,
      http: { timeoutMs: 2000, retries: 2, retryDelayMs: 5 },
      pay: simulatorPayOptions(sim, port, { mchId: MERCHANT.mchId, apiKey: MERCHANT.apiKey }),
      ...overrides,
    };
  }

  /** Boots the sample app's module as a host would (NestFactory, abortOnError off so a failure is thrown). */
  async function boot(wechat: MiniProgramModuleOptions, port: number): Promise<INestApplication> {
    const created = await createPlatformAppFromFactory(NestFactory, AppModule.forConfig(loadConfig({}), wechat), {
      logger,
      abortOnError: false,
    });
    await releasePort(port);
    await created.listen(port, '127.0.0.1');
    return created;
  }

  async function call(
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${appUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 400) errorBodies.push(text);
    return { status: res.status, body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async function login(openId?: string): Promise<{ token: string; openId: string }> {
    const wx = sim.login(openId ? { openId } : {});
    sessionKeys.add(wx.sessionKey);
    const res = await call('POST', '/miniprogram_auth/login', { code: wx.code });
    expect(res.status).toBe(200);
    tokens.add(res.body.token as string);
    return { token: res.body.token as string, openId: wx.openId };
  }

  beforeAll(async () => {
    output = captureProcessOutput();
    sim = new WeChatSimulator({
      apps: [APP],
      merchants: [MERCHANT],
      timeScale: 0.0005,
      refundDelayMs: 50,
      logger: (line) => simLines.push(line),
    });
    await sim.start();
    const port = await freePort();

    // Boots that must fail, each logged by Nest: bad secrets, then certificates that cannot be loaded.
    const legacyPfx = Buffer.from(SIMULATOR_DEV_CERTIFICATES.legacyClientPfxBase64, 'base64');
    const modernPfx = Buffer.from(SIMULATOR_DEV_CERTIFICATES.clientPfxBase64, 'base64');
    const good = options(port);
    for (const wechat of [
      { ...good, appSecret: BAD_SECRET, pay: { ...good.pay!, apiKey: BAD_API_KEY } },
      { ...good, pay: { ...good.pay!, clientCert: { pfx: legacyPfx } } },
      { ...good, pay: { ...good.pay!, clientCert: { pfx: legacyPfx, passphrase: PFX_PASSPHRASE } } },
      { ...good, pay: { ...good.pay!, clientCert: { pfx: modernPfx, passphrase: PFX_PASSPHRASE } } },
    ]) {
      bootFailures.push(
        await boot(wechat, port).then(
          () => null,
          (error: unknown) => error,
        ),
      );
    }

    app = await boot(good, port);
    appUrl = `http://127.0.0.1:${port}`;
  }, 30_000);

  afterAll(async () => {
    output?.restore();
    await app?.close();
    await sim?.stop();
  });

  it('refused every bad boot with an error that names the problem', () => {
    expect(bootFailures.map((e) => (e as Error | null)?.name)).toEqual(Array(4).fill('MiniProgramOptionsError'));
    expect((bootFailures[0] as Error).message).toMatch(/appSecret/);
    expect((bootFailures[0] as Error).message).toMatch(/pay\.apiKey/);
    expect((bootFailures[1] as Error).message).toMatch(/legacy/);
    expect((bootFailures[3] as Error).message).toMatch(/passphrase/);
  });

  it('runs login, updateUserInfo (also with a stale key), phone number, WeChat faults with retries and logout', async () => {
    const alice = await login();
    const userInfo = sim.userInfo({ openId: alice.openId, userInfo: { nickName: 'Alice' } });
    expect((await call('POST', '/miniprogram_auth/updateUserInfo', userInfo, alice.token)).status).toBe(200);

    // The user calls wx.login() again (a new session key at WeChat) but not POST login: the stored key is stale.
    sessionKeys.add(sim.login({ openId: alice.openId }).sessionKey);
    const stale = sim.userInfo({ openId: alice.openId, userInfo: { nickName: 'Stale' } });
    const refused = await call('POST', '/miniprogram_auth/updateUserInfo', stale, alice.token);
    expect(refused.status).toBe(400);
    // Decrypted with the wrong key, the last block ends in valid PKCS#7 padding about once in 256 tries (a last byte
    // of 0x01); the text is then not JSON. Either way it is refused for what it is.
    expect(['BAD_PADDING', 'INVALID_JSON']).toContain(refused.body.reason);
    // Bad base64, an IV of the wrong length.
    expect((await call('POST', '/miniprogram_auth/updateUserInfo', { ...stale, iv: 'AAAA' }, alice.token)).status).toBe(400);

    const phoneCode = sim.phoneCode({ openId: alice.openId, phoneNumber: '13800138000' });
    sim.addFault({ path: '/cgi-bin/stable_token', status: 502, count: 1 });
    expect((await call('POST', '/miniprogram_auth/phoneNumber', phoneCode, alice.token)).status).toBe(200);
    const bob = await login();
    const bobsCode = sim.phoneCode({ openId: bob.openId, phoneNumber: '13900139000' });
    expect((await call('POST', '/miniprogram_auth/phoneNumber', bobsCode, alice.token)).status).toBe(400);

    sim.addFault({ path: '/sns/jscode2session', errcode: -1, count: 2 });
    await login(); // busy twice, then served
    sim.addFault({ path: '/sns/jscode2session', errcode: -1, count: 3 });
    expect((await call('POST', '/miniprogram_auth/login', { code: sim.login().code })).status).toBe(503);
    sim.addFault({ path: '/sns/jscode2session', errcode: 40125, errmsg: 'invalid appsecret', count: 1 });
    expect((await call('POST', '/miniprogram_auth/login', { code: sim.login().code })).status).toBe(502);
    sim.addFault({ path: '/sns/jscode2session', close: true, count: 1 });
    expect((await call('POST', '/miniprogram_auth/login', { code: sim.login().code })).status).toBeGreaterThanOrEqual(502);

    expect((await call('POST', '/miniprogram_auth/logout', {}, alice.token)).body).toEqual({ revoked: true });
    expect((await call('GET', '/miniprogram_auth/me', undefined, alice.token)).status).toBe(401);
    expect((await call('GET', '/miniprogram_auth/me', undefined, `${alice.token.slice(0, -1)}x`)).status).toBe(401);
  }, 20_000);

  it('runs the pay flow: order, notifications (genuine, duplicate, forged, failing), refund and refund notifications', async () => {
    const ds = app!.get<DataSource>(getDataSourceToken());
    const { token, openId } = await login();
    const id = (await call('POST', '/orders', { description: 'Pickup order', totalFee: 300 }, token)).body.id as number;
    sim.addFault({ path: '/pay/unifiedorder', payErrCode: 'SYSTEMERROR', count: 1 }); // retried
    const params = await call('POST', `/orders/${id}/pay`, {}, token);
    expect(params.status).toBe(200);
    const outTradeNo = (await call('GET', `/orders/${id}`, undefined, token)).body.outTradeNo as string;

    for (const kind of ['forged-sign', 'wrong-key', 'wrong-amount', 'wrong-appid', 'unsigned'] as const)
      await sim.notify({ outTradeNo, kind });
    await sim.pay({ prepayId: (params.body.package as string).slice('prepay_id='.length) });
    await sim.notify({ outTradeNo, kind: 'duplicate', copies: 3 });
    expect((await call('GET', `/orders/${id}`, undefined, token)).body).toMatchObject({ status: 'FULFILLED', fulfilledCount: 1 });
    expect((await call('POST', `/orders/${id}/pay`, {}, token)).status).toBe(409);

    // A genuine notification for another order reusing that transaction id: the database refuses it (logged as an error).
    const second = (await call('POST', '/orders', { description: 'Second order', totalFee: 10 }, token)).body.id as number;
    await call('POST', `/orders/${second}/pay`, {}, token);
    const secondNo = (await call('GET', `/orders/${second}`, undefined, token)).body.outTradeNo as string;
    const paidTx = (await ds.getRepository(PayOrder).findOneByOrFail({ outTradeNo })).transactionId!;
    const clash = signed(paymentFields(MERCHANT, { outTradeNo: secondNo, totalFee: 10, openId }, paidTx), MERCHANT.apiKey);
    const res = await fetch(`${appUrl}/miniprogram_auth/wechatPayCallback`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: xmlOf(Object.entries(clash)),
    });
    expect(await res.text()).toContain('FAIL');

    expect((await call('POST', `/orders/${id}/refund`, { refundFee: 100 }, token)).status).toBe(200);
    const refund = await until(async () => {
      const row = await ds.getRepository(PayRefund).findOne({ where: { status: 'SUCCESS' } });
      return row;
    });
    for (const kind of ['duplicate', 'garbage-req-info', 'wrong-key', 'wrong-appid'] as const)
      await sim.refundNotify({ outRefundNo: refund.outRefundNo, kind });
    expect((await call('POST', `/orders/${id}/refund`, { refundFee: 250 }, token)).status).toBe(409);

    for (const n of sim.notifications) for (const a of n.attempts) errorBodies.push(a.body);
    const current = sim.session(openId, APP.appId);
    if (current) sessionKeys.add(current.sessionKey);
  }, 20_000);

  it('wrote logs and error answers to check (the capture works)', () => {
    const nest = logger.text();
    expect(nest).toMatch(/Invalid MiniProgramModule options/);
    expect(nest).toMatch(/legacy encryption/);
    expect(nest).toMatch(/attempt 1 failed/);
    expect(nest).toMatch(/WeChat Pay unifiedOrder attempt 1 failed/);
    expect(nest).toMatch(/payment notification rejected: signature does not verify/);
    expect(nest).toMatch(/refund notification rejected/);
    expect(nest).toMatch(/notification failed, answered FAIL/);
    expect(nest).toMatch(/Mapped \{\/miniprogram_auth\/login, POST\}/);
    expect(simLines.length).toBeGreaterThan(10);
    expect(errorBodies.length).toBeGreaterThan(10);
    expect(sessionKeys.size).toBeGreaterThan(3);
    expect(tokens.size).toBeGreaterThan(3);
  });

  it('never logs or answers a secret', () => {
    const keyPemBody = SIMULATOR_DEV_CERTIFICATES.clientKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const md5Key = createHash('md5').update(MERCHANT.apiKey, 'utf8').digest('hex');
    const secrets: Array<[string, string]> = [
      ['the AppSecret', APP.appSecret],
      ['the pay API key', MERCHANT.apiKey],
      ['md5(API key), the refund key', md5Key],
      ['md5(API key) in upper case', md5Key.toUpperCase()],
      ['the pfx passphrase', PFX_PASSPHRASE],
      ['the refused AppSecret', BAD_SECRET],
      ['the refused API key', BAD_API_KEY],
      ...[...sessionKeys].flatMap((k): Array<[string, string]> => [
        ['a session key', k],
        ['a session key in hex', Buffer.from(k, 'base64').toString('hex')],
        ['a session key in base64url', Buffer.from(k, 'base64').toString('base64url')],
      ]),
      ...[...tokens].map((t): [string, string] => ['an API token', t]),
      // Any 40-character run of the private key's base64 body.
      ...(keyPemBody.match(/.{40}/g) ?? []).map((chunk): [string, string] => ['the client private key', chunk]),
    ];
    const sources: Array<[string, string]> = [
      ['the Nest logger', logger.text()],
      ['process.stdout', output.stdout()],
      ['process.stderr', output.stderr()],
      ['console', output.console()],
      ['the simulator log', simLines.join('\n')],
      ['error answers and notification answers', errorBodies.join('\n')],
      ['boot errors', bootFailures.map((e) => `${(e as Error)?.message}\n${(e as Error)?.stack}`).join('\n')],
    ];
    const leaks = sources.flatMap(([where, text]) =>
      secrets
        .filter(([, secret]) => text.includes(secret) || text.toLowerCase().includes(secret.toLowerCase()))
        .map(([what]) => `${what} in ${where}`),
    );
    expect([...new Set(leaks)]).toEqual([]);
  });
});
