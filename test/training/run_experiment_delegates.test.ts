/** `report` and `predict` are routed to their own modules, with their own flags. */
import { beforeAll, describe, expect, it } from 'vitest';
import { runExperiment } from '../helpers/run_experiment.js';
import { registerTestModel, TEST_MODEL } from '../model_package/config/fixtures.js';

beforeAll(registerTestModel);

describe('delegated subcommands', () => {
  it('routes report to report_cli with the remaining arguments', async () => {
    const help = await runExperiment(['report', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('Usage: run_experiment report RUN_DIR');
    const missing = await runExperiment(['report', '/nonexistent/run']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('/nonexistent/run');
  });

  it('routes predict with --ckpt_path and its own flags; the experiment config is optional', async () => {
    const help = await runExperiment(['predict', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('--input');
    const r = await runExperiment(['predict', '--ckpt_path', '/nonexistent/model.ckpt', '--input', 'x.png', '--accelerator', 'cpu', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('File not found: /nonexistent/model.ckpt');
  });

  it('still validates an experiment config given to predict', async () => {
    const r = await runExperiment(['predict', '--data=BitmapLines', `--model=${TEST_MODEL}`, '--trainer.max_epoch=1', '--input', 'x.png']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Did you mean "trainer.max_epochs"?');
  });
});
