/**
 * One build at a time, across real processes: two training runs starting at once build
 * once (the second waits and uses the result); a live holder is waited for; the setup
 * script itself refuses to run beside a live lock.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findNativeBuild } from '../../../../model_package/backend/index.js';
import { LOCK_FILE, type FirstUseOutcome } from '../../../../model_package/backend/native_build/index.js';
import { acquireBuildLock } from '../../../../model_package/backend/native_build/build_lock.js';
import { fakeWorld } from './fake_setup.js';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const CHILD = path.join(import.meta.dirname, 'fixtures', 'first_use_child.ts');

interface ChildResult {
  readonly outcome: FirstUseOutcome;
  readonly lines: string[];
}

/** Starts a child; resolves `ready` once it waits for the go file, `done` with its JSON. */
function startChild(dir: string, script: string, go: string): { ready: Promise<void>; done: Promise<ChildResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, script, go], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<ChildResult>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.split('\n')[1] as string) as ChildResult) : reject(new Error(`child exited ${code}: ${err}`)))),
  );
  return { ready, done };
}

describe('build lock', () => {
  it('two training runs starting at once build once; the second waits and uses the result', async () => {
    const w = fakeWorld({ sleep: 2 });
    const go = path.join(w.root, 'go');
    const a = startChild(w.dir, w.script, go);
    const b = startChild(w.dir, w.script, go);
    await Promise.all([a.ready, b.ready]);
    writeFileSync(go, '');
    const results = await Promise.all([a.done, b.done]);
    expect(w.runs()).toHaveLength(1);
    const byThis = results.filter((r) => r.outcome.status === 'built' && r.outcome.by === 'this');
    const byOther = results.filter((r) => r.outcome.status === 'built' && r.outcome.by === 'another');
    expect(byThis).toHaveLength(1);
    expect(byOther).toHaveLength(1);
    // It says it waits, unless its own start was so slow that the build was over by then.
    const other = byOther[0]?.lines ?? [];
    if (other.length) {
      expect(other[0]).toMatch(/^\[native\] process \d+ is building the native backend; waiting for it/);
      expect(other[other.length - 1]).toMatch(/The other process finished the native build/);
    }
    expect(other.some((l) => l.includes('Building the native'))).toBe(false);
    expect(findNativeBuild(w.dir)).not.toBeNull();
  }, 60_000);

  it('waits for a live holder and tells who it is', async () => {
    const w = fakeWorld();
    mkdirSync(w.dir, { recursive: true });
    const file = path.join(w.dir, LOCK_FILE);
    const first = await acquireBuildLock(file);
    const waitedFor: Array<number | undefined> = [];
    let acquired = false;
    const second = acquireBuildLock(file, { pollMs: 20, onWait: (h) => waitedFor.push(h?.pid) }).then((lock) => {
      acquired = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(acquired).toBe(false);
    expect(waitedFor).toEqual([process.pid]);
    first.release();
    (await second).release();
    expect(acquired).toBe(true);
  });

  it('scripts/setup_native.sh refuses to build while a live process holds the lock (exit 5)', () => {
    const w = fakeWorld();
    const script = path.join(ROOT, 'scripts', 'setup_native.sh');
    // A missing wheel file makes the script stop at once should the lock ever not hold.
    const env = { ...process.env, HTR_NATIVE_DIR: w.dir, HTR_TF_WHEEL_FILE: path.join(w.root, 'absent.whl') };
    if (spawnSync('bash', [script, '--check'], { env }).status !== 0) return; // no g++/make here: the script stops before its lock
    mkdirSync(w.dir, { recursive: true });
    writeFileSync(path.join(w.dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), started: new Date().toISOString() }));
    const r = spawnSync('bash', [script], { env, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/another build holds/);
  });
});
