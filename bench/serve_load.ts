/**
 * HTTP load test of the server on 127.0.0.1 with autocannon: latency p50/p99 and
 * lines/s at several concurrencies, errors, and the server's memory; then
 * concurrency 16 with micro-batching switched off (max_batch_size 1) to show what
 * batching buys. The server runs in its own process, as in production.
 *
 *   npx tsx bench/serve_load.ts [--checkpoint models/demo/demo.ckpt] [--duration 60]
 *                               [--concurrency 1,8,16,32] [--accelerator auto] [--image PNG] [--out file.json]
 *                               [--sample-every 5]
 *
 * During each level the server's RSS and live tensors are sampled every --sample-every
 * seconds, so a plateau (compiled shapes, allocator pools filling once) can be told from
 * a leak: the report gives the samples and the growth over each level's second half.
 *
 * The payload is models/demo/sample_line.png: a 28x256 line in a held-out font.
 */
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { startServerChild } from './lib/server_child.js';

interface AutocannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string', default: 'models/demo/demo.ckpt' },
    duration: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '1,8,16,32' },
    accelerator: { type: 'string', default: 'auto' },
    image: { type: 'string', default: 'models/demo/sample_line.png' },
    out: { type: 'string' },
    'sample-every': { type: 'string', default: '5' },
  },
});
const sampleMs = 1000 * Number(values['sample-every']);
const duration = Number(values.duration);
const levels = String(values.concurrency).split(',').map(Number);

/** Server RSS (MB) and live tfjs tensors, from its /metrics. */
async function serverMemory(base: string): Promise<{ rssMb: number; tensors: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return {
    rssMb: Number(/^process_resident_memory_bytes (\d+)/m.exec(text)?.[1]) / 2 ** 20,
    tensors: Number(/^htr_tf_tensors (\d+)/m.exec(text)?.[1]),
  };
}

async function load(base: string, png: Buffer, connections: number, seconds: number) {
  const before = await serverMemory(base);
  const started = Date.now();
  const samples: Array<{ s: number; rss_mb: number; tensors: number }> = [];
  const timer = setInterval(() => {
    serverMemory(base)
      .then((m) => samples.push({ s: Math.round((Date.now() - started) / 1000), rss_mb: Math.round(m.rssMb), tensors: m.tensors }))
      .catch(() => {}); // a sample lost under load is not an error of the server
  }, sampleMs);
  let r: AutocannonResult;
  try {
    r = await autocannon({
      url: `${base}/v1/predict`,
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
      connections,
      duration: seconds,
      timeout: 60,
    });
  } finally {
    clearInterval(timer);
  }
  const after = await serverMemory(base);
  const secondHalf = samples.filter((x) => x.s >= seconds / 2);
  return {
    concurrency: connections,
    seconds: r.duration,
    requests: r.requests.total,
    lines_per_s: Number((r.requests.total / r.duration).toFixed(1)),
    p50_ms: r.latency.p50,
    p99_ms: r.latency.p99,
    mean_ms: Number(r.latency.average.toFixed(1)),
    errors: r.errors + r.timeouts + r.non2xx,
    rss_mb_before: Math.round(before.rssMb),
    rss_mb_after: Math.round(after.rssMb),
    tensors_before: before.tensors,
    tensors_after: after.tensors,
    rss_mb_growth_second_half: secondHalf.length ? Math.round(after.rssMb) - secondHalf[0]!.rss_mb : null,
    memory_samples: samples,
  };
}

const png = readFileSync(String(values.image));
const meta = await sharp(png).metadata();
const results: Record<string, unknown>[] = [];
const batched = await startServerChild(String(values.checkpoint), String(values.accelerator), ['--max_queue', '4096']);
let backend = /\[backend\] using (\w+)[^\n]*/.exec(batched.log())?.[0] ?? '';
let sample: unknown;
try {
  const answer = (await (await fetch(`${batched.base}/v1/predict`, { method: 'POST', body: new Uint8Array(png), headers: { 'content-type': 'image/png' } })).json()) as Record<string, unknown>;
  sample = { text: answer.text, confidence: answer.confidence, model: answer.model, latency_ms: answer.latency_ms };
  await load(batched.base, png, 4, 3); // warm-up
  for (const c of levels) results.push({ batching: true, ...(await load(batched.base, png, c, duration)) });
} finally {
  batched.child.kill('SIGTERM');
}
const unbatched = await startServerChild(String(values.checkpoint), String(values.accelerator), ['--max_queue', '4096', '--max_batch_size', '1']);
try {
  await load(unbatched.base, png, 4, 3);
  results.push({ batching: false, ...(await load(unbatched.base, png, 16, duration)) });
} finally {
  unbatched.child.kill('SIGTERM');
}
backend = backend.replace('[backend] ', '');
const report = {
  bench: 'serve_load',
  date: new Date().toISOString(),
  cpus: cpus().length,
  loadavg_1m_at_end: Number(loadavg()[0]?.toFixed(2)),
  checkpoint: values.checkpoint,
  backend,
  image: `${values.image} (${meta.width}x${meta.height})`,
  sample,
  duration_s_per_level: duration,
  results,
};
const json = JSON.stringify(report, null, 1);
if (values.out) writeFileSync(String(values.out), `${json}\n`);
console.log(json);
