import { describe, expect, it } from 'vitest';
import { expectedGroupsPerToken, expectedMaxGroupLoad, expectedMaxOfNormals } from './expert-load.ts';

/**
 * Exact E[max load] of n balls thrown uniformly into m bins: the sum over c >= 1 of 1 - P(every bin < c), where
 * P(every bin < c) fills the bins one by one (bin b takes j of the r balls left with the binomial chance of
 * j successes in r at 1 / (m - b)).
 */
function exactMaxLoad(n: number, m: number): number {
  const logFact = [0];
  for (let i = 1; i <= n; i++) logFact[i] = logFact[i - 1] + Math.log(i);
  const allBelow = (c: number) => {
    let left = new Array<number>(n + 1).fill(0);
    left[n] = 1;
    for (let b = 0; b < m; b++) {
      const p = 1 / (m - b);
      const next = new Array<number>(n + 1).fill(0);
      for (let r = 0; r <= n; r++) {
        if (left[r] === 0) continue;
        for (let j = 0; j < c && j <= r; j++) {
          const logChance = logFact[r] - logFact[j] - logFact[r - j] + j * Math.log(p) + (r - j) * Math.log1p(-p);
          next[r - j] += left[r] * (p === 1 ? (j === r ? 1 : 0) : Math.exp(logChance));
        }
      }
      left = next;
    }
    return left[0];
  };
  let expected = 0;
  for (let c = 1; c <= n; c++) {
    const below = allBelow(c);
    expected += 1 - below;
    if (below > 1 - 1e-12) break;
  }
  return expected;
}

describe('the most-loaded expert-parallel device', () => {
  it('takes the tabulated expected maxima of standard normals: 0.5642 (2), 1.0294 (4), 1.4236 (8), 1.7660 (16)', () => {
    expect(expectedMaxOfNormals(1)).toBe(0);
    expect(expectedMaxOfNormals(2)).toBeCloseTo(1 / Math.sqrt(Math.PI), 4);
    expect(expectedMaxOfNormals(4)).toBeCloseTo(1.0294, 3);
    expect(expectedMaxOfNormals(8)).toBeCloseTo(1.4236, 3);
    expect(expectedMaxOfNormals(16)).toBeCloseTo(1.766, 3);
  });

  it('by hand: 2 tokens, top-1 of 4 experts on 2 devices load the busier one with 1.5 on average; the model says 1.56', () => {
    // Loads (2,0), (1,1), (0,2) with probabilities 1/4, 1/2, 1/4: E[max] = 2/4 + 1/2 + 2/4 = 1.5.
    // Model: mean 2*1/2 = 1; s^2 = T k f / g = 2 * 1 * (3/3) / 2 = 1; E[max] = 1 + 1 * 0.5642.
    expect(expectedMaxGroupLoad(2, 1, 4, 2, expectedMaxOfNormals(2))).toBeCloseTo(1 + 1 / Math.sqrt(Math.PI), 3);
  });

  it('is within 3% of the exact multinomial maximum for 64 and 256 tokens over 8 devices (top-1)', () => {
    for (const tokens of [64, 256]) {
      const exact = exactMaxLoad(tokens, 8);
      const model = expectedMaxGroupLoad(tokens, 1, 8, 8, expectedMaxOfNormals(8));
      expect(Math.abs(model - exact) / exact, `${tokens} tokens: exact ${exact}, model ${model}`).toBeLessThan(0.03);
    }
  });

  it('adds 6% to the mean for DeepSeek-V3 at 512 tokens over ep=8, and a group never takes more than it holds', () => {
    // mean 512; s = sqrt(512 * 8 * (248/255) / 8) = 22.31; 512 + 22.31 * 1.4236 = 543.8.
    const load = expectedMaxGroupLoad(512, 8, 256, 8, expectedMaxOfNormals(8));
    expect(load).toBeCloseTo(512 + Math.sqrt((512 * 248) / 255) * expectedMaxOfNormals(8), 6);
    expect(load / 512).toBeCloseTo(1.062, 3);
    // One token over 256 devices of one expert each: 8 devices take one pick each, so the busiest takes exactly 1.
    expect(expectedMaxGroupLoad(1, 8, 256, 256, expectedMaxOfNormals(256))).toBe(1);
    // One token over 8 devices: at least one holds 1 of its 8 picks; the model says 2.40.
    expect(expectedMaxGroupLoad(1, 8, 256, 8, expectedMaxOfNormals(8))).toBeCloseTo(1 + Math.sqrt(248 / 255) * expectedMaxOfNormals(8), 6);
  });

  it('dispatches a token to the expected number of devices holding its experts: 8 picks of 256 over 8 devices reach 5.29', () => {
    let none = 1;
    for (let i = 0; i < 8; i++) none *= (256 - 32 - i) / (256 - i);
    expect(expectedGroupsPerToken(8, 256, 8)).toBeCloseTo(8 * (1 - none), 12);
    expect(expectedGroupsPerToken(8, 256, 8)).toBeCloseTo(5.29, 2);
    expect(expectedGroupsPerToken(8, 256, 1)).toBe(1);
    // Top-1: always exactly one device.
    expect(expectedGroupsPerToken(1, 64, 16)).toBeCloseTo(1, 12);
  });
});
