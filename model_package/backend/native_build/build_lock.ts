/**
 * One native build at a time: `.native/build.lock`, created only if absent (scripts/
 * setup_native.sh takes the same file, with O_EXCL, when run by hand). It holds the builder's pid, so a
 * lock left by a killed build is taken over instead of blocking every later run.
 */
import {
  closeSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const LOCK_FILE = 'build.lock';

export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

export interface BuildLock {
  readonly file: string;
  release(): void;
}

export interface AcquireOptions {
  /** How often to look again while another process holds the lock. */
  readonly pollMs?: number;
  /** Called once when the lock is busy (holder null: its file is still being written). */
  readonly onWait?: (holder: LockHolder | null) => void;
  /** Called every `heartbeatMs` while waiting, with the seconds waited so far. */
  readonly onStillWaiting?: (seconds: number) => void;
  readonly heartbeatMs?: number;
}

/** A lock file nobody could parse for this long was left by a writer that died mid-write. */
const UNREADABLE_STALE_MS = 10_000;

export async function acquireBuildLock(file: string, options: AcquireOptions = {}): Promise<BuildLock> {
  mkdirSync(path.dirname(file), { recursive: true });
  const pollMs = options.pollMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const start = Date.now();
  let lastBeat = start;
  let waiting = false;
  for (;;) {
    const mine = tryCreate(file);
    if (mine) return mine;
    const seen = readLock(file);
    if (!seen) continue; // released between our create and our read
    if (isStale(seen)) {
      takeOver(file, seen.raw);
      continue;
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(seen.holder);
    }
    if (Date.now() - lastBeat >= heartbeatMs) {
      lastBeat = Date.now();
      options.onStillWaiting?.(Math.round((lastBeat - start) / 1000));
    }
    await sleep(pollMs);
  }
}

function tryCreate(file: string): BuildLock | null {
  const holder: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const raw = `${JSON.stringify(holder)}\n`;
  // Written aside, then hard-linked into place (fails if the lock exists), so a reader
  // never finds it empty and always learns whose it is.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, raw);
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    if (!createExclusive(file, raw)) return null; // a filesystem without hard links
  } finally {
    rmSync(tmp, { force: true });
  }
  // process.exit() before release() (mid-build): remove it now rather than leave it to stale detection.
  const onExit = (): void => removeIfOurs(file, raw);
  process.once('exit', onExit);
  return {
    file,
    release: () => {
      process.removeListener('exit', onExit);
      removeIfOurs(file, raw);
    },
  };
}

function createExclusive(file: string, raw: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, raw);
  } finally {
    closeSync(fd);
  }
  return true;
}

interface SeenLock {
  readonly raw: string;
  readonly holder: LockHolder | null;
  readonly mtimeMs: number;
}

function readLock(file: string): SeenLock | null {
  try {
    const raw = readFileSync(file, 'utf8');
    const { mtimeMs } = statSync(file);
    return { raw, holder: parseHolder(raw), mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

function parseHolder(raw: string): LockHolder | null {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (!Number.isInteger(value.pid)) return null;
    return { pid: value.pid as number, host: String(value.host ?? ''), started: String(value.started ?? '') };
  } catch {
    return null;
  }
}

function isStale(seen: SeenLock): boolean {
  if (!seen.holder) return Date.now() - seen.mtimeMs > UNREADABLE_STALE_MS;
  // Another host sharing this folder: its pid means nothing here, so wait for it.
  if (seen.holder.host && seen.holder.host !== hostname()) return false;
  return !isAlive(seen.holder.pid);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the stale lock `staleRaw`. Rename first, then look: if a third process had
 * already replaced the stale file with its own live lock, put that one back.
 */
function takeOver(file: string, staleRaw: string): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved !== staleRaw) {
    try {
      linkSync(aside, file);
    } catch {
      // Someone created a new lock meanwhile; theirs stands.
    }
  }
  unlinkSync(aside);
}

function removeIfOurs(file: string, raw: string): void {
  try {
    if (readFileSync(file, 'utf8') === raw) unlinkSync(file);
  } catch {
    // Already gone.
  }
}
