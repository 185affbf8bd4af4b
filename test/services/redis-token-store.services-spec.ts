import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RedisAccessTokenStore, WeChatApiService } from '../../lib';
import { WeChatSimulator } from '../../lib/testing';
import { forceRefreshInSimulator, Harness, startHarness } from '../utils/harness';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RedisAccessTokenStore: one access token for several instances', () => {
  let sim: WeChatSimulator;
  let clients: Redis[];
  let instances: Harness[];
  let prefix: string;

  beforeEach(async () => {
    sim = new WeChatSimulator();
    await sim.start();
    prefix = `mp-test:${randomBytes(6).toString('hex')}:`;
    clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    instances = [];
    for (const client of clients) {
      instances.push(await startHarness({ sim, options: { accessTokenStore: new RedisAccessTokenStore(client, { prefix }) } }));
    }
  });
  afterEach(async () => {
    for (const h of instances) await h.close();
    const keys = await clients[0].keys(`${prefix}*`);
    if (keys.length) await clients[0].del(...keys);
    for (const client of clients) client.disconnect();
    await sim.stop();
  });

  const tokenCalls = () => sim.calls.filter((c) => c.path === '/cgi-bin/stable_token').length;
  const api = (i: number) => instances[i].app.get(WeChatApiService);

  it('refreshes once for simultaneous callers on two instances', async () => {
    sim.addFault({ path: '/cgi-bin/stable_token', delayMs: 150 }); // a slow refresh widens the race
    const tokens = await Promise.all(Array.from({ length: 40 }, (_, i) => api(i % 2).getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokenCalls()).toBe(1);
  });

  it('replaces a rejected token once for both instances and never drops a newer one', async () => {
    const user = await instances[0].login();
    const old = await api(0).getAccessToken();
    const fresh = await forceRefreshInSimulator(sim);
    const before = tokenCalls();
    const results = await Promise.all([0, 1, 0, 1].map((i) => api(i).checkSessionKey(user.openId, user.sessionKey)));
    expect(results).toEqual([true, true, true, true]);
    expect(await api(0).getAccessToken()).toBe(fresh);
    expect(await api(1).getAccessToken()).toBe(fresh);
    expect(fresh).not.toBe(old);
    expect(tokenCalls() - before).toBe(1); // one fetch, shared by both instances
  });

  it('deletes only the token that failed (compare-and-delete) and lets a crashed lock holder expire', async () => {
    const store = new RedisAccessTokenStore(clients[0], { prefix });
    await store.set('k', { token: 'newer', expiresAt: Date.now() + 60_000 });
    await store.delete('k', 'older');
    expect((await store.get('k'))?.token).toBe('newer');
    await store.delete('k', 'newer');
    expect(await store.get('k')).toBeNull();

    const release = await store.lock('k', 100);
    expect(release).not.toBeNull();
    expect(await store.lock('k', 100)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const again = await store.lock('k', 1000);
    expect(again).not.toBeNull();
    await release!(); // the first owner's late release must not free the second owner's lock
    expect(await store.lock('k', 1000)).toBeNull();
    await again!();
    expect(await store.lock('k', 1000)).not.toBeNull();
  });

  it('expires stored tokens with Redis', async () => {
    const store = new RedisAccessTokenStore(clients[0], { prefix });
    await store.set('short', { token: 't', expiresAt: Date.now() + 50 });
    expect((await store.get('short'))?.token).toBe('t');
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await store.get('short')).toBeNull();
  });
});
