import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { MINI_PROGRAM_ENTITIES, WeChatAccount } from '../lib';
import { createTestDatabase, startHarness, TestDatabase, testDbEngine } from './utils/harness';

/**
 * What `typeorm migration:generate` does: ask the schema builder which statements bring an empty
 * database to the entities, and wrap them in a migration class.
 */
async function generateMigration(
  options: TestDatabase['options'],
): Promise<{ migration: new () => MigrationInterface; statements: number }> {
  const probe = new DataSource({ ...options, synchronize: false, entities: MINI_PROGRAM_ENTITIES });
  await probe.initialize();
  try {
    const sql = await probe.driver.createSchemaBuilder().log();
    const up = sql.upQueries.map((q) => ({ query: q.query, parameters: q.parameters }));
    class GeneratedInit implements MigrationInterface {
      name = 'GeneratedInit1700000000000';
      async up(runner: QueryRunner): Promise<void> {
        for (const q of up) await runner.query(q.query, q.parameters);
      }
      async down(): Promise<void> {
        throw new Error('not needed here');
      }
    }
    return { migration: GeneratedInit, statements: up.length };
  } finally {
    await probe.destroy();
  }
}

describe(`schema from a generated migration (${testDbEngine()})`, () => {
  let db: TestDatabase;
  let dir: string | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    if (db.engine === 'sqlite') {
      // An in-memory database dies with its connection: use a file the app can open again.
      dir = mkdtempSync(join(tmpdir(), 'mp-migration-'));
      db = { ...db, name: join(dir, 'app.db'), options: { ...db.options, database: join(dir, 'app.db') } as TestDatabase['options'] };
    }
  });
  afterAll(async () => {
    await db.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates every table, and afterwards the entities and the schema agree', async () => {
    const { migration, statements } = await generateMigration(db.options);
    expect(statements).toBeGreaterThan(4);
    const ds = new DataSource({ ...db.options, synchronize: false, entities: MINI_PROGRAM_ENTITIES, migrations: [migration] });
    await ds.initialize();
    try {
      const ran = await ds.runMigrations({ transaction: 'all' });
      expect(ran.map((m) => m.name)).toEqual(['GeneratedInit1700000000000']);
      const drift = await ds.driver.createSchemaBuilder().log();
      expect(drift.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  it('serves login, the guard and profile updates on that schema with synchronize off', async () => {
    const h = await startHarness({
      database: { ...db, options: { ...db.options, synchronize: false } as unknown as TestDatabase['options'] },
    });
    try {
      const user = await h.login();
      await h.http().get('/miniprogram_auth/me').set('Authorization', `Token ${user.token}`).expect(200);
      const data = h.sim.userInfo({ openId: user.openId, userInfo: { nickName: 'Migrated', city: 'Hangzhou' } });
      await h.http().post('/miniprogram_auth/updateUserInfo').set('Authorization', `Token ${user.token}`).send(data).expect(200);
      expect(await h.dataSource.getRepository(WeChatAccount).findOneByOrFail({ id: user.userId })).toMatchObject({ nickName: 'Migrated' });
    } finally {
      await h.close();
    }
  });
});
