/**
 * The layout's dependency rules, checked on the real import graph of the shipped
 * code (model_package/, serving/, training/, bench/). Type-only imports count:
 * they couple files just as much and turn into value imports with one edit.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildImportGraph, findCycles, relativeSpecifiers, type ImportGraph } from './helpers/import_graph.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const graph = buildImportGraph(ROOT, ['model_package', 'serving', 'training', 'bench']);

/** "from → to" for every import of a file under `from` that `forbidden` rejects. */
function violations(g: ImportGraph, from: string, forbidden: (target: string) => boolean): string[] {
  const found: string[] = [];
  for (const [file, targets] of g) {
    if (!file.startsWith(from)) continue;
    for (const target of targets) if (forbidden(target)) found.push(`${file} → ${target}`);
  }
  return found;
}

describe('import parsing', () => {
  it('finds every relative import form and ignores comments, strings and packages', () => {
    const source = [
      "// import { a } from './commented.js';",
      "/* export * from './block.js' */",
      "import type { X } from './types.js';",
      'import {\n  a,\n  b,\n} from "../multi.js";',
      "export { c } from './re.js';",
      "export * as ns from './ns.js';",
      "import './side_effect.js';",
      "import * as tf from '@tensorflow/tfjs-core';",
      "const s = \"from './in_string.js'\";",
      "const t = `import('./in_template.js') ${cond ? '{' : '}'}`;",
      "const r = /['\"]from '.\\/in_regex.js'/;",
      "async function f() { await import('./dynamic.js'); type T = typeof import('./type_query.js'); }",
    ].join('\n');
    expect(relativeSpecifiers(source)).toEqual([
      './types.js', '../multi.js', './re.js', './ns.js', './side_effect.js', './dynamic.js', './type_query.js',
    ]);
  });

  it('reports a cycle with its files, and none in a chain', () => {
    const chain: ImportGraph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', []]]);
    expect(findCycles(chain)).toEqual([]);
    const loop: ImportGraph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['d.ts']]]);
    expect(findCycles(loop)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts'], ['d.ts', 'd.ts']]);
  });

  it('reads the real tree (.js specifiers resolve to .ts files)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('model_package/index.ts')).toContain('model_package/data/index.ts');
  });
});

describe('layering', () => {
  it('has no import cycle between files', () => {
    const cycles = findCycles(graph).map((cycle) => cycle.join(' → '));
    expect(cycles, `import cycles:\n${cycles.join('\n')}`).toEqual([]);
  });

  it('model_package/models/ imports nothing from model_package/data/ or model_package/training/', () => {
    const bad = violations(graph, 'model_package/models/', (t) =>
      t.startsWith('model_package/data/') || t.startsWith('model_package/training/'));
    expect(bad).toEqual([]);
  });

  it('serving/ imports nothing from training/', () => {
    expect(violations(graph, 'serving/', (t) => t.startsWith('training/'))).toEqual([]);
  });

  it('model_package/core/ imports only core/ and model_package/errors.ts', () => {
    const bad = violations(graph, 'model_package/core/', (t) =>
      !t.startsWith('model_package/core/') && t !== 'model_package/errors.ts');
    expect(bad).toEqual([]);
  });
});
