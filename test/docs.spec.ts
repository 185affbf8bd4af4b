/**
 * The documentation cannot rot: every TypeScript sample in README.md and docs/*.md is type-checked
 * against the library's sources, every shell sample is parsed by bash, every JSON sample is parsed,
 * and every link between the pages leads to a file and heading that exist. (The curl walk-through
 * of docs/try-it.md is also run, against the started sample app, by scripts/walkthrough.sh in CI.)
 *
 * A ```ts sample is one module, as a reader would paste it into a file: it brings its own imports.
 * Imports of the reader's own files (`./app.module`) are the only thing left unresolved.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..');

interface Sample {
  /** `docs/pay-v2.md:120`: where the sample's first line is. */
  where: string;
  lang: string;
  code: string;
}

function pages(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join('docs', name));
  return ['README.md', ...docs.sort()];
}

/** The fenced code blocks of a Markdown page, with the line each starts on. */
function samplesOf(page: string): Sample[] {
  const lines = readFileSync(join(root, page), 'utf8').split('\n');
  const samples: Sample[] = [];
  let open: { lang: string; fence: string; start: number; indent: number; body: string[] } | undefined;
  lines.forEach((line, index) => {
    if (!open) {
      const start = /^(\s*)(```+)\s*([\w-]*)\s*$/.exec(line);
      if (start) open = { lang: start[3] || 'text', fence: start[2], start: index + 2, indent: start[1].length, body: [] };
      return;
    }
    if (line.trim() === open.fence) {
      samples.push({ where: `${page}:${open.start}`, lang: open.lang, code: open.body.join('\n') + '\n' });
      open = undefined;
    } else {
      open.body.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
    }
  });
  if (open) throw new Error(`${page}:${open.start - 1}: a code fence is never closed`);
  return samples;
}

const samples = pages().flatMap(samplesOf);
const ofLang = (...langs: string[]) => samples.filter((s) => langs.includes(s.lang));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(page: string): Set<string> {
  const text = readFileSync(join(root, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading] of text.matchAll(/^#{1,6} (.+)$/gm)) {
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count ? `${base}-${count}` : base);
  }
  return anchors;
}

describe('documentation', () => {
  it('has the guides README.md links to, and every page is linked from README.md', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const linked = new Set([...readme.matchAll(/\]\((docs\/[^)#]+\.md)/g)].map((m) => m[1]));
    const unlinked = pages().filter((page) => page !== 'README.md' && !linked.has(page));
    expect(unlinked).toEqual([]);
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const page of pages()) {
      const text = readFileSync(join(root, page), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto: not ours to check
        const [file, anchor] = target.split('#');
        const path = file ? relative(root, resolve(root, dirname(page), file)) : page;
        if (!existsSync(join(root, path))) broken.push(`${page}: ${target} (no ${path})`);
        else if (anchor && path.endsWith('.md') && !anchorsOf(path).has(anchor)) broken.push(`${page}: ${target} (no heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('labels every code sample with its language', () => {
    const known = ['ts', 'bash', 'json', 'text', 'xml', 'http'];
    expect(samples.filter((s) => !known.includes(s.lang)).map((s) => `${s.where}: ${s.lang}`)).toEqual([]);
  });

  it('has shell samples that bash can parse', () => {
    const bad = ofLang('bash').flatMap((sample) => {
      try {
        execFileSync('bash', ['-n'], { input: sample.code, stdio: ['pipe', 'ignore', 'pipe'] });
        return [];
      } catch (error) {
        return [`${sample.where}: ${String((error as { stderr?: Buffer }).stderr ?? error)}`];
      }
    });
    expect(bad).toEqual([]);
  });

  it('has JSON samples that parse', () => {
    const bad = ofLang('json').flatMap((sample) => {
      try {
        JSON.parse(sample.code);
        return [];
      } catch (error) {
        return [`${sample.where}: ${(error as Error).message}`];
      }
    });
    expect(bad).toEqual([]);
  });

  it('has TypeScript samples that compile against the library', () => {
    const tsSamples = ofLang('ts');
    expect(tsSamples.length).toBeGreaterThan(20);
    // Each sample is a module file of its own in a folder that does not exist, so that imports of
    // packages resolve from the project's node_modules and nothing is written to disk.
    const dir = join(root, '.docs-samples');
    const files = new Map(tsSamples.map((sample, i) => [join(dir, `sample${i}.ts`), sample]));
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Preserve,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      lib: ['lib.es2022.d.ts'],
      types: ['node', 'jest'],
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      useDefineForClassFields: false,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      moduleDetection: ts.ModuleDetectionKind.Force,
      baseUrl: root,
      paths: { 'nestjs-miniprogram-api': ['lib/index.ts'], 'nestjs-miniprogram-api/testing': ['lib/testing/index.ts'] },
    };
    const host = ts.createCompilerHost(options);
    const { fileExists, readFile, getSourceFile } = host;
    host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
    host.readFile = (name) => files.get(name)?.code ?? readFile.call(host, name);
    host.getSourceFile = (name, language, ...rest) => {
      const sample = files.get(name);
      return sample ? ts.createSourceFile(name, sample.code, language) : getSourceFile.call(host, name, language, ...rest);
    };
    const program = ts.createProgram([...files.keys()], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && files.has(d.file.fileName))
      // The reader's own files (`import { AppModule } from './app.module'`) are not part of the sample.
      .filter((d) => !(d.code === 2307 && /'\.\.?\//.test(ts.flattenDiagnosticMessageText(d.messageText, ''))))
      .map((d) => {
        const sample = files.get(d.file!.fileName)!;
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        const [page, start] = sample.where.split(':');
        return `${page}:${Number(start) + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    expect(problems).toEqual([]);
  }, 180_000);
});
