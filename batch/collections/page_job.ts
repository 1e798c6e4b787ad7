/**
 * The job code both runners share (`--local` in-process and the queue's
 * sandboxed processor): read the page, check it is still the page that was
 * submitted, recognize it, store it. Storing is an upsert, so running a job twice
 * (at-least-once delivery) leaves one copy of its lines.
 */
import { htrError } from '../../model_package/errors.js';
import type { PageEngine } from './page_engine.js';
import type { PageJob, PageResult } from './page_result.js';
import { readPage, sha256 } from './page_source.js';
import type { ResultStore } from './result_store.js';

/**
 * Runs pages through the engine together and stores each result; one outcome
 * (lines stored, or the error) per job. Once `signal` is aborted (the caller gave
 * up on these pages) results are no longer stored.
 */
export async function runPageJobs(jobs: readonly PageJob[], engine: PageEngine, store: ResultStore | undefined, signal?: AbortSignal): Promise<Array<PageResult | Error>> {
  const read = await Promise.all(
    jobs.map(async (job) => {
      try {
        if (job.modelId !== engine.modelId) {
          throw htrError('HTR_ERR_CONFIG_INVALID', { key: 'model', reason: `page ${job.file} was submitted for model ${job.modelId.slice(0, 16)}, this worker runs ${engine.modelId.slice(0, 16)}` });
        }
        const bytes = await readPage(job.file);
        const actual = sha256(bytes);
        if (actual !== job.pageHash) throw htrError('HTR_ERR_CHECKSUM_MISMATCH', { file: job.file, algorithm: 'sha256', expected: job.pageHash, actual });
        return { bytes };
      } catch (error) {
        return { error: error as Error };
      }
    }),
  );
  const ok = read.flatMap((r, i) => (r.bytes ? [{ i, bytes: r.bytes }] : []));
  const results = await engine.recognize(ok.map(({ i, bytes }) => ({ label: (jobs[i] as PageJob).file, bytes })));
  const out: Array<PageResult | Error> = read.map((r) => r.error ?? new Error('unreachable'));
  ok.forEach(({ i }, k) => {
    const result = results[k] as PageResult | Error;
    if (!(result instanceof Error) && !signal?.aborted) store?.savePage(jobs[i] as PageJob, result);
    out[i] = result;
  });
  return out;
}
