import { describe, expect, it } from 'vitest';
import * as htr from '../../model_package/index.js';

describe('model_package public surface', () => {
  it('exports every registered data class and model by its registry name', () => {
    const dataExports = htr.data as unknown as Record<string, unknown>;
    for (const name of Object.keys(htr.data.DATA_REGISTRY)) expect(typeof dataExports[name], name).toBe('function');
    const modelExports = htr.models as unknown as Record<string, unknown>;
    for (const name of Object.keys(htr.models.MODEL_REGISTRY)) expect(typeof modelExports[name], name).toBe('function');
  });

  it('exposes the error catalogue at the top level', () => {
    expect(htr.isHtrError(htr.htrError('HTR_ERR_MISSING_FILE', { file: 'x' }), 'HTR_ERR_MISSING_FILE')).toBe(true);
  });
});
