/**
 * @jest-environment ./test/utils/time-zone.environment.ts
 * @jest-environment-options {"timeZone": "America/New_York"}
 */
import { createHash } from 'node:crypto';
import { MoreThan } from 'typeorm';
import { AuthToken, AuthTokenService, PayOrder, PayRefund, WeChatAccount } from '../lib';
import { isUniqueViolation } from '../lib/utils/unique-violation.util';
import { createTestDatabase, Harness, startHarness, TestDatabase, testDbEngine } from './utils/harness';

/**
 * What the entities need from each engine, checked on the one `TEST_DB` names: Dates stored as
 * UTC and read back as the same instants, whatever the process's and the server's time zones
 * (this file runs in New York time; on PostgreSQL the database's own zone is Kathmandu's,
 * UTC+05:45), to the millisecond; case-sensitive keys; 4-byte characters; booleans and numbers
 * typed as such; unique violations recognised; affected-row counts.
 */
describe(`entities on ${testDbEngine()}`, () => {
  let database: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    database = await createTestDatabase({ serverTimeZone: 'Asia/Kathmandu' });
    h = await startHarness({ database, options: { token: { cacheTtlSeconds: 0 } } });
  });
  afterAll(async () => {
    await h?.close();
    await database?.drop();
  });

  const orders = () => h.dataSource.getRepository(PayOrder);
  let sequence = 0;
  const newOrder = (patch: Partial<PayOrder> = {}) =>
    orders().save(
      orders().create({ outTradeNo: `dbspec${Date.now()}${sequence++}`, body: 'Database order', totalFee: 100, openId: 'oDb', ...patch }),
    );

  /** A Date column as the database stores it, `YYYY-MM-DD HH:MM:SS.mmm`, read with SQL. */
  async function storedText(table: string, column: string, id: number): Promise<string | null> {
    const sql = {
      sqlite: `SELECT ${column} AS v FROM ${table} WHERE id = ${id}`,
      postgres: `SELECT to_char(${column}, 'YYYY-MM-DD HH24:MI:SS.MS') AS v FROM ${table} WHERE id = ${id}`,
      mariadb: `SELECT DATE_FORMAT(${column}, '%Y-%m-%d %H:%i:%s.%f') AS v FROM ${table} WHERE id = ${id}`,
    }[database.engine];
    const [row] = (await h.dataSource.query(sql)) as Array<{ v: string | null }>;
    return row.v === null ? null : String(row.v).slice(0, 23);
  }

  describe('time zones', () => {
    it('runs in a process time zone other than UTC, with DST', () => {
      expect(new Date('2026-07-01T12:00:00Z').getTimezoneOffset()).toBe(240);
      expect(new Date('2026-12-01T12:00:00Z').getTimezoneOffset()).toBe(300);
    });

    it('uses a UTC session whatever the server’s zone is', async () => {
      if (database.engine === 'postgres') {
        const [{ zones }] = await h.dataSource.query(
          `SELECT array_to_string(setconfig, ',') AS zones FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase
           WHERE d.datname = current_database()`,
        );
        expect(zones).toContain('Asia/Kathmandu');
        expect((await h.dataSource.query('SHOW TimeZone'))[0].TimeZone).toBe('UTC');
      }
      if (database.engine === 'mariadb') {
        expect((await h.dataSource.query('SELECT @@session.time_zone AS tz'))[0].tz).toBe('+00:00');
      }
    });

    it('stores Dates as UTC and reads them back as the same instants, to the millisecond', async () => {
      // Both are 01:30 in New York: once in summer time, once in winter time an hour later.
      const first = new Date('2026-11-01T05:30:00.123Z');
      const second = new Date('2026-11-01T06:30:00.456Z');
      const a = await newOrder({ prepayExpiresAt: first, paidAt: new Date('2026-03-08T07:00:00.789Z') });
      const b = await newOrder({ prepayExpiresAt: second });

      expect(await storedText('miniprogram_pay_order', 'prepay_expires_at', a.id)).toBe('2026-11-01 05:30:00.123');
      expect(await storedText('miniprogram_pay_order', 'prepay_expires_at', b.id)).toBe('2026-11-01 06:30:00.456');
      expect(await storedText('miniprogram_pay_order', 'paid_at', a.id)).toBe('2026-03-08 07:00:00.789');

      const readA = await orders().findOneByOrFail({ id: a.id });
      const readB = await orders().findOneByOrFail({ id: b.id });
      expect(readA.prepayExpiresAt).toBeInstanceOf(Date);
      expect(readA.prepayExpiresAt?.toISOString()).toBe(first.toISOString());
      expect(readB.prepayExpiresAt?.toISOString()).toBe(second.toISOString());
      expect(readA.paidAt?.toISOString()).toBe('2026-03-08T07:00:00.789Z');
    });

    it('compares Date parameters as UTC instants', async () => {
      const marker = `cmp${Date.now()}`;
      const early = await newOrder({ body: marker, prepayExpiresAt: new Date('2026-11-01T05:30:00.000Z') });
      const late = await newOrder({ body: marker, prepayExpiresAt: new Date('2026-11-01T06:30:00.000Z') });
      const found = await orders().findBy({ body: marker, prepayExpiresAt: MoreThan(new Date('2026-11-01T06:00:00.000Z')) });
      expect(found.map((o) => o.id)).toEqual([late.id]);
      expect(early.id).not.toBe(late.id);
    });

    it('sets createdAt and updatedAt from the database clock in UTC', async () => {
      const before = Date.now();
      const order = await newOrder();
      await orders().update({ id: order.id }, { status: 'CLOSED' });
      const read = await orders().findOneByOrFail({ id: order.id });
      const after = Date.now();
      for (const at of [read.createdAt, read.updatedAt]) {
        expect(at).toBeInstanceOf(Date);
        // Generous bounds for clock granularity (CURRENT_TIMESTAMP has whole seconds on MariaDB);
        // a time zone mix-up is off by hours.
        expect(at.getTime()).toBeGreaterThanOrEqual(before - 2000);
        expect(at.getTime()).toBeLessThanOrEqual(after + 2000);
      }
    });

    it('keeps a token’s expiry exactly as issued and honours it', async () => {
      const { token } = await h.login();
      const issued = await h.http().post('/miniprogram_auth/login').send({ code: h.sim.login().code }).expect(200);
      const row = await h.dataSource
        .getRepository(AuthToken)
        .findOneByOrFail({ tokenHash: createHash('sha256').update(issued.body.token).digest('hex') });
      expect(row.expiresAt?.toISOString()).toBe(issued.body.expires_at);

      const hash = createHash('sha256').update(token).digest('hex');
      await h.dataSource.getRepository(AuthToken).update({ tokenHash: hash }, { expiresAt: new Date(Date.now() + 60_000) });
      await h.http().get('/host/whoami').set('Authorization', `Token ${token}`).expect(200);
      await h.dataSource.getRepository(AuthToken).update({ tokenHash: hash }, { expiresAt: new Date(Date.now() - 60_000) });
      const res = await h.http().get('/host/whoami').set('Authorization', `Token ${token}`).expect(401);
      expect(res.body.message).toMatch(/expired/);
    });
  });

  describe('column types', () => {
    it('leaves nothing for migration:generate after synchronize (no perpetual schema diff)', async () => {
      const pending = await h.dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    });

    it('treats openids that differ only in case as different users', async () => {
      const upper = await h.login({ openId: 'oCaseUser00000000000000000ABC' });
      const lower = await h.login({ openId: 'oCaseUser00000000000000000abc' });
      expect(lower.userId).not.toBe(upper.userId);
      const accounts = h.dataSource.getRepository(WeChatAccount);
      expect((await accounts.findOneByOrFail({ openId: 'oCaseUser00000000000000000abc' })).id).toBe(lower.userId);
    });

    it('stores 4-byte characters up to the column length', async () => {
      const user = await h.login();
      const nickName = '😀'.repeat(150); // cut to 100 characters by the service
      const data = h.sim.userInfo({ openId: user.openId, userInfo: { nickName, city: '深圳🏙️' } });
      await h
        .http()
        .post('/miniprogram_auth/updateUserInfo')
        .set('Authorization', `Token ${user.token}`)
        .send({ iv: data.iv, encryptedData: data.encryptedData })
        .expect(200);
      const stored = await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ id: user.userId });
      expect(stored.nickName).toBe('😀'.repeat(100));
      expect(stored.city).toBe('深圳🏙️');
    });

    it('saves user data containing U+0000, which PostgreSQL text cannot hold, without it', async () => {
      const user = await h.login();
      const data = h.sim.userInfo({ openId: user.openId, userInfo: { nickName: 'Nul\u0000Name', city: '\u0000' } });
      const res = await h
        .http()
        .post('/miniprogram_auth/updateUserInfo')
        .set('Authorization', `Token ${user.token}`)
        .send({ iv: data.iv, encryptedData: data.encryptedData })
        .expect(200);
      expect(res.body.wechat).toMatchObject({ nickName: 'NulName', city: '' });
    });

    it('holds the longest values the services accept', async () => {
      const emoji = (n: number) => '😀'.repeat(n);
      const order = await newOrder({
        outTradeNo: `L${Date.now()}`.padEnd(32, 'x'),
        body: emoji(127),
        attach: emoji(127),
        openId: 'o'.repeat(128), // WeChatPayService accepts openids of up to 128 characters
      });
      expect(await orders().findOneByOrFail({ id: order.id })).toMatchObject({ body: emoji(127), attach: emoji(127) });
      const refund = await h.dataSource
        .getRepository(PayRefund)
        .save({ outRefundNo: 'R'.repeat(64), orderId: order.id, totalFee: 100, refundFee: 1, refundDesc: emoji(80) });
      expect(await h.dataSource.getRepository(PayRefund).findOneByOrFail({ id: refund.id })).toMatchObject({ refundDesc: emoji(80) });
    });

    it('creates one account for concurrent first logins of a new user', async () => {
      const openId = `oConcurrent${Date.now()}`;
      const codes = Array.from({ length: 10 }, () => h.sim.login({ openId }).code);
      const results = await Promise.all(codes.map((code) => h.http().post('/miniprogram_auth/login').send({ code })));
      expect(results.map((r) => r.status)).toEqual(codes.map(() => 200));
      expect(new Set(results.map((r) => r.body.user_id)).size).toBe(1);
      expect(await h.dataSource.getRepository(WeChatAccount).countBy({ openId })).toBe(1);
    });

    it('reads booleans as booleans and integers as numbers', async () => {
      const order = await newOrder({ totalFee: 2_000_000_000 });
      const read = await orders().findOneByOrFail({ id: order.id });
      expect(read.paid).toBe(false);
      expect(read.totalFee).toBe(2_000_000_000);
      expect(read.refundedFee).toBe(0);
      expect(read.version).toBe(1);
      const user = await h.login();
      await h.dataSource.getRepository(WeChatAccount).update({ id: user.userId }, { gender: 2 });
      expect((await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ id: user.userId })).gender).toBe(2);
      expect(await orders().countBy({ id: order.id, paid: false })).toBe(1);
    });

    it('reports unique violations in a way the services recognise', async () => {
      const { openId } = await h.login();
      const error = await h.dataSource
        .getRepository(WeChatAccount)
        .insert({ openId })
        .catch((e: unknown) => e);
      expect(isUniqueViolation(error)).toBe(true);
      const order = await newOrder();
      const duplicate = await newOrder({ outTradeNo: order.outTradeNo }).catch((e: unknown) => e);
      expect(isUniqueViolation(duplicate)).toBe(true);
    });

    it('counts affected rows of conditional updates', async () => {
      const tokens = h.app.get(AuthTokenService);
      const first = await h.login({ openId: 'oAffectedRows000000000000001' });
      await h.login({ openId: 'oAffectedRows000000000000001' });
      await h.login({ openId: 'oAffectedRows000000000000001' });
      expect(await tokens.revoke(first.token)).toBe(true);
      expect(await tokens.revoke(first.token)).toBe(false);
      expect(await tokens.revokeAll(first.userId)).toBe(2);
      expect(await tokens.revokeAll(first.userId)).toBe(0);
    });
  });
});
