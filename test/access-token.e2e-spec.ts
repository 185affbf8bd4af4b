import { AccessTokenStore, MINI_PROGRAM_ACCESS_TOKEN_STORE, WeChatApiService } from '../lib';
import { SIMULATOR_DEV_APP } from '../lib/testing';
import { forceRefreshInSimulator, Harness, startHarness } from './utils/harness';

describe('access token handling', () => {
  let h: Harness;
  let api: WeChatApiService;

  beforeEach(async () => {
    h = await startHarness();
    api = h.app.get(WeChatApiService);
  });
  afterEach(() => h.close());

  const tokenCalls = (h: Harness) => h.sim.calls.filter((c) => c.path === '/cgi-bin/stable_token').length;

  it('fetches the stable token once for concurrent callers and reuses it', async () => {
    const tokens = await Promise.all(Array.from({ length: 20 }, () => api.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokenCalls(h)).toBe(1);
    await api.getAccessToken();
    expect(tokenCalls(h)).toBe(1);
  });

  it('replaces a token WeChat rejects with 40001 and repeats the call once', async () => {
    const user = await h.login();
    const old = await api.getAccessToken();
    const fresh = await forceRefreshInSimulator(h.sim); // another system refreshed: ours is now invalid
    expect(fresh).not.toBe(old);
    const before = tokenCalls(h);
    await expect(api.checkSessionKey(user.openId, user.sessionKey)).resolves.toBe(true);
    expect(await api.getAccessToken()).toBe(fresh);
    expect(tokenCalls(h) - before).toBe(1);
  });

  it('never drops a newer token that another process stored (compare-and-delete)', async () => {
    const store = h.app.get<AccessTokenStore>(MINI_PROGRAM_ACCESS_TOKEN_STORE);
    const key = `miniprogram:access_token:${SIMULATOR_DEV_APP.appId}`;
    await store.set(key, { token: 'newer', expiresAt: Date.now() + 60_000 });
    await store.delete(key, 'older');
    expect((await store.get(key))?.token).toBe('newer');
  });

  it('answers checkSessionKey false for a rotated session key', async () => {
    const user = await h.login();
    expect(await api.checkSessionKey(user.openId, user.sessionKey)).toBe(true);
    h.sim.login({ openId: user.openId });
    expect(await api.checkSessionKey(user.openId, user.sessionKey)).toBe(false);
  });

  it('uses a token of the store until it expires, then fetches a new one', async () => {
    const store = h.app.get<AccessTokenStore>(MINI_PROGRAM_ACCESS_TOKEN_STORE);
    const key = `miniprogram:access_token:${SIMULATOR_DEV_APP.appId}`;
    const token = await api.getAccessToken();
    await store.set(key, { token, expiresAt: Date.now() - 1 });
    await api.getAccessToken();
    expect(tokenCalls(h)).toBe(2);
  });
});
