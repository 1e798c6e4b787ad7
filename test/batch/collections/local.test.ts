/**
 * `htr_batch --local`: in-process runs against the SQLite store. Resume, shards,
 * failures and retry-failed, search across merged stores, the export formats,
 * and a real model through Predictor.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../batch/collections/cli.js';
import { ResultStore } from '../../../batch/collections/result_store.js';
import { sha256 } from '../../../batch/collections/page_source.js';
import { tinyCheckpoint, useCpu } from '../../serving/helpers.js';
import { writePages } from './helpers.js';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { code, stdout, stderr };
}

describe('htr_batch --local', () => {
  let dir: string;
  let pages: Array<{ file: string; hash: string }>;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'htr-local-'));
    pages = await writePages(path.join(dir, 'pages'), 12, 3);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--shard i/n slices cover every page exactly once, and a re-run resumes (nothing done twice)', async () => {
    const db = path.join(dir, 'shards.db');
    for (let i = 0; i < 3; i++) {
      const r = await run(['submit', path.join(dir, 'pages'), '--collection', 'c', '--local', '--shard', `${i}/3`, '--ckpt_path', 'fake:segment', '--db', db]);
      expect(r.code, r.stderr).toBe(0);
    }
    const store = new ResultStore(db);
    const stored = [...store.pages()];
    store.close();
    expect(stored.map((p) => p.pageHash).sort()).toEqual(pages.map((p) => p.hash).sort());
    const again = await run(['submit', path.join(dir, 'pages'), '--collection', 'c', '--local', '--ckpt_path', 'fake:segment', '--db', db]);
    expect(again.stderr).toContain('12 already done or failed, 0 to do');
    expect((await run(['submit', 'x', '--collection', 'c', '--local', '--shard', '3/3'])).code).toBe(2);
  });

  it('a corrupt page is a failure with its reason that a re-run skips and retry-failed --local runs again', async () => {
    const pdir = path.join(dir, 'bad');
    await writePages(pdir, 2, 2);
    const broken = path.join(pdir, 'zz_broken.png');
    writeFileSync(broken, 'garbage');
    const db = path.join(dir, 'bad.db');
    await run(['submit', pdir, '--collection', 'b', '--local', '--ckpt_path', 'fake:segment', '--db', db]);
    let store = new ResultStore(db);
    expect(store.failures()).toEqual([expect.objectContaining({ file: broken, code: 'HTR_ERR_BAD_IMAGE', attempts: 1 })]);
    expect(store.counts()).toEqual([expect.objectContaining({ collection: 'b', done: 2, failed: 1, lines: 4 })]);
    store.close();
    // A re-run keeps it failed (the same resume rule as the queue's failed list)...
    expect((await run(['submit', pdir, '--collection', 'b', '--local', '--ckpt_path', 'fake:segment', '--db', db])).stderr).toContain('0 to do');
    // ...and retry-failed runs it again; still corrupt, so it fails again.
    const r = await run(['retry-failed', '--local', '--ckpt_path', 'fake:segment', '--db', db]);
    expect(r.stderr).toContain('retried 1 pages: 0 stored, 1 failed again');
    store = new ResultStore(db);
    expect(store.failures()[0]?.attempts).toBe(1);
    store.close();
  });

  it('search merges several stores; export writes jsonl, txt, PAGE-XML and ALTO', async () => {
    const a = path.join(dir, 'a.db');
    const b = path.join(dir, 'b.db');
    await run(['submit', path.join(dir, 'pages'), '--collection', 'm', '--local', '--shard', '0/2', '--ckpt_path', 'fake:segment', '--db', a]);
    await run(['submit', path.join(dir, 'pages'), '--collection', 'm', '--local', '--shard', '1/2', '--ckpt_path', 'fake:segment', '--db', b]);
    for (const p of pages) {
      const hit = await run(['search', `p${p.hash.slice(0, 8)} line 3`, '--db', `${a},${b}`, '--json']);
      expect(JSON.parse(hit.stdout.split('\n')[0] as string)).toMatchObject({ file: p.file, line: 2, text: `p${p.hash.slice(0, 8)} line 3` });
    }
    expect((await run(['search', 'Manchester', '--db', a])).code).toBe(1);

    const jsonl = (await run(['export', '--format', 'jsonl', '--db', `${a},${b}`])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl.map((r) => r.file)).toEqual(pages.map((p) => p.file));
    expect(jsonl[0].lines).toHaveLength(3);
    expect(jsonl[0].lines[0]).toMatchObject({ text: `p${pages[0]!.hash.slice(0, 8)} line 1`, confidence: 1, box: { left: expect.any(Number) } });
    for (const format of ['page-xml', 'alto']) {
      const out = path.join(dir, format);
      expect((await run(['export', '--format', format, '--db', `${a},${b}`, '--output', out])).code).toBe(0);
      const files = readdirSync(out);
      expect(files).toHaveLength(12);
      const xml = readFileSync(path.join(out, files[0] as string), 'utf8');
      expect(xml).toContain(`p${pages[0]!.hash.slice(0, 8)} line 2`);
      expect(xml).toContain(format === 'alto' ? 'alto/ns-v4' : 'PAGE/gts/pagecontent');
    }
    expect((await run(['export', '--format', 'alto', '--db', a])).code).toBe(2);
    expect((await run(['search', 'x', '--db', path.join(dir, 'missing.db')])).code).toBe(2);
  });

  it('a real checkpoint: lines recognized through Predictor, stored with the checkpoint sha256 as model id', async () => {
    const ckpt = path.join(dir, 'tiny.ckpt');
    await useCpu();
    await tinyCheckpoint(ckpt);
    const db = path.join(dir, 'model.db');
    const r = await run(['submit', path.join(dir, 'pages'), '--collection', 'real', '--local', '--ckpt_path', ckpt, '--accelerator', 'cpu', '--db', db, '--shard', '0/4']);
    expect(r.code, r.stderr).toBe(0);
    const store = new ResultStore(db);
    const stored = [...store.pages()];
    store.close();
    expect(stored.length).toBeGreaterThan(0);
    for (const p of stored) {
      expect(p.modelId).toBe(sha256(readFileSync(ckpt)));
      expect(p.lines).toHaveLength(3);
      for (const l of p.lines) {
        expect(l.chars.map((c) => c.char).join('')).toBe(l.text);
        expect(l.confidence).toBeGreaterThan(0);
      }
    }
  });
});
