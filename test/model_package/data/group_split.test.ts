import { describe, expect, it } from 'vitest';
import type { LineRecord } from '../../../model_package/data/own/line_records.js';
import { groupKeyFn, splitGroups } from '../../../model_package/data/group_split.js';
import { isHtrError } from '../../../model_package/errors.js';
import { Rng } from '../../../model_package/core/rng.js';

const items = Array.from({ length: 200 }, (_, i) => ({ id: i, group: `g${i % 23}` }));

describe('splitGroups', () => {
  it('never puts one group in two splits and roughly honours the fractions', () => {
    const out = splitGroups(items, (x) => x.group, { valFraction: 0.1, testFraction: 0.2, seed: 3 });
    const where = new Map<string, string>();
    for (const split of ['train', 'val', 'test'] as const) {
      for (const x of out[split]) {
        expect(where.get(x.group) ?? split).toBe(split);
        where.set(x.group, split);
      }
    }
    expect(out.train.length + out.val.length + out.test.length).toBe(200);
    expect(out.test.length).toBeGreaterThanOrEqual(40);
    expect(out.test.length).toBeLessThan(60);
    expect(out.val.length).toBeGreaterThanOrEqual(20);
    expect(out.val.length).toBeLessThan(35);
  });

  it('is seeded and independent of input order', () => {
    const a = splitGroups(items, (x) => x.group, { valFraction: 0.1, testFraction: 0.1, seed: 1 });
    const shuffled = new Rng(9).shuffle([...items]);
    const b = splitGroups(shuffled, (x) => x.group, { valFraction: 0.1, testFraction: 0.1, seed: 1 });
    const ids = (xs: { id: number }[]) => xs.map((x) => x.id).sort((p, q) => p - q);
    expect(ids(b.test)).toEqual(ids(a.test));
    const c = splitGroups(items, (x) => x.group, { valFraction: 0.1, testFraction: 0.1, seed: 2 });
    expect(ids(c.test)).not.toEqual(ids(a.test));
  });

  it('always leaves a group for training', () => {
    const out = splitGroups(items.slice(0, 2), (x) => x.group, { valFraction: 0.5, testFraction: 0.5, seed: 0 });
    expect(out.train.length).toBeGreaterThan(0);
  });
});

describe('groupKeyFn', () => {
  const rec = (image: string, extra: Partial<LineRecord> = {}): LineRecord => ({ id: image, image, text: 't', page: image, ...extra });

  it('groups by folder, page, writer and file-name regex', () => {
    const rs = [rec('a/w1_x.png', { writer: 'w1' }), rec('b/w2_y.png', { writer: 'w2' })];
    expect(rs.map(groupKeyFn('folder', undefined, rs))).toEqual(['a', 'b']);
    expect(rs.map(groupKeyFn('writer', undefined, rs))).toEqual(['w1', 'w2']);
    expect(rs.map(groupKeyFn('regex', '^(w\\d)_', rs))).toEqual(['w1', 'w2']);
    expect(rs.map(groupKeyFn('auto', undefined, rs))).toEqual(['w1', 'w2']);
    const page = [rec('p.png', { id: 'p.xml#1', page: 'p.xml' }), rec('p.png', { id: 'p.xml#2', page: 'p.xml' })];
    expect(page.map(groupKeyFn('auto', undefined, page))).toEqual(['p.xml', 'p.xml']);
  });

  it('names the problem when writer ids or the pattern are missing or invalid', () => {
    const rs = [rec('a.png')];
    for (const [by, pattern] of [['writer', undefined], ['regex', undefined], ['regex', '(']] as const) {
      let caught: unknown;
      try {
        groupKeyFn(by, pattern, rs);
      } catch (err) {
        caught = err;
      }
      expect(isHtrError(caught, 'HTR_ERR_CONFIG_INVALID')).toBe(true);
    }
  });
});
