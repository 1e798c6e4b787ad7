/**
 * Renders many synthetic lines on worker threads (or inline when `numWorkers`
 * is 0). Text shaping in libvips is serialized per process, but the pixel work
 * around it (slant, stroke, blur, noise, resize) runs in parallel.
 *
 * Workers are TypeScript: each boots tsx's loader itself, so this works the
 * same under `tsx`, vitest, and a plain `node --import tsx`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FontFace } from '../fonts.js';
import type { CorpusPart } from '../sentence_generator.js';
import type { RenderReply, RenderTask } from './render_worker.js';
import { SyntheticLineSource, type RenderedLine, type SyntheticLineSpec } from './synthetic_line_source.js';

/** Indices per message: large enough to amortize messaging, small enough to balance workers. */
const CHUNK = 32;

export interface RenderJob {
  readonly fonts: readonly FontFace[];
  readonly salt: number;
  /** Which part of the corpus the lines' text comes from. */
  readonly part: CorpusPart;
  readonly count: number;
}

/**
 * Renders every job's lines (indices 0..count-1 of each) with one pool of
 * workers, calling `onProgress` with the number of lines done so far.
 */
export async function renderLines(spec: SyntheticLineSpec, jobs: readonly RenderJob[], numWorkers: number, onProgress?: (done: number) => void): Promise<RenderedLine[][]> {
  const out = jobs.map((job) => new Array<RenderedLine>(job.count));
  const chunks: { job: number; indices: number[] }[] = [];
  jobs.forEach((job, j) => {
    for (let start = 0; start < job.count; start += CHUNK) {
      chunks.push({ job: j, indices: Array.from({ length: Math.min(CHUNK, job.count - start) }, (_, k) => start + k) });
    }
  });
  let done = 0;
  if (numWorkers <= 0) {
    const source = new SyntheticLineSource(spec);
    for (const chunk of chunks) {
      const job = jobs[chunk.job] as RenderJob;
      // Lines of a chunk render concurrently so sharp's threads overlap with the JS pixel work.
      const lines = await Promise.all(chunk.indices.map((i) => source.render(job.fonts, job.salt, i, job.part)));
      lines.forEach((line, k) => ((out[chunk.job] as RenderedLine[])[chunk.indices[k] as number] = line));
      done += chunk.indices.length;
      onProgress?.(done);
    }
    return out;
  }
  const workers = Array.from({ length: Math.min(numWorkers, chunks.length) }, () => spawnWorker(spec));
  let next = 0;
  try {
    await Promise.all(
      workers.map(async (worker) => {
        while (next < chunks.length) {
          const id = next++;
          const chunk = chunks[id] as { job: number; indices: number[] };
          const job = jobs[chunk.job] as RenderJob;
          const reply = await request(worker, { id, fonts: job.fonts, salt: job.salt, part: job.part, indices: chunk.indices });
          if (reply.error !== undefined || !reply.lines) throw new Error(`render worker failed: ${reply.error ?? 'no lines'}`);
          reply.lines.forEach((l, k) => {
            (out[chunk.job] as RenderedLine[])[chunk.indices[k] as number] = { text: l.text, font: l.font, image: { data: l.data, width: l.width, height: l.height } };
          });
          done += chunk.indices.length;
          onProgress?.(done);
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return out;
}

function request(worker: Worker, task: RenderTask): Promise<RenderReply> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: RenderReply) => {
      if (reply.id !== task.id) return;
      cleanup();
      resolve(reply);
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`render worker exited with code ${code}`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(task);
  });
}

function spawnWorker(spec: SyntheticLineSpec): Worker {
  const entry = new URL(`./render_worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: spec });
  const require = createRequire(import.meta.url);
  const tsxApi = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  const boot = `import(${JSON.stringify(tsxApi)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(import.meta.url)})).catch((err) => { console.error(err); process.exit(1); });`;
  return new Worker(boot, { eval: true, workerData: spec });
}
