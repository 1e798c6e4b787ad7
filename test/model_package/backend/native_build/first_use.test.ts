/**
 * buildNativeOnFirstUse on real files with real (fake, fast) build scripts: which runs
 * build, what they say, the failure marker, and that nothing is left locked.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findNativeBuild } from '../../../../model_package/backend/index.js';
import { BUILD_LOG, buildNativeOnFirstUse, LOCK_FILE, MARKER_FILE, readFailureMarker, type FirstUseOptions } from '../../../../model_package/backend/native_build/index.js';
import { BUILD_ESTIMATE } from '../../../../model_package/backend/native_build/messages.js';
import { fakeWorld, type FakeWorld } from './fake_setup.js';

function run(w: FakeWorld, extra: Partial<FirstUseOptions> = {}): Promise<{ outcome: Awaited<ReturnType<typeof buildNativeOnFirstUse>>; lines: string[] }> {
  const lines: string[] = [];
  return buildNativeOnFirstUse({ accelerator: 'auto', dir: w.dir, script: w.script, env: w.env, log: (m) => lines.push(m), ...extra })
    .then((outcome) => ({ outcome, lines }));
}

describe('buildNativeOnFirstUse', () => {
  it('builds once with one announcement, step lines and a log, then continues', async () => {
    const w = fakeWorld();
    const { outcome, lines } = await run(w);
    expect(outcome).toMatchObject({ status: 'built', by: 'this' });
    const announce = lines.filter((l) => l.includes('Building the native TensorFlow backend'));
    expect(announce).toHaveLength(1);
    expect(announce[0]).toContain(BUILD_ESTIMATE);
    expect(announce[0]).toContain('HTR_NATIVE_BUILD=0');
    expect(announce[0]).toContain('--trainer.accelerator=wasm');
    expect(announce[0]).toContain(path.join(w.dir, BUILD_LOG));
    expect(lines.some((l) => /step 1\/2: fake download/.test(l))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/Built in \d+s; this run continues on native/);
    expect(readFileSync(path.join(w.dir, BUILD_LOG), 'utf8')).toContain('step 2/2: fake compile');
    expect(findNativeBuild(w.dir)).not.toBeNull();
    // The script was told where to build and that the lock is already held for it.
    expect(w.runs()).toEqual([expect.stringMatching(new RegExp(`^\\d+ 1 ${w.dir}$`))]);
    expect(existsSync(path.join(w.dir, LOCK_FILE))).toBe(false);
    expect(existsSync(path.join(w.dir, MARKER_FILE))).toBe(false);

    const again = await run(w);
    expect(again).toEqual({ outcome: { status: 'not-needed', why: 'native is available' }, lines: [] });
    expect(w.runs()).toHaveLength(1);
  });

  it('does nothing for an explicit accelerator, with HTR_NATIVE_BUILD=0, or under CI', async () => {
    const w = fakeWorld();
    expect((await run(w, { accelerator: 'wasm' })).outcome).toMatchObject({ status: 'not-needed' });
    expect((await run(w, { env: { ...w.env, HTR_NATIVE_BUILD: '0' } })).outcome).toEqual({ status: 'disabled', why: 'HTR_NATIVE_BUILD=0' });
    const ci = await run(w, { env: { ...w.env, CI: 'true' } });
    expect(ci).toEqual({ outcome: { status: 'disabled', why: 'CI' }, lines: [] });
    expect(w.runs()).toEqual([]);
    expect(existsSync(w.dir)).toBe(false);
  });

  it('a build in progress (no build.json yet) does not count as native', async () => {
    const w = fakeWorld({ buildJson: false });
    const { outcome, lines } = await run(w);
    expect(outcome).toMatchObject({ status: 'failed', reason: 'build-failed', attempted: true });
    expect(lines[lines.length - 1]).toMatch(/build\.json is missing/);
    expect(findNativeBuild(w.dir)).toBeNull();
  });

  it('a failed build says why in one line, records it, and is not retried until HTR_NATIVE_BUILD=1', async () => {
    const w = fakeWorld({ exitCode: 4, failedAt: 'pip download tensorflow-cpu' });
    const first = await run(w);
    expect(first.outcome).toEqual({ status: 'failed', reason: 'wheel-unavailable', detail: 'pip download tensorflow-cpu', attempted: true });
    const failure = first.lines[first.lines.length - 1] as string;
    expect(failure).toMatch(/^\[native\] Could not build the native backend \(the TensorFlow wheel could not be fetched: pip download tensorflow-cpu\); training on wasm/);
    expect(failure).toContain(`Log: ${path.join(w.dir, BUILD_LOG)}`);
    expect(failure).toContain('HTR_NATIVE_BUILD=1');
    expect(readFailureMarker(w.dir)).toMatchObject({ reason: 'wheel-unavailable', log: path.join(w.dir, BUILD_LOG) });

    const second = await run(w);
    expect(second.outcome).toMatchObject({ status: 'failed', attempted: false });
    expect(second.lines).toHaveLength(1);
    expect(second.lines[0]).toMatch(/Not building the native backend: it failed on \d{4}-\d\d-\d\d .*HTR_NATIVE_BUILD=1/);
    expect(w.runs()).toHaveLength(1);

    w.write({});
    // A changed setup script is a different key: the old failure no longer holds.
    const fixed = await run(w);
    expect(fixed.outcome).toMatchObject({ status: 'built', by: 'this' });
    expect(existsSync(path.join(w.dir, MARKER_FILE))).toBe(false);
    expect(w.runs()).toHaveLength(2);
  });

  it('HTR_NATIVE_BUILD=1 retries despite a recorded failure', async () => {
    const w = fakeWorld({ exitCode: 1, failedAt: 'node-gyp build of tfjs_binding' });
    expect((await run(w)).outcome).toMatchObject({ status: 'failed', reason: 'build-failed', detail: 'node-gyp build of tfjs_binding' });
    expect((await run(w)).outcome).toMatchObject({ attempted: false });
    expect((await run(w, { env: { ...w.env, HTR_NATIVE_BUILD: '1' } })).outcome).toMatchObject({ status: 'failed', attempted: true });
    expect(w.runs()).toHaveLength(2);
  });

  it('missing tools: no build, one line naming them, checked again on the next run', async () => {
    const w = fakeWorld({ missing: 'g++, make' });
    const { outcome, lines } = await run(w);
    expect(outcome).toEqual({ status: 'failed', reason: 'missing-tools', detail: 'g++, make', attempted: true });
    expect(lines).toEqual([expect.stringMatching(/^\[native\] Cannot build the native backend \(missing: g\+\+, make\); training on wasm/)]);
    expect(w.runs()).toEqual([]);
    expect(readFailureMarker(w.dir)?.reason).toBe('missing-tools');

    writeFileSync(w.toolsFlag, '');
    expect((await run(w)).outcome).toMatchObject({ status: 'built', by: 'this' });
  });

  it('prints a heartbeat while a step is long', async () => {
    const w = fakeWorld({ sleep: 1.5 });
    const { lines } = await run(w, { heartbeatMs: 300 });
    expect(lines.some((l) => /still building \(step 1\/2: fake download; output: /.test(l))).toBe(true);
  });

  it('takes over a lock left by a build that died', async () => {
    const w = fakeWorld();
    mkdirSync(w.dir, { recursive: true });
    const dead = await deadPid();
    writeFileSync(path.join(w.dir, LOCK_FILE), JSON.stringify({ pid: dead, host: (await import('node:os')).hostname(), started: '2020-01-01T00:00:00Z' }));
    const { outcome, lines } = await run(w, { pollMs: 20 });
    expect(outcome).toMatchObject({ status: 'built', by: 'this' });
    expect(lines.some((l) => l.includes('waiting'))).toBe(false);
  });
});

/** The pid of a process that has exited (so no live process has it, barring reuse in this instant). */
async function deadPid(): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn('true');
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}
