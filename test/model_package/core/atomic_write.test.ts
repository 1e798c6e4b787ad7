import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from '../../../model_package/core/atomic_write.js';

const dir = mkdtempSync(join(tmpdir(), 'htr-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['writeFileAtomic', writeFileAtomic],
  ['writeFileAtomicSync', async (file: string, data: string) => writeFileAtomicSync(file, data)],
] as const)('%s', (name, write) => {
  it('creates missing folders, replaces the old content and leaves no temporary file', async () => {
    const file = join(dir, name, 'nested', 'out.txt');
    await write(file, 'old');
    await write(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(join(dir, name, 'nested'))).toEqual(['out.txt']);
  });

  it('on failure removes its temporary file and leaves the target as it was', async () => {
    const target = join(dir, name, 'busy');
    mkdirSync(join(target, 'inner'), { recursive: true }); // a non-empty folder cannot be renamed over
    await expect(write(target, 'x')).rejects.toThrow();
    expect(readdirSync(join(dir, name)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(target)).toEqual(['inner']);
  });
});
