// Checks what `npm pack` would publish: the compiled library and nothing of the tests, the
// sample app or the sources.
const { execFileSync } = require('node:child_process');

const [report] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }));
const files = report.files.map((f) => f.path);
const required = [
  'package.json',
  'README.md',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/testing/index.js',
  'dist/testing/index.d.ts',
  'dist/testing/cli.js',
];
const missing = required.filter((f) => !files.includes(f));
const forbidden = files.filter(
  (f) => /^(lib|test|sample-app|scripts|bench)\//.test(f) || /\.spec\.|\.e2e-spec\./.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)),
);
if (missing.length || forbidden.length) {
  console.error(`npm pack check failed.\n  missing: ${missing.join(', ') || '-'}\n  forbidden: ${forbidden.join(', ') || '-'}`);
  process.exit(1);
}
console.log(`npm pack: ${files.length} files, ${report.size} bytes packed; no tests, sources or sample app.`);
