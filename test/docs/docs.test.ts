/**
 * README.md and docs/ cite files, folders, links and error codes; these checks fail
 * when a move or rename leaves the documentation pointing at something that is gone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../model_package/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return markdownFiles(p);
    return e.name.endsWith('.md') ? [p] : [];
  });
}

const DOCS = [path.join(ROOT, 'README.md'), ...markdownFiles(path.join(ROOT, 'docs'))];
const read = (file: string) => readFileSync(file, 'utf8');
const rel = (file: string) => path.relative(ROOT, file);

/** Folders of .gitignore (`runs/`, `data/processed/`): generated on use, so docs may name what does not exist yet. */
const IGNORED = read(path.join(ROOT, '.gitignore'))
  .split('\n')
  .map((l) => l.trim().replace(/^\//, ''))
  .filter((l) => l.endsWith('/') && !l.startsWith('#'));

/** Top-level folders that hold tracked files. */
function trackedTopFolders(): string[] {
  return readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !IGNORED.includes(`${e.name}/`))
    .map((e) => e.name);
}

/** Heading slugs as GitHub makes them ("## Micro-batching, limits" -> "micro-batching-limits"). */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const m = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (m) slugs.add(m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return slugs;
}

/**
 * Repository paths cited in text: a token that starts with a tracked top-level folder and
 * names a file (has an extension) or a folder (ends in "/"). Metric names such as
 * `test/cer` are neither. Before a placeholder (`<run-id>`, `*`) only the folder part counts.
 */
function citedPaths(text: string, topFolders: readonly string[]): string[] {
  const re = new RegExp(`(?<![\\w./-])((?:${topFolders.join('|')})/[\\w./-]*)(.?)`, 'g');
  const out: string[] = [];
  // Link targets are relative to the page, not the root; the link check covers them.
  for (const m of text.replace(/\]\([^)]*\)/g, ']()').matchAll(re)) {
    let p = m[1]!;
    if ('<*{…'.includes(m[2]!) && m[2] !== '') p = p.slice(0, p.lastIndexOf('/') + 1);
    else p = p.replace(/[.,:]+$/, '');
    if (p.endsWith('/') || /\.[A-Za-z0-9]+$/.test(path.basename(p))) out.push(p);
  }
  return out;
}

describe('documentation', () => {
  const top = trackedTopFolders();

  it('finds the README and the docs pages', () => {
    expect(DOCS.map(rel)).toEqual(expect.arrayContaining(['README.md', 'docs/errors.md', 'docs/benchmarks.md']));
  });

  it('every repository path it cites exists', () => {
    const missing = DOCS.flatMap((f) =>
      citedPaths(read(f), top)
        .filter((p) => !IGNORED.some((dir) => p.startsWith(dir)) && !existsSync(path.join(ROOT, p)))
        .map((p) => `${rel(f)}: ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('every relative link resolves to a file inside the repository, and every #anchor to a heading', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      for (const m of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue; // http(s), mailto
        const [linkPath, anchor] = target.split('#') as [string, string | undefined];
        const resolved = linkPath ? path.resolve(path.dirname(file), linkPath) : file;
        if (!resolved.startsWith(ROOT + path.sep) || !existsSync(resolved)) {
          broken.push(`${rel(file)}: ${target}`);
        } else if (anchor && (statSync(resolved).isDirectory() || !headingSlugs(read(resolved)).has(anchor))) {
          broken.push(`${rel(file)}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only HTR_ERR_* codes that model_package/errors.ts defines', () => {
    const unknown = DOCS.flatMap((f) =>
      [...new Set(read(f).match(/HTR_ERR_[A-Z0-9_]+/g) ?? [])].filter((c) => !c.endsWith('_') && !(c in ERROR_CODES)).map((c) => `${rel(f)}: ${c}`),
    );
    expect(unknown).toEqual([]);
  });

  it('is written for users: no internal owner markers, no paths outside the repository', () => {
    const offending = DOCS.flatMap((f) => {
      const text = read(f);
      return [/<!--\s*owner/i, /(?<![\w.])\.\.\/shared\//].filter((re) => re.test(text)).map((re) => `${rel(f)}: ${re}`);
    });
    expect(offending).toEqual([]);
  });

  it('path and slug helpers read what a reader would follow', () => {
    const top2 = ['model_package', 'test', 'bench'];
    expect(citedPaths('see `model_package/data/registry.ts`, then test/model_package/ and bench/results/<x>.json', top2)).toEqual([
      'model_package/data/registry.ts',
      'test/model_package/',
      'bench/results/',
    ]);
    expect(citedPaths('metrics test/cer and https://x.io/test/a.ts and [a](test/b.md)', top2)).toEqual([]);
    expect([...headingSlugs('# A\n## Micro-batching, limits, shutdown\n```\n# not a heading\n```\n### `--print_config`')]).toEqual([
      'a',
      'micro-batching-limits-shutdown',
      '--print_config',
    ]);
  });
});
