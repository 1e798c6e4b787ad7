/**
 * Small EMNIST releases in NIST's exact IDX layout (written byte by byte here,
 * not with the code under test): a gzip.zip with gzip/*.gz entries, or loose files.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { put, tempDir, writeZip } from '../own/own_fixtures.js';

/** IDX bytes: 0, 0, type, ndim, big-endian dims, then the body. */
export function idxBytes(type: number, shape: readonly number[], body: Buffer): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = type;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, body]);
}

/**
 * `perClass[k]` samples of class k. Upright, sample j of class k has a bright
 * row at k % 28 and a bright column at 27 - (j % 28); stored transposed, as NIST does.
 */
export function fakeSplit(perClass: readonly number[]): { images: Buffer; labels: Buffer; count: number } {
  const labels: number[] = [];
  const imgs: Buffer[] = [];
  perClass.forEach((n, k) => {
    for (let j = 0; j < n; j++) {
      const upright = Buffer.alloc(28 * 28);
      for (let c = 0; c < 28; c++) upright[(k % 28) * 28 + c] = 200 + (k % 50);
      for (let r = 0; r < 28; r++) upright[r * 28 + (27 - (j % 28))] = 255;
      const stored = Buffer.alloc(28 * 28);
      for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) stored[c * 28 + r] = upright[r * 28 + c] as number;
      imgs.push(stored);
      labels.push(k);
    }
  });
  return {
    images: idxBytes(0x08, [labels.length, 28, 28], Buffer.concat(imgs)),
    labels: idxBytes(0x08, [labels.length], Buffer.from(labels)),
    count: labels.length,
  };
}

export const uniform = (n: number): number[] => Array.from({ length: 62 }, () => n);

/** A folder holding gzip.zip; returns the folder and the zip's md5. */
export function fakeGzipZip(train: number[] = uniform(5), test: number[] = uniform(2)): { dir: string; md5: string } {
  const tr = fakeSplit(train);
  const te = fakeSplit(test);
  const dir = tempDir('htr-emnist-');
  const zip = join(dir, 'gzip.zip');
  writeZip(zip, [
    { name: 'gzip/emnist-balanced-train-images-idx3-ubyte.gz', data: gzipSync(Buffer.from('not the one we want')) },
    { name: 'gzip/emnist-byclass-train-images-idx3-ubyte.gz', data: gzipSync(tr.images) },
    { name: 'gzip/emnist-byclass-train-labels-idx1-ubyte.gz', data: gzipSync(tr.labels) },
    { name: 'gzip/emnist-byclass-test-images-idx3-ubyte.gz', data: gzipSync(te.images) },
    { name: 'gzip/emnist-byclass-test-labels-idx1-ubyte.gz', data: gzipSync(te.labels) },
  ]);
  return { dir, md5: createHash('md5').update(readFileSync(zip)).digest('hex') };
}

/** A folder with the four uncompressed byclass files in gzip/. */
export function fakeLooseFiles(train: number[] = uniform(5), test: number[] = uniform(2)): string {
  const tr = fakeSplit(train);
  const te = fakeSplit(test);
  const dir = tempDir('htr-emnist-loose-');
  put(dir, 'gzip/emnist-byclass-train-images-idx3-ubyte', tr.images);
  put(dir, 'gzip/emnist-byclass-train-labels-idx1-ubyte', tr.labels);
  put(dir, 'gzip/emnist-byclass-test-images-idx3-ubyte', te.images);
  put(dir, 'gzip/emnist-byclass-test-labels-idx1-ubyte', te.labels);
  return dir;
}
