import { describe, expect, it } from 'vitest';
import { ArgvError, parseArgs } from '../../../model_package/config/index.js';

describe('parseArgs', () => {
  it('collects config files in order in every spelling', () => {
    const p = parseArgs(['-c', 'a.yaml', '--config=b.yaml', '--config', 'c.yaml']);
    expect(p.configFiles).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
  });

  it('keeps the typed text next to the YAML value of each override', () => {
    const p = parseArgs(['--logger.experiment=007', '--optimizer.betas', '[0.9, 0.98]', '--data=IAMLines', '--lr_scheduler.max_lr=']);
    expect(p.overrides).toEqual([
      { path: ['logger', 'experiment'], raw: '007', value: 7 },
      { path: ['optimizer', 'betas'], raw: '[0.9, 0.98]', value: [0.9, 0.98] },
      { path: ['data'], raw: 'IAMLines', value: 'IAMLines' },
      { path: ['lr_scheduler', 'max_lr'], raw: '', value: null },
    ]);
  });

  it('separates flags, non-config options and positionals', () => {
    // A non-config option takes the next token as its value (it may be a switch; its owner decides).
    const p = parseArgs(['stray', '--print_config', '--ckpt_path=x.ckpt', '--input', 'scans/', '--quiet', '-h']);
    expect(p.printConfig).toBe(true);
    expect(p.ckptPath).toBe('x.ckpt');
    expect(p.rest).toEqual(['--input', 'scans/', '--quiet']);
    expect(p.positionals).toEqual(['stray']);
    expect(p.help).toBe(true);
  });

  it('rejects an option that needs a value and has none, and empty key segments', () => {
    expect(() => parseArgs(['--config'])).toThrow(ArgvError);
    expect(() => parseArgs(['--ckpt_path', '--trainer.max_epochs=1'])).toThrow('--ckpt_path needs a value');
    expect(() => parseArgs(['--trainer..max_epochs=1'])).toThrow('empty key segment');
  });
});
