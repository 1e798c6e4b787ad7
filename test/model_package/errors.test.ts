import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, htrError, isHtrError } from '../../model_package/errors.js';

/** `| \`HTR_ERR_X\` | 400 | meaning |` rows of a markdown table -> code -> status. */
function documentedCodes(markdown: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of markdown.split('\n')) {
    const m = /^\|\s*`(HTR_ERR_[A-Z0-9_]+)`\s*\|\s*(\d{3})\s*\|/.exec(line);
    if (m) rows.set(m[1]!, Number(m[2]));
  }
  return rows;
}

describe('HTR_ERR_* catalogue', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = documentedCodes(doc);
  const defined = new Map(Object.entries(ERROR_CODES).map(([code, spec]) => [code, spec.status as number]));

  it('docs/errors.md has one table row per code of model_package/errors.ts, with its HTTP status', () => {
    const missing = [...defined.keys()].filter((c) => !documented.has(c));
    const stale = [...documented.keys()].filter((c) => !defined.has(c));
    const wrongStatus = [...defined].filter(([c, s]) => documented.has(c) && documented.get(c) !== s).map(([c]) => c);
    expect({ missing, stale, wrongStatus }).toEqual({ missing: [], stale: [], wrongStatus: [] });
  });

  it('docs/errors.md mentions no code outside its table that errors.ts lacks', () => {
    const mentioned = new Set(doc.match(/HTR_ERR_[A-Z0-9_]+/g) ?? []);
    // `HTR_ERR_CONFIG_*`-style wildcards end in an underscore; they name a family, not a code.
    const unknown = [...mentioned].filter((c) => !c.endsWith('_') && !defined.has(c));
    expect(unknown).toEqual([]);
  });

  it('reads table rows and nothing else', () => {
    const md = ['| code | status |', '|---|---|', '| `HTR_ERR_A` | 400 | x |', 'text `HTR_ERR_B` 500', '| `HTR_ERR_C` | 503 | y |'].join('\n');
    expect([...documentedCodes(md)]).toEqual([['HTR_ERR_A', 400], ['HTR_ERR_C', 503]]);
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
