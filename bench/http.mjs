// HTTP benchmarks: the built sample app (sample-app/dist) against the built WeChat simulator (dist/testing/cli.js),
// each its own process on loopback, loaded with autocannon from this process (all three share the machine's cores).
// Every run reports requests/s (autocannon's mean of the per-second samples), latency p50/p99, errors (non-2xx,
// timeouts, connection errors and error answers, e.g. a notification answered FAIL), the app's peak RSS (VmRSS of its
// process(es), sampled every 100 ms during the timed run) and the CPU the app, the simulator, this process and the
// whole machine used meanwhile.
//
//   npm run bench:http                                 # everything (10 s per run: 10 to 15 minutes)
//   npm run bench:http -- --scenarios=health,guarded --db=sqlite --connections=32 --duration=5
//   npm run bench:http -- --platforms=fastify                 # one Nest platform only (default: express and fastify)
//   npm run bench:http -- --smoke                      # 1 s per run, SQLite only, small pools: proves the suite works
//   npm run bench:http -- --profile=login              # the login run with the app under node --cpu-prof, summarised
//   npm run bench:http -- --json=out.json              # also write the results as JSON
//
// Options (--key=value): --scenarios=health,guardedHealth,guarded,login,updateUserInfo,order,pay,notify (order+pay = order,pay),
// --db=sqlite,postgres, --platforms=express,fastify (the sample app's HTTP_PLATFORM; every run on each, side by side),
// --connections=32,64, --duration=10, --warmup=2 (seconds of untimed load before each run),
// --scaling / --no-scaling (guarded and notify with 1 and 2 app processes behind one port on PostgreSQL, at the largest
// connection count; on by default when PostgreSQL is in --db), --json=path, --smoke (exits 1 when a run had errors or
// no requests), --profile=<scenario> (on SQLite unless --db is given), --app-node-args=flag,flag (node flags for the app
// processes after those of `npm start`, which the app always runs with, as shipped; later flags win).
//
// Scenarios: see SCENARIO_DEFS in bench/http/scenarios.mjs. Creating an order and paying it are measured apart:
// `order` is POST /orders, `pay` is POST /orders/:id/pay on distinct orders that have no WeChat Pay order yet (each
// makes the PayOrder and calls unifiedorder). Single-use things (login codes, orders to pay, orders to notify) are made
// before the timed run, through the simulator and the app, sized from the rate measured so far; a run whose pool runs
// out stops there and says so, its rate is then requests / seconds until then. Nothing is ever sent twice.
//
// Reading the numbers: autocannon opens all its connections at the start of each run, and a Node server whose event
// loop is kept busy by synchronous work takes new connections on only between passes over the busy ones (a plain
// node:net server with a 10 ms synchronous handler answers the last of 64 connections opened at once after ~3.5 s).
// On SQLite every commit is a synchronous fsync, so in the 64-connection runs of the writing scenarios the last
// connections can wait seconds for their first answer: it shows in their p99 (and as an occasional 10 s timeout).
//
// Databases: SQLite is a fresh file in the temp directory (DATABASE_URL=sqlite:<file>; better-sqlite3's defaults:
// rollback journal, synchronous=FULL), PostgreSQL a fresh database per app (BENCH_PG_URL, default
// postgres://postgres@127.0.0.1:5432/postgres), dropped at the end; the app creates the schema (synchronize). The
// scaling row also uses Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379) for the shared access token. Only
// loopback is allowed. Children's output goes to log files in a temp directory, printed when something fails.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkPostgres, checkRedis, dropAllPgDatabases } from './http/database.mjs';
import { runLoad, summarize } from './http/load.mjs';
import { killAllNow, measureCpu, measureMachineCpu, sampleRss } from './http/processes.mjs';
import { summarizeCpuProfile } from './http/profile.mjs';
import { poolSize, SCENARIO_DEFS, SCENARIOS, World } from './http/scenarios.mjs';
import { checkBuilt, shippedNodeArgs, startTarget, stopTarget } from './http/target.mjs';

// ---------------------------------------------------------------------------------------------------------- options

const KNOWN = new Set([
  'scenarios',
  'db',
  'platforms',
  'connections',
  'duration',
  'warmup',
  'scaling',
  'no-scaling',
  'json',
  'smoke',
  'profile',
  'app-node-args',
  'help',
]);
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [key, ...rest] = a.replace(/^--/, '').split('=');
    return [key, rest.length ? rest.join('=') : undefined];
  }),
);
for (const key of Object.keys(args)) {
  if (!KNOWN.has(key)) {
    console.error(`unknown option --${key}; see the head of bench/http.mjs`);
    process.exit(2);
  }
}
if ('help' in args) {
  console.log(
    'Options: --scenarios= --db= --platforms= --connections= --duration= --warmup= --scaling --no-scaling --json= --smoke --profile=<scenario> --app-node-args=',
  );
  process.exit(0);
}

const list = (value, fallback) =>
  value === undefined || value === ''
    ? fallback
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
const numbers = (value, fallback, name) =>
  list(value, fallback).map((v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: ${v} is not a number`);
    return n;
  });

const smoke = 'smoke' in args;
const options = {
  smoke,
  scenarios: list(args.scenarios, SCENARIOS).flatMap((s) => (s === 'order+pay' ? ['order', 'pay'] : [s])),
  db: smoke ? ['sqlite'] : list(args.db, ['sqlite', 'postgres']),
  platforms: list(args.platforms, ['express', 'fastify']),
  connections: smoke ? [8] : numbers(args.connections, [32, 64], 'connections'),
  duration: smoke ? 1 : numbers(args.duration, [10], 'duration')[0],
  warmup: smoke ? 0 : numbers(args.warmup, [2], 'warmup')[0],
  json: args.json,
  profile: args.profile,
  /**
   * Node flags for every app process: those of `npm start` (the app as shipped), then --app-node-args (later flags
   * win, e.g. `--app-node-args=--max-old-space-size=4096` to measure without the shipped heap cap).
   */
  appNodeArgs: [...shippedNodeArgs(), ...list(args['app-node-args'], [])],
  users: smoke ? 20 : 1_000,
  loginUsers: smoke ? 20 : 1_000,
  /** Smoke runs only prove that every scenario works: small pools of single-use items, which may run out (noted). */
  ...(smoke ? { poolCap: 150 } : {}),
};
options.scaling =
  smoke || options.profile ? false : 'no-scaling' in args ? false : 'scaling' in args ? true : options.db.includes('postgres');
for (const s of [...options.scenarios, ...(options.profile ? [options.profile] : [])]) {
  if (!SCENARIO_DEFS[s]) throw new Error(`unknown scenario ${s}; known: ${SCENARIOS.join(', ')}`);
}
for (const db of options.db) if (!['sqlite', 'postgres'].includes(db)) throw new Error(`unknown --db ${db}: sqlite or postgres`);
for (const platform of options.platforms) {
  if (!['express', 'fastify'].includes(platform)) throw new Error(`unknown --platforms ${platform}: express or fastify`);
}
if (options.connections.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--connections must be positive integers');
if (!(options.duration > 0)) throw new Error('--duration must be positive');

// ------------------------------------------------------------------------------------------------- clean shutdown

const dir = mkdtempSync(join(tmpdir(), 'mp-http-bench-'));
const live = new Set();
let cleaning;

function cleanup() {
  cleaning ??= (async () => {
    await Promise.all([...live].map((target) => stopTarget(target)));
    await dropAllPgDatabases();
  })();
  return cleaning;
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (interrupted) {
      killAllNow();
      process.exit(130);
    }
    interrupted = true;
    console.error(`\n${signal}: stopping the app and the simulator (again to kill them at once); logs in ${dir}`);
    cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', killAllNow);
process.on('uncaughtException', (error) => {
  console.error(error);
  console.error(`logs: ${dir}`);
  cleanup().finally(() => process.exit(1));
});

async function withTarget(spec, fn) {
  const target = await startTarget({ dir, ...spec });
  live.add(target);
  try {
    return await fn(target);
  } finally {
    target.exit = await stopTarget(target);
    live.delete(target);
  }
}

// ----------------------------------------------------------------------------------------------------------- runs

const hrUs = () => Number(process.hrtime.bigint() / 1000n);
const round = (n, digits = 0) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : n);

/** Warm-up, pools, then the timed run of one scenario at one connection count. */
async function measure(world, scenario, connections, label) {
  const def = SCENARIO_DEFS[scenario];
  await def.prepare(world);
  const notes = [];
  const load = (seconds) =>
    runLoad({
      url: world.target.appUrl,
      connections,
      seconds,
      next: () => def.next(world),
      check: def.check,
      onSuccess: def.onSuccess && ((item, body) => def.onSuccess(world, item, body)),
    });
  const learn = (rates, rps) => {
    if (rps > 0) rates[scenario] = Math.max(rates[scenario] ?? 0, rps);
  };

  if (options.warmup > 0) {
    if (def.fill) await def.fill(world, Math.min(options.poolCap ?? Infinity, poolSize(world, scenario, connections, options.warmup)));
    learn(world.warmupRates, summarize(await load(options.warmup)).rps);
  }
  let pool;
  if (def.fill) {
    pool = Math.min(options.poolCap ?? Infinity, poolSize(world, scenario, connections, options.duration));
    if (await def.fill(world, pool)) {
      notes.push(`pool capped at ${def.capped} (simulator store)`);
      pool = def.capped;
    }
  }

  const rss = sampleRss(world.target.pids);
  const appCpu = measureCpu(world.target.pids);
  const simCpu = measureCpu([world.target.sim.pid]);
  const benchCpu = measureCpu([process.pid]);
  const machineCpu = measureMachineCpu();
  const startUs = hrUs();
  const result = summarize(await load(options.duration));
  const endUs = hrUs();
  const memory = rss.stop();
  const cpu = { app: appCpu.stop(), simulator: simCpu.stop(), bench: benchCpu.stop(), machine: machineCpu.stop() };
  learn(world.rates, result.rps);
  if (result.exhausted) notes.push(`pool of ${pool} ran out after ${result.elapsedS} s: stopped there`);
  if (def.verify) {
    const wrong = await def.verify(world);
    if (wrong.length) {
      result.errors += wrong.length;
      notes.push(`${wrong.length} notified order(s) not paid+fulfilled once: ${JSON.stringify(wrong).slice(0, 300)}`);
    }
  }
  const codes = Object.entries(result.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, n]) => `${n}×${code}`);
  if (codes.length) notes.push(`status ${codes.join(', ')}`);
  if (result.timeouts) notes.push(`${result.timeouts} timeouts`);
  if (result.connectionErrors) notes.push(`${result.connectionErrors} connection errors`);
  if (result.badAnswers) notes.push(`${result.badAnswers} error answers`);

  const row = {
    db: world.target.db,
    platform: world.target.platform,
    processes: label,
    scenario,
    connections,
    rps: round(result.rps, 1),
    p50Ms: result.p50,
    p99Ms: result.p99,
    errors: result.errors,
    requests: result.requests,
    rssPeakMiB: round(memory.peakMiB, 1),
    rssStartMiB: round(memory.startMiB, 1),
    appCpuPct: round(cpu.app),
    simulatorCpuPct: round(cpu.simulator),
    benchCpuPct: round(cpu.bench),
    machineCpuPct: round(cpu.machine),
    appCpuMsPerRequest: result.rps > 0 ? round((cpu.app * 10) / result.rps, 2) : null,
    seconds: result.exhausted ? result.elapsedS : options.duration,
    ...(pool !== undefined ? { pool } : {}),
    statusCodes: result.statusCodes,
    timeouts: result.timeouts,
    notes: notes.join('; '),
    window: { startUs, endUs },
  };
  console.log(
    `  ${row.db.padEnd(8)} ${row.platform.padEnd(7)} ${String(label).padEnd(9)} ${scenario.padEnd(14)} ×${String(connections).padEnd(3)} ` +
      `${String(row.rps).padStart(8)} req/s  p50 ${row.p50Ms} ms  p99 ${row.p99Ms} ms  errors ${row.errors}  ` +
      `RSS ${row.rssPeakMiB} MiB  CPU app ${row.appCpuPct}% (${row.appCpuMsPerRequest} ms/req) sim ${row.simulatorCpuPct}% bench ${row.benchCpuPct}% machine ${row.machineCpuPct}%${row.notes ? `  (${row.notes})` : ''}`,
  );
  return row;
}

function sizes() {
  return { users: options.users, loginUsers: options.loginUsers };
}

async function runMatrix() {
  const rows = [];
  for (const db of options.db) {
    for (const platform of options.platforms) {
      await withTarget({ db, platform, tag: `${db}-${platform}`, nodeArgs: options.appNodeArgs }, async (target) => {
        console.log(
          `${db} on ${platform}: ${target.dbLabel}; app pid ${target.app.pid} (sample-app/dist/main.js), simulator ${target.simUrl}`,
        );
        const world = new World(target, sizes());
        for (const scenario of options.scenarios) {
          for (const connections of options.connections) rows.push(await measure(world, scenario, connections, 1));
        }
      });
    }
  }
  return rows;
}

async function runScaling() {
  const rows = [];
  for (const platform of options.platforms) {
    for (const workers of [1, 2]) {
      const spec = { db: 'postgres', platform, workers, tag: `scaling${workers}-${platform}`, nodeArgs: options.appNodeArgs };
      await withTarget(spec, async (target) => {
        console.log(
          `scaling on ${platform}, ${workers} app process(es): ${target.dbLabel}; cluster primary ${target.pids[0]}, workers ${target.pids.slice(1).join(', ')}`,
        );
        const world = new World(target, sizes());
        // One row per scenario, at the largest connection count: the point is the ratio between 1 and 2 processes.
        const connections = Math.max(...options.connections);
        for (const scenario of ['guarded', 'notify']) rows.push(await measure(world, scenario, connections, `${workers} (cluster)`));
      });
    }
  }
  return rows;
}

async function runProfile() {
  const scenario = options.profile;
  const connections = options.connections[0];
  const db = args.db ? options.db[0] : 'sqlite';
  const platform = options.platforms[0];
  const profileDir = join(dir, 'cpuprofile');
  mkdirSync(profileDir);
  let row;
  const target = await withTarget(
    { db, platform, tag: 'profile', nodeArgs: [...options.appNodeArgs, '--cpu-prof', `--cpu-prof-dir=${profileDir}`] },
    async (t) => {
      console.log(`profile: ${scenario} ×${connections} on ${t.dbLabel} (${platform}), app under node --cpu-prof (pid ${t.app.pid})`);
      row = await measure(new World(t, sizes()), scenario, connections, 1);
      return t;
    },
  );
  if (target.exit?.code !== 0) console.error(`the app exited with ${JSON.stringify(target.exit)}: the profile may be missing`);
  const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length !== 1) throw new Error(`expected one .cpuprofile in ${profileDir}, found ${files.length}`);
  const summary = summarizeCpuProfile(join(profileDir, files[0]), { startUs: row.window.startUs, endUs: row.window.endUs });
  return { row, summary };
}

// ----------------------------------------------------------------------------------------------------------- output

function printTables(rows, scaling) {
  const view = (r) => ({
    db: r.db,
    platform: r.platform,
    procs: r.processes,
    scenario: r.scenario,
    conns: r.connections,
    'req/s': r.rps,
    'p50 ms': r.p50Ms,
    'p99 ms': r.p99Ms,
    errors: r.errors,
    requests: r.requests,
    'peak RSS MiB': r.rssPeakMiB,
    'app CPU ms/req': r.appCpuMsPerRequest,
    'machine CPU %': r.machineCpuPct,
    note: r.notes.length > 60 ? `${r.notes.slice(0, 57)}...` : r.notes,
  });
  console.log('\nResults');
  console.table(rows.map(view));

  const ratios = [];
  for (const db of options.db) {
    for (const platform of options.platforms) {
      for (const connections of options.connections) {
        const at = (scenario) =>
          rows.find((r) => r.db === db && r.platform === platform && r.connections === connections && r.scenario === scenario);
        const [health, guarded, guardedHealth] = [at('health'), at('guarded'), at('guardedHealth')];
        if (health && (guarded || guardedHealth) && health.rps > 0) {
          ratios.push({
            db,
            platform,
            connections,
            'health req/s': health.rps,
            'guarded /health/token req/s': guardedHealth?.rps ?? '—',
            'token / health': guardedHealth ? round(guardedHealth.rps / health.rps, 2) : '—',
            'guarded /me req/s': guarded?.rps ?? '—',
            '/me / health': guarded ? round(guarded.rps / health.rps, 2) : '—',
          });
        }
      }
    }
  }
  if (ratios.length) {
    console.log('\nGuarded route vs the trivial route');
    console.table(ratios);
  }

  // Every scenario on Express beside the same on Fastify (same database and connections).
  const platforms = [];
  if (options.platforms.includes('express') && options.platforms.includes('fastify')) {
    for (const row of rows.filter((r) => r.platform === 'express')) {
      const other = rows.find(
        (r) => r.platform === 'fastify' && r.db === row.db && r.scenario === row.scenario && r.connections === row.connections,
      );
      if (!other) continue;
      platforms.push({
        db: row.db,
        scenario: row.scenario,
        connections: row.connections,
        'express req/s': row.rps,
        'fastify req/s': other.rps,
        'fastify / express': row.rps > 0 ? round(other.rps / row.rps, 2) : '—',
        'p99 ms (express / fastify)': `${row.p99Ms} / ${other.p99Ms}`,
        'app CPU ms/req (express / fastify)': `${row.appCpuMsPerRequest} / ${other.appCpuMsPerRequest}`,
        'peak RSS MiB (express / fastify)': `${row.rssPeakMiB} / ${other.rssPeakMiB}`,
      });
    }
  }
  if (platforms.length) {
    console.log('\nExpress beside Fastify');
    console.table(platforms);
  }

  const scalingTable = [];
  for (const platform of options.platforms) {
    for (const scenario of ['guarded', 'notify']) {
      for (const connections of options.connections) {
        const find = (workers) =>
          scaling.find(
            (r) => r.platform === platform && r.scenario === scenario && r.connections === connections && r.processes.startsWith(workers),
          );
        const [one, two] = [find('1'), find('2')];
        if (one && two) {
          scalingTable.push({
            platform,
            scenario,
            connections,
            '1 proc req/s': one.rps,
            '2 procs req/s': two.rps,
            '2 / 1': round(two.rps / one.rps, 2),
            '1 proc p99 ms': one.p99Ms,
            '2 procs p99 ms': two.p99Ms,
            'RSS 1 MiB': one.rssPeakMiB,
            'RSS 2 MiB': two.rssPeakMiB,
            errors: one.errors + two.errors,
          });
        }
      }
    }
  }
  if (scalingTable.length) {
    console.log('\nScaling on PostgreSQL (node:cluster, one port; RSS = primary + workers)');
    console.table(scalingTable);
  }
  return { ratios, platforms, scalingTable };
}

function printProfile({ summary }) {
  console.log(`\nCPU profile of the app (${summary.window}, ${summary.totalMs} ms of samples): ${summary.file}`);
  console.log('Top functions by self time');
  console.table(summary.functions);
  console.log('By package');
  console.table(summary.packages);
}

// ------------------------------------------------------------------------------------------------------------- main

async function main() {
  const began = Date.now();
  checkBuilt();
  if (options.db.includes('postgres') || options.scaling) await checkPostgres();
  if (options.scaling) await checkRedis();
  console.log(
    `HTTP benchmarks: node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} ×${cpus().length}; ` +
      `${options.duration} s per run after ${options.warmup} s of warm-up; autocannon runs in this process, ` +
      `the app and the simulator in their own (all on this machine); app node flags: ${options.appNodeArgs.join(' ') || 'none'}`,
  );

  const out = { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString(), options };
  let failures = [];
  if (options.profile) {
    const profile = await runProfile();
    printProfile(profile);
    out.rows = [profile.row];
    out.profile = profile.summary;
    failures = profile.row.errors || !profile.row.requests ? [profile.row] : [];
  } else {
    const rows = await runMatrix();
    const scaling = options.scaling ? await runScaling() : [];
    const { ratios, platforms, scalingTable } = printTables(rows, scaling);
    out.rows = [...rows, ...scaling];
    out.ratios = ratios;
    out.platforms = platforms;
    out.scaling = scalingTable;
    failures = out.rows.filter((r) => r.errors > 0 || r.requests === 0);
  }
  out.seconds = round((Date.now() - began) / 1000, 1);
  for (const row of out.rows) delete row.window;
  if (options.json) writeFileSync(options.json, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`\nDone in ${out.seconds} s${options.json ? `; results in ${options.json}` : ''}.`);

  if (failures.length) {
    const what = failures
      .map((r) => `${r.db}/${r.platform}/${r.scenario}×${r.connections}: ${r.requests} requests, ${r.errors} errors`)
      .join('; ');
    console.error(`Runs with errors or no requests: ${what}. Logs: ${dir}`);
    if (smoke) process.exitCode = 1;
  } else if (!options.profile) {
    rmSync(dir, { recursive: true, force: true });
  } else {
    console.log(`Profile and logs kept in ${dir}`);
  }
}

main()
  .catch(async (error) => {
    if (interrupted) return; // the children were stopped under us: the signal handler reports and exits
    console.error(error?.stack ?? error);
    console.error(`logs: ${dir}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    if (interrupted) return;
    await cleanup();
    // autocannon and fetch may keep sockets alive a little longer: do not wait for them.
    process.exit(process.exitCode ?? 0);
  });
