import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { predictMain, listInputs, readDone, globMatcher } from '../../batch/predict_cli.js';
import { Predictor } from '../../model_package/inference/predictor.js';
import { loadRecognizerFromCheckpoint } from '../../model_package/checkpoint/checkpoint.js';
import { parsePageXml } from '../../model_package/data/own/page_xml.js';
import { CharNgramLm, saveLanguageModel } from '../../model_package/lm/index.js';
import { buildMapping } from '../../model_package/core/tokenizer.js';
import { zipFolder } from '../fixtures/zip_writer.js';
import { linePng, tinyCheckpoint, useCpu } from '../serving/helpers.js';

let dir: string;
let ckpt: string;
let images: string;
const good = ['a.png', 'b.jpg', 'sub/c.png', 'sub/deeper/d.webp', 'e.png'];

class Capture {
  text = '';
  isTTY = false;
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

async function run(args: string[]): Promise<{ code: number; err: string }> {
  const stderr = new Capture();
  const code = await predictMain({ trainer: { accelerator: 'cpu' } }, ['--ckpt_path', ckpt, ...args], { stdout: new Capture(), stderr });
  return { code, err: stderr.text };
}

function records(file: string): Array<{ file: string; text?: string; confidence?: number; latency_ms?: number; error?: { code: string } }> {
  return readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

beforeAll(async () => {
  await useCpu();
  dir = mkdtempSync(join(tmpdir(), 'htr-predict-'));
  ckpt = join(dir, 'tiny.ckpt');
  await tinyCheckpoint(ckpt);
  images = join(dir, 'images');
  mkdirSync(join(images, 'sub/deeper'), { recursive: true });
  for (const [i, f] of good.entries()) {
    const format = f.endsWith('.jpg') ? 'jpeg' : f.endsWith('.webp') ? 'webp' : 'png';
    // One width for all: lines batched together are padded to the widest, which nudges
    // the others' scores; equal widths keep the CLI comparable with one-at-a-time calls.
    writeFileSync(join(images, f), await linePng(30 + i, 200, 32, format));
  }
  writeFileSync(join(images, 'broken.png'), Buffer.from('definitely not a png'));
  writeFileSync(join(images, 'notes.txt'), 'not an image, ignored');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('run_experiment predict', () => {
  it('transcribes a folder in batches to JSONL and PAGE-XML; bad files are reported and skipped', async () => {
    const out = join(dir, 'out1.jsonl');
    const xml = join(dir, 'xml');
    const before = tf.memory().numTensors;
    const { code, err } = await run(['--input', images, '--output', out, '--batch_size', '2', '--page_xml', xml]);
    expect(code).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const recs = records(out);
    expect(recs.map((r) => r.file).sort()).toEqual([...good, 'broken.png'].map((f) => join(images, f)).sort());
    const bad = recs.find((r) => r.file.endsWith('broken.png'));
    expect(bad?.error?.code).toBe('HTR_ERR_BAD_IMAGE');
    expect(err).toMatch(/skipped .*broken\.png: HTR_ERR_BAD_IMAGE/);
    expect(err).toMatch(/6\/6 100% .* ETA/);

    // Same answers as the library called directly.
    const recognizer = await loadRecognizerFromCheckpoint(ckpt);
    const predictor = new Predictor(recognizer);
    for (const r of recs.filter((x) => !x.error)) {
      const direct = await predictor.predict(readFileSync(r.file));
      expect(r.text).toBe(direct.text);
      expect(r.confidence).toBeCloseTo(direct.confidence, 5);
      expect(r.latency_ms).toBeGreaterThan(0);
      // PAGE-XML round-trips through the project's own reader.
      const name = r.file.replace(/^[./]+/, '').replace(/[:\\/]+/g, '__').replace(/\.[^.]+$/, '.xml');
      const doc = parsePageXml(readFileSync(join(xml, name), 'utf8'), name);
      expect(doc.lines.map((l) => l.text)).toEqual(r.text ? [r.text] : []);
    }
    recognizer.dispose();
  });

  it('resumes: a restart skips files already in the output and drops a half-written last line', async () => {
    const out = join(dir, 'out2.jsonl');
    expect((await run(['--input', images, '--output', out, '--batch_size', '4', '--quiet'])).code).toBe(0);
    const full = readFileSync(out, 'utf8').trim().split('\n');
    // Simulate a crash after the first two records, in the middle of writing the third.
    writeFileSync(out, `${full[0]}\n${full[1]}\n${(full[2] as string).slice(0, 15)}`);
    const { code, err } = await run(['--input', images, '--output', out, '--batch_size', '4']);
    expect(code).toBe(0);
    expect(err).toMatch(/2 already in .* \(skipped\), 4 to do/);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.slice(0, 2)).toEqual(full.slice(0, 2));
    expect(lines.map((l) => JSON.parse(l).file).sort()).toEqual(full.map((l) => JSON.parse(l).file).sort());
    expect(new Set(lines.map((l) => JSON.parse(l).file)).size).toBe(lines.length);
    // Nothing left to do on a third run.
    const again = await run(['--input', images, '--output', out]);
    expect(again.err).toMatch(/6 already in .*, 0 to do/);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(6);
  });

  it('reads globs, .zip archives and manifests (.txt and .jsonl)', async () => {
    const glob = await listInputs(`${images}/**/*.png`);
    expect(glob.items.map((i) => i.file).sort()).toEqual(['a.png', 'broken.png', 'e.png', 'sub/c.png'].map((f) => `${images}/${f}`).sort());
    const top = await listInputs(`${images}/*.png`);
    expect(top.items).toHaveLength(3);

    const zip = join(dir, 'images.zip');
    await zipFolder(images, zip, 'scans');
    const zipped = await listInputs(zip);
    expect(zipped.items.map((i) => i.file.slice(zip.length + 1)).sort()).toEqual([...good, 'broken.png'].map((f) => `scans/${f}`).sort());
    const png = await zipped.items.find((i) => i.file.endsWith('a.png'))!.read();
    expect(png.equals(readFileSync(join(images, 'a.png')))).toBe(true);
    await zipped.close();
    const out = join(dir, 'zip.jsonl');
    expect((await run(['--input', zip, '--output', out, '--quiet'])).code).toBe(0);
    expect(records(out).filter((r) => r.text !== undefined)).toHaveLength(5);

    writeFileSync(join(images, 'list.txt'), '# two files\na.png\n\nsub/c.png\nmissing.png\n');
    writeFileSync(join(images, 'list.jsonl'), `${JSON.stringify({ file: 'e.png' })}\n${JSON.stringify({ image: join(images, 'b.jpg') })}\n`);
    const txt = await listInputs(join(images, 'list.txt'));
    expect(txt.items.map((i) => i.file)).toEqual(['a.png', 'sub/c.png', 'missing.png'].map((f) => join(images, f)));
    const jsonl = await listInputs(join(images, 'list.jsonl'));
    expect(jsonl.items.map((i) => i.file)).toEqual([join(images, 'e.png'), join(images, 'b.jpg')]);
    const mout = join(dir, 'manifest.jsonl');
    const { err } = await run(['--input', join(images, 'list.txt'), '--output', mout]);
    const recs = records(mout);
    expect(recs.find((r) => r.file.endsWith('missing.png'))?.error?.code).toBe('HTR_ERR_MISSING_FILE');
    expect(err).toMatch(/skipped .*missing\.png/);
  });

  it('rejects bad flags and a missing input or checkpoint with a clear message', async () => {
    expect((await run(['--input', images, '--batch_size', '0'])).err).toMatch(/--batch_size/);
    expect((await run(['--inptu', images])).err).toMatch(/unknown option --inptu/);
    const missing = await run(['--input', join(dir, 'nowhere'), '--output', join(dir, 'x.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/File not found: .*nowhere/);
    const noCkpt = await predictMain(undefined, ['--ckpt_path', join(dir, 'none.ckpt'), '--input', images, '--accelerator', 'cpu'], { stdout: new Capture(), stderr: new Capture() });
    expect(noCkpt).toBe(2);
    expect(existsSync(join(dir, 'x.jsonl'))).toBe(false);
    // A language model must spell with the checkpoint's vocabulary.
    const lm = join(dir, 'ab.json');
    await saveLanguageModel(lm, CharNgramLm.build(['ab'], buildMapping('ab'), 2));
    const wrongLm = await run(['--input', images, '--output', join(dir, 'y.jsonl'), '--lm', lm]);
    expect(wrongLm.code).not.toBe(0);
    expect(wrongLm.err).toMatch(/ab\.json.*not the model's/);
    expect(existsSync(join(dir, 'y.jsonl'))).toBe(false);
  });

  it('glob patterns and readDone', () => {
    expect(globMatcher('**/*.png')('a/b/c.png')).toBe(true);
    expect(globMatcher('**/*.png')('c.png')).toBe(true);
    expect(globMatcher('*.png')('a/c.png')).toBe(false);
    expect(globMatcher('img?.jp*g')('img1.jpeg')).toBe(true);
    const f = join(dir, 'done.jsonl');
    writeFileSync(f, '{"file":"x"}\n{"file":"y"}\n{"fi');
    expect([...readDone(f)]).toEqual(['x', 'y']);
    expect(readFileSync(f, 'utf8')).toBe('{"file":"x"}\n{"file":"y"}\n');
  });
});
