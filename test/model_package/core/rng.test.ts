import { describe, expect, it } from 'vitest';
import { Rng } from '../../../model_package/core/rng.js';

describe('Rng', () => {
  it('repeats a stream from the same seed and from a restored state', () => {
    const a = new Rng(42);
    const first = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => new Rng(42).next())[0]).toBe(first[0]);
    const b = new Rng(42);
    b.next();
    const saved = b.getState();
    const rest = Array.from({ length: 4 }, () => b.next());
    const c = new Rng(0);
    c.setState(saved);
    expect(Array.from({ length: 4 }, () => c.next())).toEqual(rest);
    expect(rest).toEqual(first.slice(1));
  });

  it('draws uniform numbers in range with a plausible mean', () => {
    const r = new Rng(7);
    const xs = Array.from({ length: 5000 }, () => r.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    const ints = new Set(Array.from({ length: 500 }, () => r.int(2, 4)));
    expect([...ints].sort()).toEqual([2, 3, 4]);
  });

  it('shuffles to a permutation and differs between seeds', () => {
    const a = new Rng(1).shuffle(Array.from({ length: 20 }, (_, i) => i));
    const b = new Rng(2).shuffle(Array.from({ length: 20 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(a).not.toEqual(b);
  });
});
