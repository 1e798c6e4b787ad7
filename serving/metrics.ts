/**
 * The server's Prometheus metrics (prom-client): request counts and latency,
 * micro-batch sizes and times, queue depth, live tensors, plus prom-client's
 * process and Node metrics (CPU, resident memory, heap, event-loop lag, GC).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Process-wide metrics are collected once per process (each collection starts
 * its own event-loop and GC observers) and shared by every app's registry.
 */
let processRegistry: Registry | undefined;

function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** The server's metrics, one instance per app; `registry` renders all of them for GET /metrics. */
export function createServerMetrics(extra: { queueDepth: () => number; numTensors: () => number }) {
  const own = new Registry();
  const registers = [own];
  const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
  const metrics = {
    requests: new Counter({ name: 'htr_http_requests_total', help: 'HTTP requests by route, method and status', labelNames: ['method', 'route', 'status'] as const, registers }),
    requestSeconds: new Histogram({ name: 'htr_http_request_duration_seconds', help: 'HTTP request latency by route', labelNames: ['route'] as const, buckets: latencyBuckets, registers }),
    lines: new Counter({ name: 'htr_lines_recognized_total', help: 'text lines decoded', registers }),
    batchSize: new Histogram({ name: 'htr_batch_size', help: 'lines per decoded micro-batch', buckets: [1, 2, 4, 8, 16, 32, 64], registers }),
    batchSeconds: new Histogram({ name: 'htr_batch_duration_seconds', help: 'time to decode one micro-batch', buckets: latencyBuckets, registers }),
    queueDepth: new Gauge({ name: 'htr_queue_depth', help: 'lines waiting for a batch', registers, collect() { this.set(extra.queueDepth()); } }),
    tensors: new Gauge({ name: 'htr_tf_tensors', help: 'live tfjs tensors', registers, collect() { this.set(extra.numTensors()); } }),
    modelLoaded: new Gauge({ name: 'htr_model_loaded', help: '1 once the model is ready', registers }),
  };
  metrics.modelLoaded.set(0);
  return { registry: Registry.merge([own, processMetrics()]), ...metrics };
}
export type ServerMetrics = ReturnType<typeof createServerMetrics>;
