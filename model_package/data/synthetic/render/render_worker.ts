/**
 * Worker-thread entry for `RenderPool`: rebuilds the line source from the spec
 * it is started with and renders the index batches it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FontFace } from '../fonts.js';
import type { CorpusPart } from '../sentence_generator.js';
import { SyntheticLineSource, type SyntheticLineSpec } from './synthetic_line_source.js';

export interface RenderTask {
  readonly id: number;
  readonly fonts: readonly FontFace[];
  readonly salt: number;
  readonly part: CorpusPart;
  readonly indices: readonly number[];
}

export interface RenderReply {
  readonly id: number;
  readonly lines?: { text: string; font: string; width: number; height: number; data: Uint8Array }[];
  readonly error?: string;
}

const port = parentPort;
if (!port) throw new Error('render_worker.ts must run in a worker thread');
const source = new SyntheticLineSource(workerData as SyntheticLineSpec);

port.on('message', (task: RenderTask) => {
  void (async () => {
    try {
      const rendered = await Promise.all(task.indices.map((index) => source.render(task.fonts, task.salt, index, task.part)));
      const lines = rendered.map((r) => ({ text: r.text, font: r.font, width: r.image.width, height: r.image.height, data: r.image.data }));
      const reply: RenderReply = { id: task.id, lines };
      port.postMessage(reply, lines.map((l) => l.data.buffer as ArrayBuffer));
    } catch (err) {
      const reply: RenderReply = { id: task.id, error: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) };
      port.postMessage(reply);
    }
  })();
});
