import { startSampleApp, SampleApp } from '../sample-app/src/bootstrap';
import { databaseOptions, loadConfig } from '../sample-app/src/config';

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Token ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('sample app in simulator mode (the README walk-through)', () => {
  let sample: SampleApp;

  beforeAll(async () => {
    const config = loadConfig({ PORT: '0', SIMULATOR_PORT: '0' });
    sample = await startSampleApp(config, false);
  });
  afterAll(() => sample.close());

  it('serves login → guarded route → updateUserInfo → phone number → logout against its simulator', async () => {
    expect(sample.simulator).toBeDefined();
    const sim = sample.wechatUrl;
    const app = sample.appUrl;

    const wx = await post(`${sim}/__sim/login`, {});
    expect(wx.status).toBe(200);
    expect(wx.body).toMatchObject({ appId: 'wxdevsimulator0001', code: expect.any(String), sessionKey: expect.any(String) });

    const login = await post(`${app}/miniprogram_auth/login`, { code: wx.body.code });
    expect(login.status).toBe(200);
    const token = login.body.token as string;

    const profile = await fetch(`${app}/profile`, { headers: { authorization: `Token ${token}` } });
    expect(profile.status).toBe(200);
    expect((await fetch(`${app}/profile`)).status).toBe(401);

    const userInfo = await post(`${sim}/__sim/userInfo`, { openId: wx.body.openId, userInfo: { nickName: 'Alice', city: 'Shenzhen' } });
    const updated = await post(`${app}/miniprogram_auth/updateUserInfo`, userInfo.body, token);
    expect(updated.status).toBe(200);
    expect(updated.body.wechat).toMatchObject({ nickName: 'Alice', city: 'Shenzhen', user: login.body.user_id });

    const phoneCode = await post(`${sim}/__sim/phoneCode`, { openId: wx.body.openId, phoneNumber: '13800138000' });
    const phone = await post(`${app}/miniprogram_auth/phoneNumber`, phoneCode.body, token);
    expect(phone.body).toMatchObject({ phoneNumber: '13800138000' });

    expect((await post(`${app}/miniprogram_auth/logout`, {}, token)).body).toEqual({ revoked: true });
    expect((await fetch(`${app}/profile`, { headers: { authorization: `Token ${token}` } })).status).toBe(401);
  });

  it('answers GET /health', async () => {
    const res = await fetch(`${sample.appUrl}/health`);
    expect(await res.json()).toEqual({ ok: true });
  });
});

describe('sample app configuration', () => {
  it('defaults to simulator mode on ports 3000 and 3001 with SQLite in memory', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      simulatorPort: 3001,
      host: '127.0.0.1',
      mode: 'simulator',
      database: { type: 'better-sqlite3', database: ':memory:' },
    });
  });

  it('uses real WeChat when both credentials are set, and refuses only one of them', () => {
    expect(loadConfig({ WECHAT_APP_ID: 'wx1234567890abcdef', WECHAT_APP_SECRET: 's' })).toMatchObject({ mode: 'wechat' });
    expect(() => loadConfig({ WECHAT_APP_ID: 'wx1234567890abcdef' })).toThrow(/both/);
  });

  it('reads DATABASE_URL for PostgreSQL, MySQL/MariaDB and SQLite files', () => {
    expect(databaseOptions('postgres://u@127.0.0.1/db')).toMatchObject({ type: 'postgres', url: 'postgres://u@127.0.0.1/db' });
    expect(databaseOptions('mariadb://root@127.0.0.1/db')).toMatchObject({ type: 'mysql', url: 'mysql://root@127.0.0.1/db' });
    expect(databaseOptions('sqlite:./data/app.db')).toMatchObject({ type: 'better-sqlite3', database: './data/app.db' });
    expect(databaseOptions('./app.db')).toMatchObject({ type: 'better-sqlite3', database: './app.db' });
  });

  it('rejects a bad port', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});
