/**
 * The repo's file-level import graph, read from source text (no compiler: loading
 * TypeScript alone takes longer than the layering test may).
 *
 * Comments, template-literal text and the insides of regex literals are blanked
 * before matching, and every quoted string is swapped for a numbered placeholder,
 * so `from '...'` inside a comment or string is never mistaken for an import.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

/** Repo-relative posix path → repo-relative posix paths it imports. */
export type ImportGraph = Map<string, string[]>;

// A `/` after one of these (or after these keywords) starts a regex, not a division.
const REGEX_AFTER = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^']);
const REGEX_AFTER_WORD = /(?:^|[^\w$])(?:return|typeof|case|do|else|in|of|void|yield|await|throw|delete|new)$/;

/** Code with comments/template text/regex bodies blanked and strings as `"#<n>"`. */
function mask(source: string): { code: string; strings: string[] } {
  const strings: string[] = [];
  let out = '';
  let i = 0;
  const n = source.length;
  // Brace depths at which a `${` of an enclosing template literal was opened.
  const templateStack: number[] = [];
  let depth = 0;
  const lastSignificant = (): string => {
    const trimmed = out.trimEnd();
    return REGEX_AFTER_WORD.test(trimmed) ? '' : trimmed.slice(-1);
  };
  const readTemplate = (): void => {
    // At a template literal's text (just after ` or after the closing } of ${...}).
    while (i < n) {
      const c = source[i];
      if (c === '\\') { out += '  '; i += 2; continue; }
      if (c === '`') { out += '`'; i++; return; }
      if (c === '$' && source[i + 1] === '{') {
        out += '${';
        i += 2;
        templateStack.push(depth);
        depth++;
        return;
      }
      out += c === '\n' ? '\n' : ' ';
      i++;
    }
  };
  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < n && source[i] !== '\n') { out += ' '; i++; }
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      while (j < n && source[j] !== c && source[j] !== '\n') {
        if (source[j] === '\\') { text += source[j + 1] ?? ''; j += 2; } else { text += source[j]; j++; }
      }
      out += `"#${strings.length}"`;
      strings.push(text);
      i = j + 1;
    } else if (c === '`') {
      out += '`';
      i++;
      readTemplate();
    } else if (c === '/' && REGEX_AFTER.has(lastSignificant())) {
      let j = i + 1;
      let inClass = false;
      while (j < n && source[j] !== '\n') {
        const r = source[j];
        if (r === '\\') { j += 2; continue; }
        if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        j++;
      }
      out += '/' + ' '.repeat(Math.max(0, j - i - 1)) + '/';
      i = j + 1;
    } else if (c === '{') {
      depth++; out += c; i++;
    } else if (c === '}') {
      depth--;
      out += c;
      i++;
      if (templateStack.length > 0 && templateStack[templateStack.length - 1] === depth) {
        templateStack.pop();
        readTemplate();
      }
    } else {
      out += c; i++;
    }
  }
  return { code: out, strings };
}

const IMPORT_PATTERNS = [
  /\bfrom\s*"#(\d+)"/g, // import … from, export … from, import type … from
  /\bimport\s*\(\s*"#(\d+)"/g, // import('…'), typeof import('…')
  /\bimport\s*"#(\d+)"/g, // import '…' (side effects only)
];

/** Relative module specifiers ('./x.js', '../y/z.js') a source file imports, in order. */
export function relativeSpecifiers(source: string): string[] {
  const { code, strings } = mask(source);
  const found: Array<[number, string]> = [];
  for (const pattern of IMPORT_PATTERNS) {
    for (const m of code.matchAll(pattern)) {
      const spec = strings[Number(m[1])];
      if (spec.startsWith('./') || spec.startsWith('../')) found.push([m.index, spec]);
    }
  }
  return found.sort((a, b) => a[0] - b[0]).map(([, spec]) => spec);
}

function listTsFiles(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) listTsFiles(root, path, out);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
}

/**
 * Import graph of every .ts file under `dirs` (repo-relative) of `root`. A './x.js'
 * specifier resolves to x.ts when that exists (NodeNext style); targets keep their
 * repo-relative path even when they are outside `dirs`.
 */
export function buildImportGraph(root: string, dirs: string[]): ImportGraph {
  const files: string[] = [];
  for (const dir of dirs) listTsFiles(root, dir, files);
  const graph: ImportGraph = new Map();
  for (const file of files.sort()) {
    const targets = relativeSpecifiers(readFileSync(join(root, file), 'utf8')).map((spec) => {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      const asTs = target.replace(/\.js$/, '.ts');
      return asTs !== target && existsSync(join(root, asTs)) ? asTs : target;
    });
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/**
 * One concrete cycle (file list, first file repeated at the end) per strongly
 * connected group of files that import each other, directly or through others.
 */
export function findCycles(graph: ImportGraph): string[][] {
  // Tarjan's strongly connected components, iterative so deep graphs cannot overflow.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const edges = (v: string): string[] => (graph.get(v) ?? []).filter((w) => graph.has(w));
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<[string, number]> = [[start, 0]];
    index.set(start, counter); low.set(start, counter); counter++;
    stack.push(start); onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const [v, k] = frame;
      const out = edges(v);
      if (k < out.length) {
        frame[1]++;
        const w = out[k];
        if (!index.has(w)) {
          index.set(w, counter); low.set(w, counter); counter++;
          stack.push(w); onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do { w = stack.pop()!; onStack.delete(w); component.push(w); } while (w !== v);
        if (component.length > 1 || edges(v).includes(v)) components.push(component.sort());
      }
    }
  }
  return components.map((component) => shortestCycle(graph, component));
}

/** Shortest path from the component's first file back to itself, within the component. */
function shortestCycle(graph: ImportGraph, component: string[]): string[] {
  const members = new Set(component);
  const start = component[0];
  const previous = new Map<string, string>();
  const queue = [start];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = previous.get(u)!) path.unshift(u);
        path.unshift(start);
        return path;
      }
      if (!previous.has(w)) { previous.set(w, v); queue.push(w); }
    }
  }
  return [...component, start];
}
