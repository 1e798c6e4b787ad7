/**
 * `run_experiment export --ckpt_path FILE [--out FILE]`: the inference-only file of a
 * checkpoint (weights, config and vocabulary; no optimizer state), which loads in
 * Node and in the browser like the checkpoint itself. Prints both sizes.
 */
import { statSync } from 'node:fs';
import { z } from 'zod';
import { FlagError, parseFlags, validateFlags } from '../model_package/config/flags.js';
import { isHtrError } from '../model_package/errors.js';
import { encodeInferenceCheckpoint, readCheckpoint } from '../model_package/checkpoint/checkpoint.js';
import { writeFileAtomic } from '../model_package/core/atomic_write.js';

interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const EXPORT_USAGE = `Usage: run_experiment export --ckpt_path FILE [--out FILE]

  --ckpt_path FILE  the checkpoint to export
  --out FILE        where to write the inference-only file (default: FILE with
                    .ckpt replaced by .inference.ckpt)
`;

const ExportFlags = z.strictObject({
  ckpt_path: z.string().min(1),
  out: z.string().min(1).optional(),
});

export async function exportMain(argv: readonly string[], io: Io = process): Promise<number> {
  let flags: z.infer<typeof ExportFlags>;
  try {
    const parsed = parseFlags(ExportFlags, argv);
    if (parsed === 'help') {
      io.stdout.write(EXPORT_USAGE);
      return 0;
    }
    flags = validateFlags(ExportFlags, parsed.values);
  } catch (err) {
    if (err instanceof FlagError) {
      io.stderr.write(`export: ${err.message}\n${EXPORT_USAGE}`);
      return 2;
    }
    throw err;
  }
  const out = flags.out ?? flags.ckpt_path.replace(/(\.ckpt)?$/, '.inference.ckpt');
  try {
    const bytes = encodeInferenceCheckpoint(await readCheckpoint(flags.ckpt_path));
    await writeFileAtomic(out, bytes);
    const full = statSync(flags.ckpt_path).size;
    const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
    io.stdout.write(`wrote ${out}: ${kib(bytes.length)}, ${((100 * bytes.length) / full).toFixed(0)}% of the full checkpoint (${kib(full)})\n`);
    return 0;
  } catch (err) {
    io.stderr.write(`${isHtrError(err) ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return isHtrError(err, 'HTR_ERR_MISSING_FILE') ? 2 : 1;
  }
}
