/**
 * Stand-ins for scripts/setup_native.sh with its interface (--check, exit codes, "step k/n"
 * and "FAILED at" lines, HTR_NATIVE_DIR, build.json last) that finish in a blink, so the
 * first-use logic runs real processes on real files without touching the real .native/.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface FakeSetup {
  /** --check reports `missing` (exit 3) until the file `toolsFlag` exists. */
  readonly missing?: string;
  /** Build exit code (0: succeed) and its FAILED line. */
  readonly exitCode?: number;
  readonly failedAt?: string;
  /** Seconds the first step takes. */
  readonly sleep?: number;
  /** A successful build writes build.json (the completion mark) unless false. */
  readonly buildJson?: boolean;
}

export interface FakeWorld {
  readonly root: string;
  /** The native folder the code under test builds into (not created up front). */
  readonly dir: string;
  readonly script: string;
  /** Each build run appends "pid lock-held-flag native-dir" here. */
  readonly runsFile: string;
  readonly toolsFlag: string;
  /** A clean environment: no CI, no VITEST, no HTR_NATIVE_BUILD. */
  readonly env: NodeJS.ProcessEnv;
  runs(): string[];
  write(setup: FakeSetup): void;
}

export function fakeWorld(setup: FakeSetup = {}): FakeWorld {
  const root = mkdtempSync(path.join(tmpdir(), 'htr-native-build-'));
  const world: FakeWorld = {
    root,
    dir: path.join(root, 'native'),
    script: path.join(root, 'setup.sh'),
    runsFile: path.join(root, 'runs.txt'),
    toolsFlag: path.join(root, 'tools-installed'),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    runs: () => (existsSync(world.runsFile) ? readFileSync(world.runsFile, 'utf8').trim().split('\n').filter(Boolean) : []),
    write: (s) => writeFileSync(world.script, script(world, s)),
  };
  world.write(setup);
  return world;
}

function script(w: FakeWorld, s: FakeSetup): string {
  const code = s.exitCode ?? 0;
  return [
    'set -eu',
    'if [[ "${1:-}" == "--check" ]]; then',
    s.missing ? `  [[ -f '${w.toolsFlag}' ]] || { echo '[setup:native] missing: ${s.missing}' >&2; exit 3; }` : '',
    '  echo "[setup:native] prerequisites found"; exit 0',
    'fi',
    `echo "$$ \${HTR_NATIVE_LOCK_HELD:-no} \${HTR_NATIVE_DIR:-none}" >> '${w.runsFile}'`,
    'echo "[setup:native] step 1/2: fake download"',
    `sleep ${s.sleep ?? 0}`,
    code !== 0 ? `echo '[setup:native] FAILED at: ${s.failedAt ?? 'fake failure'}' >&2; exit ${code}` : '',
    'PKG="$HTR_NATIVE_DIR/node_modules/@tensorflow/tfjs-node/lib/napi-v8"',
    'mkdir -p "$PKG" && : > "$PKG/tfjs_binding.node"',
    'echo "[setup:native] step 2/2: fake compile"',
    s.buildJson === false ? '' : `echo '{"wheel":"fake.whl","flavor":"cpu"}' > "$HTR_NATIVE_DIR/build.json"`,
    '',
  ].join('\n');
}
