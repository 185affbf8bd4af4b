// Several sample app processes behind one port, for the scaling row of bench/http.mjs: a node:cluster primary whose
// workers each run the built sample app (sample-app/dist/main.js), configured by the environment like `npm start`:
//
//   BENCH_WORKERS=2 PORT=3010 DATABASE_URL=postgres://… REDIS_URL=redis://… \
//   SIMULATOR_URL=http://127.0.0.1:3001 SIMULATOR_PAY_URL=https://127.0.0.1:3002 node bench/http/cluster-app.mjs
//
// All workers share one database (required: the exactly-once notification update is serialised there), the simulator
// (SIMULATOR_URL, SIMULATOR_PAY_URL) and Redis (REDIS_URL) for the shared access token. PORT must be a real port:
// with PORT=0 every worker would pick its own. Workers are started one after the other, each once the previous one
// listens, because the app synchronises the schema at start and two processes creating the same tables at once
// fail. BENCH_READY_FILE, when set, receives {primary, workers} (process ids) once all of them listen. SIGTERM or
// SIGINT stops the workers gracefully (the app closes and finishes notifications in progress), then the primary.
import cluster from 'node:cluster';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SAMPLE_MAIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'sample-app', 'dist', 'main.js');
const workers = Number(process.env.BENCH_WORKERS ?? 2);
if (!Number.isInteger(workers) || workers < 1)
  throw new Error(`BENCH_WORKERS must be a positive integer, got ${process.env.BENCH_WORKERS}`);
if (!process.env.PORT || process.env.PORT === '0') throw new Error('PORT must be set to a free port (all workers share it)');

let stopping = false;

function stop(code) {
  if (stopping) return;
  stopping = true;
  const alive = Object.values(cluster.workers ?? {});
  const timer = setTimeout(() => {
    for (const worker of Object.values(cluster.workers ?? {})) worker.process.kill('SIGKILL');
    process.exit(code || 1);
  }, 20_000);
  let left = alive.length;
  if (left === 0) process.exit(code);
  for (const worker of alive) {
    worker.once('exit', () => {
      if (--left === 0) {
        clearTimeout(timer);
        process.exit(code);
      }
    });
    worker.process.kill('SIGTERM');
  }
}

process.once('SIGTERM', () => stop(0));
process.once('SIGINT', () => stop(0));
// The bench was killed without stopping us (the primary got adopted by init): stop rather than linger.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) stop(1);
}, 1_000).unref();

cluster.setupPrimary({ exec: SAMPLE_MAIN });
cluster.on('exit', (worker, code, signal) => {
  if (!stopping) {
    console.error(`worker ${worker.process.pid} exited (${signal ?? code}); stopping the others`);
    stop(1);
  }
});

const pids = [];
for (let i = 0; i < workers; i++) {
  const worker = cluster.fork();
  await new Promise((resolve, reject) => {
    worker.once('listening', resolve);
    worker.once('exit', (code, signal) => reject(new Error(`worker ${i + 1} exited (${signal ?? code}) before it listened`)));
  });
  pids.push(worker.process.pid);
  console.log(`worker ${i + 1}/${workers} (pid ${worker.process.pid}) listening on port ${process.env.PORT}`);
}
if (process.env.BENCH_READY_FILE) writeFileSync(process.env.BENCH_READY_FILE, JSON.stringify({ primary: process.pid, workers: pids }));
