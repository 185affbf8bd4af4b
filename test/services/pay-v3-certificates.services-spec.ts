import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RedisAccessTokenStore, WeChatPayService } from '../../lib';
import { WeChatPayV3Client } from '../../lib/pay/v3/wechat-pay-v3.client';
import { SIMULATOR_DEV_V3, simulatorDevV3Options, WeChatSimulator } from '../../lib/testing';
import { createTestDatabase, freePort, Harness, simulatorPayOptions, startHarness, TestDatabase } from '../utils/harness';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('two app instances in platform-certificate mode share the certificates through Redis', () => {
  let sim: WeChatSimulator;
  let db: TestDatabase;
  let redis: Redis[];
  const instances: Harness[] = [];
  const downloads = () => sim.calls.filter((c) => c.path === '/v3/certificates').length;

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0005, payV3Mode: 'certificate' });
    await sim.start();
    db = await createTestDatabase({ engine: 'postgres' });
    const prefix = `mp-v3certs:${randomBytes(6).toString('hex')}:`;
    redis = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
    for (const client of redis) {
      const port = await freePort();
      instances.push(
        await startHarness({
          sim,
          port,
          database: db,
          options: {
            accessTokenStore: new RedisAccessTokenStore(client, { prefix }),
            pay: simulatorPayOptions(sim, port, {
              apiVersion: 'v3',
              clientCert: { cert: SIMULATOR_DEV_V3.merchantCertificate, key: SIMULATOR_DEV_V3.merchantPrivateKey },
              v3: simulatorDevV3Options('certificate'),
            }),
          },
        }),
      );
    }
  });
  afterAll(async () => {
    for (const h of instances) await h.close();
    for (const client of redis) client.disconnect();
    await db.drop();
    await sim.stop();
  });

  it('downloads the list once for concurrent first calls on both instances, each verifying with it', async () => {
    const [a, b] = instances;
    const { openId } = await a.login();
    const before = downloads();
    const results = await Promise.all(
      [a, b, a, b].map((h, i) => h.app.get(WeChatPayService).createJsapiPayment({ body: `Shared ${i}`, totalFee: 100 + i, openId })),
    );
    expect(results.every((r) => r.params.signType === 'RSA')).toBe(true);
    expect(downloads() - before).toBe(1);
    for (const h of instances)
      expect(h.app.get(WeChatPayV3Client).platformCertificateSerials()).toEqual([SIMULATOR_DEV_V3.platformSerialNo]);
  });

  it('after a rotation, the instance that meets the new serial downloads and the other takes the list from Redis', async () => {
    const [a, b] = instances;
    const { openId } = await a.login();
    sim.setPayV3({ rotate: true });
    const before = downloads();
    const first = await a.app.get(WeChatPayService).createJsapiPayment({ body: 'Rotated A', totalFee: 201, openId });
    expect(first.params.signType).toBe('RSA');
    expect(downloads() - before).toBe(1);
    await b.app.get(WeChatPayService).createJsapiPayment({ body: 'Rotated B', totalFee: 202, openId });
    expect(downloads() - before).toBe(1);
    expect(b.app.get(WeChatPayV3Client).platformCertificateSerials()).toContain(SIMULATOR_DEV_V3.nextPlatformSerialNo);
  });
});
