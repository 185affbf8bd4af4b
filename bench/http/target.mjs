// What a benchmark runs against: the built simulator (dist/testing/cli.js) and the built sample app
// (sample-app/dist/main.js, or bench/http/cluster-app.mjs for several processes on one port), each its own process on
// loopback, with a fresh database.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgDatabase, dropPgDatabase, REDIS_URL } from './database.mjs';
import { freePort, isRunning, ROOT, sleep, startNode, stopNode, waitForHttp } from './processes.mjs';

const SIMULATOR = 'dist/testing/cli.js';
const SAMPLE_MAIN = 'sample-app/dist/main.js';
const CLUSTER_APP = 'bench/http/cluster-app.mjs';

/**
 * The node flags of the sample app as shipped: those that `npm start` (package.json's `start` script) puts before
 * sample-app/dist/main.js. Every app process of the bench runs with them, then with --app-node-args.
 */
export function shippedNodeArgs() {
  const start = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts?.start ?? '';
  const match = /(?:^|&&\s*)node((?:\s+--[\w-]+(?:=\S+)?)*)\s+sample-app\/dist\/main\.js/.exec(start);
  if (!match) throw new Error(`package.json's start script does not run node … ${SAMPLE_MAIN}: ${start}`);
  return match[1].trim().split(/\s+/).filter(Boolean);
}

/** Fails early, with the command to run, when the built files are missing. */
export function checkBuilt() {
  for (const file of [SIMULATOR, SAMPLE_MAIN, 'dist/index.js']) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build && npm run build:sample\` first`);
  }
}

/** The environment of a child: only what it needs, so that nothing (WECHAT_APP_ID, NODE_OPTIONS, …) leaks in. */
function childEnv(extra) {
  const env = { TZ: 'UTC', NODE_ENV: 'production' };
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...extra };
}

/**
 * Starts a simulator, a database and the app.
 * @param {object} o
 * @param {'sqlite' | 'postgres'} o.db
 * @param {'express' | 'fastify'} [o.platform] the sample app's HTTP_PLATFORM (default fastify, as the app's own)
 * @param {number} [o.workers] app processes behind one port (bench/http/cluster-app.mjs); without it, one plain
 *   `node sample-app/dist/main.js`
 * @param {string} o.dir temp directory for logs and the SQLite file
 * @param {string} o.tag names the log files and the database
 * @param {string[]} [o.nodeArgs] extra node flags for the app (e.g. --cpu-prof)
 */
export async function startTarget({ db, platform = 'fastify', workers, dir, tag, nodeArgs = [] }) {
  const target = { db, platform, tag, workers: workers ?? 1, mode: workers ? 'cluster' : 'single', procs: [], pgName: null };
  try {
    const [simPort, payPort, appPort] = [await freePort(), await freePort(), await freePort()];
    target.simUrl = `http://127.0.0.1:${simPort}`;
    target.payUrl = `https://127.0.0.1:${payPort}`;
    target.appUrl = `http://127.0.0.1:${appPort}`;

    const sim = startNode({
      name: 'simulator',
      script: SIMULATOR,
      args: ['--port', String(simPort), '--pay-port', String(payPort), '--host', '127.0.0.1'],
      env: childEnv({}),
      logPath: join(dir, `simulator-${tag}.log`),
    });
    target.procs.push(sim);
    target.sim = sim;

    if (db === 'postgres') {
      target.pgName = `bench_${process.pid}_${tag}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      target.databaseUrl = await createPgDatabase(target.pgName);
      target.dbLabel = `PostgreSQL database ${target.pgName}`;
    } else {
      // A file, as an app would keep it (better-sqlite3 defaults: rollback journal, synchronous=FULL).
      target.databaseUrl = `sqlite:${join(dir, `app-${tag}.db`)}`;
      target.dbLabel = `SQLite file ${target.databaseUrl.slice('sqlite:'.length)}`;
    }
    await waitForHttp(`${target.simUrl}/__sim/health`, sim);

    const env = childEnv({
      PORT: String(appPort),
      HOST: '127.0.0.1',
      HTTP_PLATFORM: platform,
      SIMULATOR_URL: target.simUrl,
      SIMULATOR_PAY_URL: target.payUrl,
      DATABASE_URL: target.databaseUrl,
      ...(workers ? { REDIS_URL, BENCH_WORKERS: String(workers), BENCH_READY_FILE: join(dir, `ready-${tag}.json`) } : {}),
    });
    const app = startNode({
      name: workers ? `app cluster (${workers} workers)` : 'app',
      script: workers ? CLUSTER_APP : SAMPLE_MAIN,
      nodeArgs,
      env,
      logPath: join(dir, `app-${tag}.log`),
    });
    target.procs.push(app);
    target.app = app;
    await waitForHttp(`${target.appUrl}/health`, app, 120_000);
    target.pids = [app.pid];
    if (workers) {
      const ready = await readyFile(env.BENCH_READY_FILE, app);
      app.extraPids = ready.workers;
      target.pids = [ready.primary, ...ready.workers];
    }
    return target;
  } catch (error) {
    await stopTarget(target);
    throw error;
  }
}

/** The cluster primary writes its pid and its workers' once every worker listens. */
async function readyFile(path, proc) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8'));
    if (!isRunning(proc)) throw new Error(`${proc.name} exited before all workers listened (log: ${proc.logPath})`);
    if (Date.now() > deadline) throw new Error(`${proc.name}: workers did not all listen in time (log: ${proc.logPath})`);
    await sleep(100);
  }
}

/**
 * Stops the app (SIGTERM: it closes gracefully, which also writes a --cpu-prof profile), then the simulator, then
 * drops the database. Never throws; returns how the app exited.
 */
export async function stopTarget(target) {
  let appExit;
  if (target.app) appExit = await stopNode(target.app);
  if (target.sim) await stopNode(target.sim, 5_000);
  if (target.pgName) {
    try {
      await dropPgDatabase(target.pgName);
    } catch (error) {
      console.error(`could not drop ${target.pgName}: ${error.message}`);
    }
  }
  return appExit;
}
