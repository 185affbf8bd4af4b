// Summary of a V8 .cpuprofile (node --cpu-prof): self time per function and per package, optionally only for the
// samples taken in a time window (the timed run), so the app's start and the setup do not blur the picture.
import { readFileSync } from 'node:fs';
import { ROOT } from './processes.mjs';

const SPECIAL = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

/** Where a function lives: a package under node_modules, our dist, the sample app, node itself, or V8. */
function origin(url, name) {
  if (!url) return SPECIAL.has(name) ? name : '(V8 builtins / native)';
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith('node:') || !path.startsWith('/')) return 'node internals';
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (path.startsWith(`${ROOT}/sample-app/`)) return 'sample app (sample-app/dist)';
  if (path.startsWith(`${ROOT}/dist/`)) return 'nestjs-miniprogram-api (dist)';
  return 'other';
}

/** A URL short enough to read: package/file, dist/file, node:internal/… */
function shortUrl(url) {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  if (path.startsWith(`${ROOT}/`)) return path.slice(ROOT.length + 1);
  return path;
}

/**
 * @param {string} file a .cpuprofile
 * @param {{startUs?: number, endUs?: number}} [window] monotonic-clock microseconds (process.hrtime of this process
 *   and V8's profile clock are the same clock on Linux); without it, or when it does not fall inside the profile,
 *   the whole profile is summarised
 */
export function summarizeCpuProfile(file, window = {}, top = 15) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const inside = window.startUs !== undefined && window.startUs >= profile.startTime && window.endUs <= profile.endTime + 1e6;
  const from = inside ? window.startUs : -Infinity;
  const to = inside ? window.endUs : Infinity;

  const byFunction = new Map();
  let total = 0;
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    // The sample's self time is the interval until the next sample.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    if (t < from || t > to || dt <= 0) continue;
    const { callFrame } = nodes.get(profile.samples[i]);
    const name = callFrame.functionName || '(anonymous)';
    const key = `${name}\u0000${callFrame.url}\u0000${callFrame.lineNumber}`;
    let entry = byFunction.get(key);
    if (!entry) {
      entry = { name, url: shortUrl(callFrame.url), line: callFrame.lineNumber + 1, origin: origin(callFrame.url, name), selfUs: 0 };
      byFunction.set(key, entry);
    }
    entry.selfUs += dt;
    total += dt;
  }

  const pct = (us) => Number(((100 * us) / total).toFixed(1));
  const functions = [...byFunction.values()]
    .sort((a, b) => b.selfUs - a.selfUs)
    .slice(0, top)
    .map((f) => ({
      function: f.name,
      where: f.url ? `${f.url}:${f.line}` : '',
      selfMs: Number((f.selfUs / 1000).toFixed(1)),
      pct: pct(f.selfUs),
    }));
  const groups = new Map();
  for (const f of byFunction.values()) groups.set(f.origin, (groups.get(f.origin) ?? 0) + f.selfUs);
  const packages = [...groups.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => ({ package: name, selfMs: Number((us / 1000).toFixed(1)), pct: pct(us) }));
  return {
    file,
    window: inside ? 'timed run only' : 'whole profile (start, setup and run)',
    totalMs: Number((total / 1000).toFixed(1)),
    functions,
    packages,
  };
}
