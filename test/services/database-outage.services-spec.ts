import { Client } from 'pg';
import { PayOrder, WeChatPayService } from '../../lib';
import { WeChatSimulator } from '../../lib/testing';
import { PayEventsProbe } from '../src/pay-events.probe';
import { createTestDatabase, freePort, Harness, simulatorPayOptions, startHarness, TestDatabase } from '../utils/harness';

const ADMIN_URL = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('the database goes away while WeChat delivers a payment notification (PostgreSQL)', () => {
  let sim: WeChatSimulator;
  let db: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    sim = new WeChatSimulator({ timeScale: 0.0002 });
    await sim.start();
    db = await createTestDatabase({ engine: 'postgres' });
    const port = await freePort();
    h = await startHarness({
      sim,
      port,
      database: db,
      providers: [PayEventsProbe],
      options: { pay: simulatorPayOptions(sim, port) },
    });
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await h.close();
    await db.drop();
    await sim.stop();
  });

  it('answers FAIL with nothing changed while it is gone, and the redelivery succeeds once it is back', async () => {
    const { openId } = await h.login();
    const pay = h.app.get(WeChatPayService);
    const { order, params } = await pay.createJsapiPayment({ body: 'Outage', totalFee: 77, openId });

    // Cut the app off its database: no new connections, existing ones killed.
    await admin(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${db.name}' AND pid <> pg_backend_pid()`);

    const { notification } = await sim.pay({ prepayId: params.package.slice('prepay_id='.length) });
    expect(notification.attempts[0].status).toBe(200);
    expect(notification.attempts[0].body).toContain('FAIL');
    await new Promise((resolve) => setTimeout(resolve, 100)); // more redeliveries fail meanwhile
    expect(sim.notifications.find((n) => n.id === notification.id)?.acknowledged).toBe(false);

    await admin(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
    const end = Date.now() + 15_000;
    for (;;) {
      if (sim.notifications.find((n) => n.id === notification.id)?.acknowledged) break;
      if (Date.now() > end) throw new Error('the notification was never acknowledged after the database came back');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const stored = await h.dataSource.getRepository(PayOrder).findOneByOrFail({ id: order.id });
    expect(stored).toMatchObject({ paid: true, status: 'SUCCESS' });
    expect(h.app.get(PayEventsProbe).paid.filter((e) => e.order.id === order.id)).toHaveLength(1);
  });
});
