/**
 * Shared setup of the IAM data-module tests: a generated IAM-format fixture in a
 * fresh temp dir, stderr silenced meanwhile (the fixture's malformed form is
 * reported there), and every tracked module closed at the end.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { makeIamFixture, type IamFixture } from '../fixtures/iam/make_iam_fixture.js';

export interface IamSuite {
  /** The temp dir (the fixture is at `<dir>/IAM`); set in beforeAll. */
  readonly dir: string;
  readonly fx: IamFixture;
  /** Closes `m` (its augmentation workers) after the suite. */
  track<T extends { close(): Promise<void> }>(m: T): T;
}

/** Registers the suite's beforeAll/afterAll; call at the top level of a test file. */
export function useIamFixture(prefix: string): IamSuite {
  let dir: string | undefined;
  let fx: IamFixture | undefined;
  const open: { close(): Promise<void> }[] = [];
  const stderrWrite = process.stderr.write;
  beforeAll(async () => {
    process.stderr.write = (() => true) as typeof process.stderr.write;
    dir = await mkdtemp(path.join(tmpdir(), prefix));
    fx = await makeIamFixture(path.join(dir, 'IAM'));
  });
  afterAll(async () => {
    process.stderr.write = stderrWrite;
    await Promise.all(open.map((m) => m.close()));
  });
  return {
    get dir() {
      return dir as string;
    },
    get fx() {
      return fx as IamFixture;
    },
    track(m) {
      open.push(m);
      return m;
    },
  };
}
