// Checks what `npm pack` publishes: the compiled library and the guides, and nothing of the tests, the
// sample app or the sources. Twice: a dry run of this tree, then a real `npm pack` of a copy of the sources without
// any build in it, which must build itself (the `prepack` script) and still hold the whole build.
const { execFileSync } = require('node:child_process');
const { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { basename, join, relative, sep } = require('node:path');

const root = join(__dirname, '..');
const required = [
  'package.json',
  'README.md',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/testing/index.js',
  'dist/testing/index.d.ts',
  'dist/testing/cli.js',
  // The guides README.md links to, so that its links work in node_modules too.
  ...new Set([...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/\]\((docs\/[^)#]+\.md)/g)].map((m) => m[1])),
];

/** The problems of a file list, or an empty list. */
function problems(files) {
  const missing = required.filter((f) => !files.includes(f));
  const forbidden = files.filter(
    (f) => /^(lib|test|sample-app|scripts|bench)\//.test(f) || /\.spec\.|\.e2e-spec\./.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
  );
  return [
    ...(missing.length ? [`missing: ${missing.join(', ')}`] : []),
    ...(forbidden.length ? [`forbidden: ${forbidden.join(', ')}`] : []),
  ];
}

function fail(what, found) {
  console.error(`npm pack check failed (${what}).\n  ${found.join('\n  ')}`);
  process.exit(1);
}

// 1. This tree, as it is.
const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' }));
const found = problems(report.files.map((f) => f.path));
if (found.length) fail('this tree', found);
console.log(`npm pack: ${report.files.length} files, ${report.size} bytes packed; no tests, sources or sample app.`);

// 2. A copy with no build output: `npm pack` must build before it packs.
const work = mkdtempSync(join(tmpdir(), 'mp-pack-'));
try {
  const copy = join(work, 'src');
  const skipped = new Set(['node_modules', 'dist', '.git', 'coverage']);
  cpSync(root, copy, {
    recursive: true,
    filter: (path) => {
      const parts = relative(root, path).split(sep);
      return !parts.some((part) => skipped.has(part) || part.startsWith('.dot-checkout-'));
    },
  });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: copy,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const tarball = join(work, basename(packed.filename));
  const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
  const unbuilt = problems(entries);
  if (unbuilt.length) fail('a tree that was never built', unbuilt);
  console.log(`npm pack of a tree that was never built: built by prepack, ${entries.length} files, dist/ complete.`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
