import { randomBytes } from 'node:crypto';
import type { Connection as MysqlConnection, Pool as MysqlPool, PoolOptions as MysqlPoolOptions } from 'mysql2';
import type { DataSourceOptions } from 'typeorm';

/**
 * The database engines the test suite runs on. `TEST_DB` chooses one (default `sqlite`):
 *
 * - `sqlite`: better-sqlite3 in memory;
 * - `postgres`: a fresh database on `TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`);
 * - `mariadb`: a fresh database on `TEST_MYSQL_URL` (default `mysql://root@127.0.0.1:3306`).
 */
export type TestDbEngine = 'sqlite' | 'postgres' | 'mariadb';

export const TEST_DB_ENGINES: readonly TestDbEngine[] = ['sqlite', 'postgres', 'mariadb'];

/** TypeORM options of a test database, without entities (add them, or `autoLoadEntities`). */
export type TestDataSourceOptions = DataSourceOptions & { synchronize: true };

/** A database created for one app (or one DataSource) of one test file. */
export interface TestDatabase {
  engine: TestDbEngine;
  /** The database's name (`:memory:` for SQLite). */
  name: string;
  options: TestDataSourceOptions;
  /** Drops the database. Close the app / destroy the DataSource first. Safe to call twice. */
  drop(): Promise<void>;
}

export interface TestDatabaseSettings {
  /** Defaults to `TEST_DB`. */
  engine?: TestDbEngine;
  /**
   * PostgreSQL only: the database's default `TimeZone` (`ALTER DATABASE … SET timezone`), to
   * prove that nothing depends on the server's zone. The connection still uses UTC.
   */
  serverTimeZone?: string;
}

const PG_URL_DEFAULT = 'postgres://postgres@127.0.0.1:5432/postgres';
const MYSQL_URL_DEFAULT = 'mysql://root@127.0.0.1:3306';

/** The engine `TEST_DB` selects; throws for anything else than the three known ones. */
export function testDbEngine(env: NodeJS.ProcessEnv = process.env): TestDbEngine {
  const value = (env.TEST_DB ?? '').trim().toLowerCase() || 'sqlite';
  const engine = value === 'postgresql' || value === 'pg' ? 'postgres' : value === 'mysql' ? 'mariadb' : value;
  if (!(TEST_DB_ENGINES as readonly string[]).includes(engine)) {
    throw new Error(`TEST_DB=${env.TEST_DB} is not one of ${TEST_DB_ENGINES.join(', ')}`);
  }
  return engine as TestDbEngine;
}

/**
 * Creates an empty database for one app: SQLite in memory, or on PostgreSQL / MariaDB a database
 * of its own (`mp_e2e_<pid>_<random>`), so that test files running in parallel workers never
 * share tables. The options use `synchronize: true` and the UTC settings described in the README
 * ("Entities and migrations").
 */
export async function createTestDatabase(settings: TestDatabaseSettings = {}): Promise<TestDatabase> {
  const engine = settings.engine ?? testDbEngine();
  if (engine === 'sqlite') {
    return {
      engine,
      name: ':memory:',
      options: { type: 'better-sqlite3', database: ':memory:', synchronize: true },
      drop: async () => undefined,
    };
  }
  const name = `mp_e2e_${process.pid}_${randomBytes(4).toString('hex')}`;
  return engine === 'postgres' ? createPostgresDatabase(name, settings) : createMariaDbDatabase(name);
}

/** Runs `fn` with a fresh test database and drops it afterwards, also when `fn` throws. */
export async function withTestDatabase<T>(fn: (db: TestDatabase) => Promise<T>, settings: TestDatabaseSettings = {}): Promise<T> {
  const db = await createTestDatabase(settings);
  try {
    return await fn(db);
  } finally {
    await db.drop();
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

/** The little of node-postgres used here (the package ships no types). */
interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}
type PgClientClass = new (config: { connectionString: string }) => PgClient;
interface PgModule {
  Client: PgClientClass;
  types: { getTypeParser(oid: number, format?: string): (value: string) => unknown };
}

function loadPg(): PgModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('pg') as PgModule;
}

/** `timestamp without time zone` */
const PG_TIMESTAMP_OID = 1114;

/** Reads a `timestamp without time zone` as a UTC wall-clock time (node-postgres reads it as local time). */
function parseUtcTimestamp(value: string, fallback: (value: string) => unknown): unknown {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?$/.exec(value);
  if (!m) return fallback(value); // infinity, BC dates
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
  if (Number(m[1]) < 100) date.setUTCFullYear(Number(m[1])); // Date.UTC maps years 0–99 to 1900–1999
  return date;
}

/**
 * Per-DataSource UTC settings for node-postgres, the equivalent of running the process with
 * `TZ=UTC` without touching global state: the session's `TimeZone` is UTC (so that `now()`, the
 * default of `createdAt`/`updatedAt`, is UTC wall-clock time), Dates are sent as UTC
 * (`toISOString()`; PostgreSQL ignores the `Z` for `timestamp` columns, so the UTC wall-clock
 * time is stored) and `timestamp` values are read as UTC.
 */
function postgresUtcExtra(pg: PgModule): Record<string, unknown> {
  const utcValue = (value: unknown): unknown =>
    value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : Array.isArray(value) ? value.map(utcValue) : value;
  const Base = pg.Client as unknown as new (...args: unknown[]) => { query(...args: unknown[]): unknown };
  class UtcClient extends Base {
    override query(...args: unknown[]): unknown {
      if (Array.isArray(args[1])) args[1] = args[1].map(utcValue);
      else if (args[0] && typeof args[0] === 'object' && Array.isArray((args[0] as { values?: unknown }).values)) {
        const config = args[0] as { values: unknown[] };
        config.values = config.values.map(utcValue);
      }
      return super.query(...args);
    }
  }
  const types = {
    getTypeParser(oid: number, format?: string) {
      const parser = pg.types.getTypeParser(oid, format);
      return oid === PG_TIMESTAMP_OID && format !== 'binary' ? (value: string) => parseUtcTimestamp(value, parser) : parser;
    },
  };
  return { options: '-c TimeZone=UTC', types, Client: UtcClient };
}

async function withPgAdmin<T>(fn: (client: PgClient) => Promise<T>): Promise<T> {
  const pg = loadPg();
  const client = new pg.Client({ connectionString: process.env.TEST_PG_URL || PG_URL_DEFAULT });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function createPostgresDatabase(name: string, settings: TestDatabaseSettings): Promise<TestDatabase> {
  await withPgAdmin(async (client) => {
    await client.query(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0`);
    if (settings.serverTimeZone) {
      const zone = settings.serverTimeZone.replace(/'/g, "''");
      await client.query(`ALTER DATABASE "${name}" SET timezone TO '${zone}'`);
    }
  });
  const url = new URL(process.env.TEST_PG_URL || PG_URL_DEFAULT);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    engine: 'postgres',
    name,
    options: { type: 'postgres', url: url.toString(), synchronize: true, extra: postgresUtcExtra(loadPg()) },
    async drop() {
      if (dropped) return;
      dropped = true;
      await withPgAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// MariaDB / MySQL
// ---------------------------------------------------------------------------------------------

interface Mysql2Module {
  createConnection(config: { uri: string }): MysqlConnection;
  createPool(config: MysqlPoolOptions): MysqlPool;
}

function loadMysql2(): Mysql2Module {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('mysql2') as Mysql2Module;
}

/**
 * mysql2 with every pooled connection's session time zone set to UTC before its first query, so
 * that `CURRENT_TIMESTAMP` (the default of `createdAt`/`updatedAt`) is UTC whatever the server's
 * `time_zone` is. With `timezone: 'Z'` mysql2 itself writes and reads DATETIME values as UTC.
 */
function mysql2WithUtcSessions(mysql2: Mysql2Module): Mysql2Module {
  return Object.create(mysql2, {
    createPool: {
      value(config: MysqlPoolOptions): MysqlPool {
        const pool = mysql2.createPool(config);
        // 'connection' is emitted before the new connection is handed out: this query runs first.
        pool.on('connection', (connection) => connection.query("SET time_zone = '+00:00'"));
        return pool;
      },
    },
  }) as Mysql2Module;
}

async function withMysqlAdmin<T>(fn: (connection: MysqlConnection) => Promise<T>): Promise<T> {
  const connection = loadMysql2().createConnection({ uri: process.env.TEST_MYSQL_URL || MYSQL_URL_DEFAULT });
  try {
    return await fn(connection);
  } finally {
    await connection.promise().end();
  }
}

async function createMariaDbDatabase(name: string): Promise<TestDatabase> {
  // utf8mb4_bin: openids, out_trade_no and the like are case-sensitive (see the README).
  await withMysqlAdmin((c) => c.promise().query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`));
  const url = new URL(process.env.TEST_MYSQL_URL || MYSQL_URL_DEFAULT);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    engine: 'mariadb',
    name,
    options: {
      type: 'mariadb',
      url: url.toString(),
      synchronize: true,
      timezone: 'Z',
      charset: 'utf8mb4_bin',
      driver: mysql2WithUtcSessions(loadMysql2()),
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      await withMysqlAdmin((c) => c.promise().query(`DROP DATABASE IF EXISTS \`${name}\``));
    },
  };
}
