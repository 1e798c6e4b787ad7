import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureRawFiles, loadRawMetadata } from '../../../../model_package/data/sources/raw_data.js';
import { isHtrError } from '../../../../model_package/errors.js';
import { startFakeDrive, type FakeDrive } from '../../../fixtures/drive/fake_drive_server.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const a = Buffer.from('first raw file\n'.repeat(1000));
const b = Buffer.from('second raw file\n'.repeat(500));

let dir: string;
let drive: FakeDrive;
const metaDir = () => path.join(dir, 'raw');

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'htr-raw-'));
  await mkdir(path.join(metaDir(), 'toy'), { recursive: true });
  await writeFile(path.join(metaDir(), 'toy', 'metadata.yaml'), [
    'description: two toy files',
    'files:',
    `  - name: a.bin\n    drive_id: id-a\n    sha256: ${sha256(a).toUpperCase()}`,
    `  - name: b.bin\n    drive_id: id-b\n    sha256: ${sha256(b)}`,
    '',
  ].join('\n'));
  drive = await startFakeDrive({ 'id-a': { content: a }, 'id-b': { content: b } });
});
afterEach(async () => drive.close());

describe('loadRawMetadata', () => {
  it('reads names, drive ids and (lower-cased) sha256s', async () => {
    const meta = await loadRawMetadata('toy', metaDir());
    expect(meta.files).toEqual([
      { name: 'a.bin', drive_id: 'id-a', sha256: sha256(a) },
      { name: 'b.bin', drive_id: 'id-b', sha256: sha256(b) },
    ]);
  });

  it('rejects a bad sha256 naming the file and key', async () => {
    await writeFile(path.join(metaDir(), 'toy', 'metadata.yaml'), 'files:\n  - name: a.bin\n    sha256: nothex\n');
    const err = await loadRawMetadata('toy', metaDir()).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_BAD_DATA_FILE')).toBe(true);
    expect((err as Error).message).toMatch(/metadata\.yaml.*files\.0\.sha256/);
  });

  it('a missing metadata file is HTR_ERR_MISSING_FILE', async () => {
    const err = await loadRawMetadata('nope', metaDir()).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_MISSING_FILE')).toBe(true);
  });
});

describe('ensureRawFiles', () => {
  const opts = () => ({ metadataDir: metaDir(), downloadDir: path.join(dir, 'dl'), drive: { rootUrl: drive.rootUrl, apiKey: 'k', retries: 0 } });

  it('downloads each file once; a second call reuses the verified copies', async () => {
    const got = await ensureRawFiles('toy', opts());
    expect([...got.keys()]).toEqual(['a.bin', 'b.bin']);
    expect(await readFile(got.get('a.bin') as string)).toEqual(a);
    const mediaRequests = () => drive.requests.filter((r) => r.query.get('alt') === 'media').length;
    expect(mediaRequests()).toBe(2);
    await ensureRawFiles('toy', opts());
    expect(mediaRequests()).toBe(2);
  });

  it('re-downloads a local copy that no longer matches its sha256', async () => {
    const got = await ensureRawFiles('toy', opts());
    await writeFile(got.get('b.bin') as string, 'corrupted');
    await ensureRawFiles('toy', opts());
    expect(await readFile(got.get('b.bin') as string)).toEqual(b);
  });

  it('raw_dir skips Drive entirely and verifies the files', async () => {
    const rawDir = path.join(dir, 'mine');
    await mkdir(rawDir);
    await writeFile(path.join(rawDir, 'a.bin'), a);
    await writeFile(path.join(rawDir, 'b.bin'), b);
    const got = await ensureRawFiles('toy', { ...opts(), rawDir });
    expect(got.get('a.bin')).toBe(path.join(rawDir, 'a.bin'));
    expect(drive.requests).toHaveLength(0);
    await writeFile(path.join(rawDir, 'b.bin'), 'other');
    const err = await ensureRawFiles('toy', { ...opts(), rawDir }).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_CHECKSUM_MISMATCH')).toBe(true);
    expect((err as Error).message).toContain('b.bin');
  });

  it('a file missing from raw_dir is HTR_ERR_MISSING_FILE', async () => {
    const rawDir = path.join(dir, 'empty');
    await mkdir(rawDir);
    const err = await ensureRawFiles('toy', { ...opts(), rawDir }).catch((e: unknown) => e);
    expect(isHtrError(err, 'HTR_ERR_MISSING_FILE')).toBe(true);
    expect(await readdir(rawDir)).toEqual([]);
  });
});
