import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, htrError, isHtrError } from '../../model_package/errors.js';

describe('HTR_ERR_* catalogue', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it.each(Object.keys(ERROR_CODES))('%s is documented in README.md', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });

  it('fills the template from details and keeps them on the error', () => {
    const err = htrError('HTR_ERR_UNKNOWN_DATA', { value: 'IAMLinez', allowed: ['IAMLines', 'SyntheticLines'] });
    expect(err.message).toBe('HTR_ERR_UNKNOWN_DATA: Unknown data class "IAMLinez". Known: IAMLines, SyntheticLines');
    expect(err.statusCode).toBe(400);
    expect(err.details.value).toBe('IAMLinez');
    expect(isHtrError(err, 'HTR_ERR_UNKNOWN_DATA')).toBe(true);
    expect(isHtrError(err, 'HTR_ERR_MISSING_FILE')).toBe(false);
    expect(isHtrError(new Error('x'))).toBe(false);
  });

  it('names the file in file errors', () => {
    expect(htrError('HTR_ERR_MISSING_FILE', { file: 'data/x.png' }).message).toContain('data/x.png');
  });
});
