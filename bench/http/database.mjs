// The databases of the HTTP benchmarks: a fresh SQLite file, or a fresh PostgreSQL database that is dropped again.
import { createConnection } from 'node:net';
import pg from 'pg';

/** Where the bench creates its PostgreSQL databases (BENCH_PG_URL; loopback only). */
export const PG_ADMIN_URL = loopbackUrl(process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres', 'BENCH_PG_URL');
/** The Redis of the scaling row (BENCH_REDIS_URL; loopback only). */
export const REDIS_URL = loopbackUrl(process.env.BENCH_REDIS_URL || 'redis://127.0.0.1:6379', 'BENCH_REDIS_URL');

/** Nothing the bench starts may talk to another machine. */
function loopbackUrl(text, name) {
  const host = new URL(text).hostname.replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new Error(`${name} must point at loopback, got host ${host}`);
  return text;
}

const created = new Set();

/** Creates database `name` and returns its URL. */
export async function createPgDatabase(name) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
    created.add(name);
  } finally {
    await client.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database made by {@link createPgDatabase} (closing whatever is still connected). */
export async function dropPgDatabase(name) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    created.delete(name);
  } finally {
    await client.end();
  }
}

/** Drops every database this process created and has not dropped yet. */
export async function dropAllPgDatabases() {
  for (const name of [...created]) {
    try {
      await dropPgDatabase(name);
    } catch (error) {
      console.error(`could not drop database ${name}: ${error.message}`);
    }
  }
}

/** Whether PostgreSQL answers (a clear message beats a stack trace of the first CREATE DATABASE). */
export async function checkPostgres() {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL} (${error.message}); use --db=sqlite --no-scaling without it`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Whether Redis answers PING. */
export function checkRedis() {
  const url = new URL(REDIS_URL);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 6379) });
    const fail = (why) => {
      socket.destroy();
      reject(new Error(`Redis is not reachable at ${REDIS_URL} (${why}); the scaling row needs it (--no-scaling to skip it)`));
    };
    socket.setTimeout(3_000, () => fail('timeout'));
    socket.once('error', (error) => fail(error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      // +PONG, or -NOAUTH when a password is needed (the URL carries it): either way it is there.
      if (/^[+-]/.test(data.toString())) resolve();
      else fail(`unexpected answer ${JSON.stringify(data.toString().slice(0, 40))}`);
    });
  });
}
