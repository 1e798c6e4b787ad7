/**
 * Abuse test: hostile traffic against the server on 127.0.0.1 while an ordinary
 * client sends one line per second. Hostile clients trickle bodies (slow
 * bodies), post heavy paragraph requests and hang up after 0.5 s (abandoned),
 * post huge-aspect-ratio PNGs of a few KB (extreme aspect ratios), and post
 * striped pages that segment into dozens of lines with beam search (paragraph
 * bombs). Reports the ordinary client's latency p50/p99 and errors, the hostile
 * answers by status, and the server's peak RSS (sampled from /proc every 250 ms).
 * The server runs with its default limits, in its own process, as in production.
 *
 *   npx tsx bench/abuse.ts [--duration 30] [--checkpoint models/demo/demo.ckpt]
 *                          [--accelerator auto] [--out bench/results/abuse.json]
 *
 * Targets (issue 17): ordinary p99 under 2 s, RSS under 1 GB, no ordinary errors.
 *
 * bench:args --duration 30
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { bilevelPng } from './lib/bilevel_png.js';
import { startServerChild } from './lib/server_child.js';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string', default: 'models/demo/demo.ckpt' },
    duration: { type: 'string', default: '30' },
    accelerator: { type: 'string', default: 'auto' },
    image: { type: 'string', default: 'models/demo/sample_line.png' },
    out: { type: 'string' },
  },
});
const durationMs = Number(values.duration) * 1000;

/** Default limits, except a 10 s body deadline so slow bodies meet it within the run. */
const SERVER_FLAGS = ['--request_timeout_ms', '10000'];

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

/**
 * A page of `lines` short inked bars: paragraph mode cuts it into that many lines.
 * Gaps must beat segmentation's bridging (1% of the page height), so tall pages get wide gaps.
 */
async function stripedPage(lines: number): Promise<Buffer> {
  const width = 60;
  const bar = 3;
  let gap = 8;
  while (gap <= Math.round(0.01 * (lines * (bar + gap) + gap)) + 2) gap++;
  const height = lines * (bar + gap) + gap;
  const px = new Uint8Array(width * height).fill(255);
  for (let l = 0; l < lines; l++) {
    const top = gap + l * (bar + gap);
    for (let r = top; r < top + bar; r++) for (let c = 8; c < width - 8; c += 1 + ((c * 7 + r) % 3)) px[r * width + c] = 0;
  }
  return sharp(Buffer.from(px), { raw: { width, height, channels: 1 } }).png({ compressionLevel: 9 }).toBuffer();
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

const server = await startServerChild(String(values.checkpoint), String(values.accelerator), SERVER_FLAGS);
const base = server.base;
const line = readFileSync(String(values.image));
const bomb = await stripedPage(60); // under max_lines (64): accepted, and heavy
const bigBomb = await stripedPage(95); // over it: refused before any line is queued
const abandoned = await stripedPage(20);
const aspect = [bilevelPng(20_000_000, 1), bilevelPng(1, 1_000_000)];

// Baseline: the ordinary client alone, to tell the machine's own load from the abuse.
const baseline: Sample[] = [];
await ordinaryClient(Date.now() + 10_000, baseline);

const hostile: Record<string, Record<string, number>> = {};
const count = (kind: string, status: string): void => {
  hostile[kind] ??= {};
  (hostile[kind] as Record<string, number>)[status] = ((hostile[kind] as Record<string, number>)[status] ?? 0) + 1;
};
let running = true;
const end = Date.now() + durationMs;

async function post(url: string, body: Buffer, signal?: AbortSignal): Promise<Response> {
  return fetch(`${base}${url}`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': 'image/png' }, ...(signal ? { signal } : {}) });
}

/** Repeats `one` until the test ends. */
async function loop(one: () => Promise<void>): Promise<void> {
  while (running && Date.now() < end) await one();
}

/** Headers, then one body byte every 2 s until the server hangs up. */
function slowBody(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(`POST /v1/predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: ${line.length}\r\n\r\n`);
    let sent = 0;
    const timer = setInterval(() => {
      if (!running || Date.now() > end) socket.destroy();
      else if (!socket.destroyed) socket.write(line.subarray(sent, ++sent));
    }, 2000);
    socket.on('close', () => {
      clearInterval(timer);
      count('slow_body', /^HTTP\/1.1 (\d+)/.exec(reply)?.[1] ?? (running && Date.now() < end ? 'closed' : 'ended by bench'));
      resolve();
    });
  });
}

async function abandon(): Promise<void> {
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 500);
  try {
    const res = await post('/v1/predict?mode=paragraph&decoding=beam&beam_width=10', abandoned, ctl.signal);
    count('abandoned', String(res.status));
    await res.arrayBuffer().catch(() => undefined);
  } catch {
    count('abandoned', 'hung up');
  }
}

let k = 0;
async function aspectRatio(): Promise<void> {
  const img = aspect[k % 2] as Buffer;
  const mode = k++ % 4 < 2 ? 'line' : 'paragraph';
  const res = await post(`/v1/predict?mode=${mode}`, img);
  count('extreme_aspect', String(res.status));
  await res.arrayBuffer();
}

let b = 0;
async function paragraphBomb(): Promise<void> {
  const big = b++ % 2 === 1;
  const res = await post(big ? '/v1/predict?mode=paragraph&decoding=beam&beam_width=10' : '/v1/predict?mode=paragraph', big ? bigBomb : bomb);
  count(big ? 'paragraph_bomb_95_lines_beam10' : 'paragraph_bomb_60_lines', String(res.status));
  await res.arrayBuffer();
}

type Sample = { ms: number; status: number | string };
const ordinary: Sample[] = [];
async function ordinaryClient(until: number, out: Sample[] = ordinary): Promise<void> {
  while (Date.now() < until) {
    const next = Date.now() + 1000;
    const t0 = performance.now();
    try {
      const res = await post('/v1/predict', line);
      await res.arrayBuffer();
      out.push({ ms: performance.now() - t0, status: res.status });
    } catch (err) {
      out.push({ ms: performance.now() - t0, status: err instanceof Error ? err.message : String(err) });
    }
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
}

const rssStart = rssMb(server.child.pid as number);
let rssMax = rssStart;
const sampler = setInterval(() => {
  rssMax = Math.max(rssMax, rssMb(server.child.pid as number));
}, 250);

const started = performance.now();
try {
  await Promise.all([
    ordinaryClient(end),
    ...Array.from({ length: 20 }, () => loop(slowBody)),
    ...Array.from({ length: 4 }, () => loop(abandon)),
    ...Array.from({ length: 4 }, () => loop(aspectRatio)),
    ...Array.from({ length: 3 }, () => loop(paragraphBomb)),
  ]);
} finally {
  running = false;
  clearInterval(sampler);
}
const seconds = (performance.now() - started) / 1000;
const ready = (await fetch(`${base}/v1/ready`)).status;
const rssEnd = rssMb(server.child.pid as number);
server.child.kill('SIGTERM');

const summarize = (samples: readonly Sample[]) => {
  const okMs = samples.filter((o) => o.status === 200).map((o) => o.ms).sort((x, y) => x - y);
  return { requests: samples.length, p50_ms: Math.round(percentile(okMs, 50)), p99_ms: Math.round(percentile(okMs, 99)), errors: samples.filter((o) => o.status !== 200).length };
};
const ok = ordinary.filter((o) => o.status === 200).map((o) => o.ms).sort((x, y) => x - y);
const p50 = percentile(ok, 50);
const p99 = percentile(ok, 99);
const errors = ordinary.filter((o) => o.status !== 200).map((o) => o.status);
const report = {
  bench: 'abuse',
  date: new Date().toISOString(),
  cpus: cpus().length,
  loadavg_1m_at_end: Number(loadavg()[0]?.toFixed(2)),
  checkpoint: values.checkpoint,
  backend: /\[backend\] using ([^\n]*)/.exec(server.log())?.[1] ?? '',
  server_flags: SERVER_FLAGS.join(' '),
  seconds: Number(seconds.toFixed(1)),
  baseline_without_abuse: summarize(baseline),
  ordinary: {
    requests: ordinary.length,
    p50_ms: Math.round(p50),
    p99_ms: Math.round(p99),
    max_ms: Math.round(ok.at(-1) ?? Number.NaN),
    errors: errors.length,
    error_statuses: errors,
  },
  hostile,
  server: { rss_mb_start: Math.round(rssStart), rss_mb_max: Math.round(rssMax), rss_mb_end: Math.round(rssEnd), ready_after: ready },
  targets: { p99_under_2s: p99 < 2000, rss_under_1gb: rssMax < 1024, no_ordinary_errors: errors.length === 0 },
};
const json = JSON.stringify(report, null, 1);
if (values.out) writeFileSync(String(values.out), `${json}\n`);
console.log(json);
process.exit(0);
