/** bench/run_all.ts finds the bench scripts, reads their declared args, and parses their JSON output. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchScripts, declaredArgs } from '../../bench/run_all.js';
import { parseJsonOutput, runCommand } from '../../bench/lib/run_script.js';

describe('bench/run_all', () => {
  it('lists every top-level .ts script except itself, sorted; helpers live in bench/lib', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'htr-bench-'));
    for (const f of ['b.ts', 'a.ts', 'run_all.ts', 'notes.md']) writeFileSync(path.join(dir, f), '');
    expect(benchScripts(dir)).toEqual(['a.ts', 'b.ts']);
    expect(benchScripts()).toContain('train_step.ts');
    expect(benchScripts()).not.toContain('run_all.ts');
  });

  it('reads a bench:args line from the header comment only', () => {
    expect(declaredArgs('/**\n * Times X.\n *\n * bench:args --json --reps 3\n */\n')).toEqual(['--json', '--reps', '3']);
    expect(declaredArgs('// nothing declared\n')).toEqual([]);
    expect(declaredArgs('\n'.repeat(50) + '// bench:args --late\n')).toEqual([]);
  });

  it('parses a JSON document, or the last JSON line after log lines, else null', () => {
    expect(parseJsonOutput('{\n "a": 1\n}\n')).toEqual({ a: 1 });
    expect(parseJsonOutput('[backend] using wasm\n{"train_step_ms": 5}\n')).toEqual({ train_step_ms: 5 });
    expect(parseJsonOutput('no json here')).toBeNull();
  });

  it('captures exit code and output of a child process', async () => {
    const run = await runCommand(process.execPath, ['-e', 'console.log(JSON.stringify({ok:true})); process.exit(3)'], process.cwd());
    expect(run.code).toBe(3);
    expect(run.json).toEqual({ ok: true });
  });
});
