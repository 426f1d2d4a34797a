import { describe, expect, it } from 'vitest';
import { MinHeap } from './min-heap.ts';
import { QuantileSketch } from './quantile-sketch.ts';
import { createRandom } from './rng.ts';
import { SampledSeries } from './sampled-series.ts';
import { percentile as percentileOfSorted } from './summarize-simulation.ts';

describe('QuantileSketch', () => {
  it('reports quantiles within its relative accuracy and exact mean and std', () => {
    const rng = createRandom(1);
    const sketch = new QuantileSketch(1e-3);
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const v = Math.exp(rng.next() * 8 - 6);
      const w = 1 + Math.floor(rng.next() * 3);
      sketch.add(v, w);
      for (let j = 0; j < w; j++) values.push(v);
    }
    const sorted = Float64Array.from(values).sort();
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = sorted[Math.round(q * (sorted.length - 1))];
      expect(Math.abs(sketch.quantile(q) - exact) / exact).toBeLessThan(2e-3);
    }
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    expect(sketch.mean()).toBeCloseTo(m, 12);
    expect(sketch.std()).toBeCloseTo(Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length), 9);
    expect(sketch.count).toBe(values.length);
  });

  it('reports a repeated value exactly', () => {
    const sketch = new QuantileSketch();
    sketch.add(0.0051, 1000);
    expect(sketch.quantile(0.5)).toBe(0.0051);
    expect(sketch.quantile(0.99)).toBe(0.0051);
  });
});

describe('percentileOfSorted', () => {
  it('interpolates linearly as numpy.percentile does', () => {
    // numpy.percentile([1, 2, 3, 4], 90) == 3.7
    expect(percentileOfSorted(Float64Array.from([1, 2, 3, 4]), 90)).toBeCloseTo(3.7, 12);
    expect(percentileOfSorted(Float64Array.from([1, 2, 3, 4]), 50)).toBe(2.5);
    expect(percentileOfSorted(new Float64Array(0), 50)).toBe(0);
  });
});

describe('SampledSeries', () => {
  it('keeps at most its capacity, spread evenly over the whole run', () => {
    const s = new SampledSeries(64);
    for (let i = 0; i < 10_000; i++) s.offer(i, i * 2);
    const { timeSeconds, values } = s.toSeries();
    expect(timeSeconds.length).toBeLessThanOrEqual(64);
    expect(timeSeconds.length).toBeGreaterThanOrEqual(32);
    expect(timeSeconds[0]).toBe(0);
    expect(timeSeconds[timeSeconds.length - 1]).toBeGreaterThan(10_000 * 0.9);
    const stride = timeSeconds[1] - timeSeconds[0];
    for (let i = 1; i < timeSeconds.length; i++) expect(timeSeconds[i] - timeSeconds[i - 1]).toBe(stride);
    expect(values[5]).toBe(timeSeconds[5] * 2);
  });
});

describe('MinHeap', () => {
  it('pops by key, then by tie, whatever the push order', () => {
    const heap = new MinHeap(2);
    const entries = [[3, 1, 30], [1, 2, 12], [1, 1, 11], [2, 0, 20], [1, 3, 13]];
    for (const [k, t, v] of entries) heap.push(k, t, v);
    const out: number[] = [];
    while (heap.size > 0) out.push(heap.pop());
    expect(out).toEqual([11, 12, 13, 20, 30]);
  });
});

describe('createRandom', () => {
  it('gives the same stream for a seed, a different one for another seed, uniform in [0, 1)', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const xs = Array.from({ length: 10_000 }, () => a.next());
    expect(Array.from({ length: 10_000 }, () => b.next())).toEqual(xs);
    expect(c.next()).not.toBe(xs[0]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  });
});
