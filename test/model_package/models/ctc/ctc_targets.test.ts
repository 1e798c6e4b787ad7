import { describe, expect, it } from 'vitest';
import { Tokenizer, buildMapping } from '../../../../model_package/core/tokenizer.js';
import { ctcLabelsFromEncoded } from '../../../../model_package/models/ctc/ctc_targets.js';

describe('ctcLabelsFromEncoded', () => {
  it('keeps the characters between <S> and <E> of each padded row', () => {
    const tok = new Tokenizer(buildMapping('abc'));
    const rows = ['abba', '', 'c'];
    const ids = new Int32Array(rows.length * 7);
    rows.forEach((text, r) => ids.set(tok.encode(text, 7), r * 7));
    const labels = ctcLabelsFromEncoded(ids, rows.length, 7);
    expect(labels.map((l) => tok.decode(l))).toEqual(rows);
    expect(Array.from(labels[0] as Int32Array)).toEqual([4, 5, 5, 4]);
    expect(() => ctcLabelsFromEncoded(ids, 2, 7)).toThrow(RangeError);
  });
});
