// Child processes of the HTTP benchmarks: started with their output in a log file, stopped with SIGTERM (then
// SIGKILL), all killed when the bench exits however it exits; free ports, readiness, memory of a process.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every child that has not exited yet, with the process ids it is known to own (cluster workers). */
const running = new Map();

/** A port that is free on loopback now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node [nodeArgs] script [args]` in the repository with exactly `env` (nothing inherited: no WeChat
 * credentials, no NODE_OPTIONS), stdout and stderr appended to `logPath`.
 */
export function startNode({ name, script, args = [], nodeArgs = [], env, logPath }) {
  const fd = openSync(logPath, 'a');
  let child;
  try {
    child = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd: ROOT, env, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd); // the child has its own copy
  }
  const proc = { name, child, pid: child.pid, logPath, extraPids: [] };
  running.set(child, proc);
  proc.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (error) => {
      running.delete(child);
      resolve({ code: null, signal: null, error });
    });
  });
  return proc;
}

export function isRunning(proc) {
  return proc.child.exitCode === null && proc.child.signalCode === null && running.has(proc.child);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves with how it exited. */
export async function stopNode(proc, graceMs = 20_000) {
  if (!isRunning(proc)) return proc.exited;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    proc.killedHard = true;
    killHard(proc);
  }, graceMs);
  const result = await proc.exited;
  clearTimeout(timer);
  return result;
}

function killHard(proc) {
  for (const pid of [proc.pid, ...proc.extraPids]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/** Last resort (process 'exit', a second Ctrl-C): SIGKILL every child still running, synchronously. */
export function killAllNow() {
  for (const proc of running.values()) killHard(proc);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 200; fails early when `proc` exits and after `timeoutMs`. */
export async function waitForHttp(url, proc, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc && !isRunning(proc)) throw new Error(`${proc.name} exited before it answered ${url} (log: ${proc.logPath})`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (log: ${proc?.logPath})`);
    await sleep(100);
  }
}

/** A field of /proc/<pid>/status in KiB (VmRSS, VmHWM), or 0 when the process is gone. */
export function procStatusKiB(pid, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used so far, in seconds (Linux clock ticks are 1/100 s). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime (fields 14 and 15 of proc(5))
  } catch {
    return 0;
  }
}

/** Measures the CPU the processes use from now until `stop()`, in percent of one core. */
export function measureCpu(pids) {
  const sum = () => pids.reduce((total, pid) => total + cpuSeconds(pid), 0);
  const before = sum();
  const started = performance.now();
  return {
    stop() {
      const seconds = (performance.now() - started) / 1000;
      return seconds > 0 ? (100 * (sum() - before)) / seconds : 0;
    },
  };
}

/** Busy CPU of the whole machine from now until `stop()`, in percent of all cores (/proc/stat). */
export function measureMachineCpu() {
  const read = () => {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const idle = ticks[3] + (ticks[4] ?? 0); // idle + iowait
    return { idle, total: ticks.slice(0, 8).reduce((a, b) => a + b, 0) };
  };
  const before = read();
  return {
    stop() {
      const after = read();
      const total = after.total - before.total;
      return total > 0 ? (100 * (total - (after.idle - before.idle))) / total : 0;
    },
  };
}

/** Samples the summed VmRSS of some processes every `intervalMs` until stopped; the peak in MiB. */
export function sampleRss(pids, intervalMs = 100) {
  const sum = () => pids.reduce((total, pid) => total + procStatusKiB(pid, 'VmRSS'), 0);
  const first = sum();
  let peak = first;
  let last = first;
  const timer = setInterval(() => {
    last = sum();
    if (last > peak) peak = last;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      last = sum();
      if (last > peak) peak = last;
      return { startMiB: first / 1024, peakMiB: peak / 1024, endMiB: last / 1024 };
    },
  };
}
