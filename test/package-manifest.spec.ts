import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !/\.spec(-kit)?\.ts$/.test(entry.name) ? [path] : [];
  });
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('package manifest', () => {
  const imports = sourceFiles(join(root, 'lib')).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    return [...text.matchAll(/(?:from\s+|import\s+|require\()\s*['"]([^'"]+)['"]/g)].map((m) => ({
      file: relative(root, file),
      specifier: m[1],
    }));
  });

  it('declares every package the library imports as a dependency or peer', () => {
    const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
    const undeclared = imports
      .filter(({ specifier }) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier))
      .filter(({ specifier }) => !declared.has(packageName(specifier)))
      .map(({ file, specifier }) => `${file}: ${specifier}`);
    expect(undeclared).toEqual([]);
  });

  it('keeps the library free of the tests and the sample app', () => {
    const leaks = imports.filter(({ specifier }) => /(^|\/)(test|sample-app)\//.test(specifier));
    expect(leaks).toEqual([]);
  });

  it('keeps the simulator independent of the services it stands in for', () => {
    const leaks = imports
      .filter(({ file }) => file.startsWith('lib/testing/'))
      .filter(({ file, specifier }) => {
        if (!specifier.startsWith('.')) return false;
        // Where the import leads, from the importing file: the simulator itself, or the crypto and errors it shares.
        const target = relative(root, join(root, dirname(file), specifier));
        return !/^lib\/(testing|crypto|errors)\//.test(target);
      });
    expect(leaks).toEqual([]);
  });

  it('keeps crypto pure: no Nest, no I/O', () => {
    const impure = imports
      .filter(({ file }) => file.startsWith('lib/crypto/'))
      .filter(
        ({ specifier }) => specifier.startsWith('@nestjs/') || specifier === 'typeorm' || /^node:(http|https|net|fs)$/.test(specifier),
      );
    expect(impure).toEqual([]);
  });

  it.each(['.', './testing'])('exports %s with types, require and default', (entry) => {
    expect(pkg.exports[entry]).toEqual({
      types: expect.stringMatching(/\.d\.ts$/),
      require: expect.stringMatching(/\.js$/),
      default: expect.stringMatching(/\.js$/),
    });
  });

  it('publishes only dist', () => {
    expect(pkg.files[0]).toBe('dist');
    expect(pkg.main).toBe('dist/index.js');
    expect(pkg.types).toBe('dist/index.d.ts');
  });

  it('builds before it packs (`prepack`), so that `npm pack` of an unbuilt tree still holds dist', () => {
    // scripts/check-pack.js (run in CI) packs a copy of the sources with no dist/ and checks the tarball.
    expect(pkg.scripts.prepack).toBe('npm run build');
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
  });

  it('keeps the peers that must be the host’s own copies out of dependencies', () => {
    for (const name of [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/passport',
      '@nestjs/typeorm',
      'typeorm',
      'passport',
      'class-validator',
      'class-transformer',
    ]) {
      expect(pkg.peerDependencies[name]).toBeDefined();
      expect(pkg.dependencies?.[name]).toBeUndefined();
    }
  });
});
