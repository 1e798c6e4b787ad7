/** Runs the run_experiment CLI in-process, with its output captured, for assertions. */
import { main } from '../../training/run_experiment.js';
import { captureIo } from '../model_package/config/fixtures.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function runExperiment(argv: string[]): Promise<CliResult> {
  const io = captureIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}
