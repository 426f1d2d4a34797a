import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referenceSimulate } from '../test/reference-simulator.ts';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import type { PerformanceModel, StepBatch } from './performance-model.ts';
import { buildPrefixBlockKeys, type PromptSegments } from './prefix-cache.ts';
import { simulate } from './simulate.ts';
import { summarizeSimulation } from './summarize-simulation.ts';
import type { RequestSet } from './workload.ts';

const model = createConstantPerformanceModel({ stepOverheadSeconds: 0.005, prefillSecondsPerToken: 20e-6, decodeSecondsPerStep: 0.001, decodeSecondsPerSequence: 1e-4 });

function recording(inner: Required<PerformanceModel>): PerformanceModel & { batches: StepBatch[] } {
  const batches: StepBatch[] = [];
  return { batches, stepTime: (b) => inner.stepTime(b), stepSeconds: (b) => (batches.push({ ...b }), inner.stepSeconds(b)) };
}

/** Requests as [arrival, input, output, segments as [id, tokens][]]. */
function requests(rows: [number, number, number, [number, number][]][]): RequestSet {
  const offsets = [0];
  const ids: number[] = [];
  const tokens: number[] = [];
  for (const [, , , segs] of rows) {
    for (const [id, n] of segs) {
      ids.push(id);
      tokens.push(n);
    }
    offsets.push(ids.length);
  }
  return {
    arrivalSeconds: Float64Array.from(rows, (r) => r[0]),
    inputTokens: Int32Array.from(rows, (r) => r[1]),
    outputTokens: Int32Array.from(rows, (r) => r[2]),
    promptSegments: { offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), tokens: Int32Array.from(tokens) },
  };
}

describe('prefix block keys', () => {
  it('gives equal keys exactly to blocks whose whole prefix is equal', () => {
    const segments: PromptSegments = {
      offsets: Int32Array.from([0, 2, 4, 6, 7]),
      ids: Int32Array.from([7, -1, 7, -1, 8, 7, 7]),
      tokens: Int32Array.from([40, 10, 40, 30, 40, 40, 80]),
    };
    const k = buildPrefixBlockKeys(segments, 4, 16);
    const keysOf = (i: number) => Array.from(k.keys.subarray(k.offsets[i], k.offsets[i + 1]));
    // 40 shared tokens: two full blocks of 16; the third block holds 8 private tokens.
    expect(keysOf(0)).toEqual(keysOf(1));
    expect(keysOf(0)).toHaveLength(2);
    // Same segment after a different one: a different prefix, different keys.
    expect(keysOf(2)).toHaveLength(5);
    expect(keysOf(2).some((key) => keysOf(0).includes(key))).toBe(false);
    // Segment 7 twice (80 tokens) shares its first 40 tokens' blocks with requests 0 and 1; then they differ.
    expect(keysOf(3).slice(0, 2)).toEqual(keysOf(0));
    expect(keysOf(3)).toHaveLength(5);
  });
});

describe('prefix caching (vLLM V1 automatic prefix caching)', () => {
  it('two requests with a 1,000-token shared prefix: the second prefills only its own tokens (and the partial block)', () => {
    const set = requests([
      [0, 1050, 10, [[1, 1000], [-1, 50]]],
      [1, 1080, 10, [[1, 1000], [-1, 80]]],
    ]);
    const m = recording(model);
    const result = simulate({ performanceModel: m, requests: set, kvCacheBlocksPerReplica: 1000 });
    // 1000 tokens = 62 full blocks of 16 (992 tokens); the 63rd block mixes shared and own tokens.
    const second = m.batches.find((b) => b.prefillSequences === 1 && b.prefillCachedTokens > 0)!;
    expect(second).toMatchObject({ prefillTokens: 1080 - 992, prefillCachedTokens: 992 });
    expect(result.requests.ttftSeconds[1]).toBeCloseTo(model.stepSeconds(second), 12);
    const s = summarizeSimulation(result);
    expect(s.prefix_cache_hit_rate).toBeCloseTo(992 / (1050 + 1080), 12);
    const saved = model.stepSeconds({ ...second, prefillTokens: 1080, prefillCachedTokens: 0 }) - model.stepSeconds(second);
    expect(s.prefill_time_saved_s).toBeCloseTo(saved, 12);

    const off = recording(model);
    const without = simulate({ performanceModel: off, requests: set, kvCacheBlocksPerReplica: 1000, scheduler: { enablePrefixCaching: false } });
    expect(off.batches.filter((b) => b.prefillSequences === 1).map((b) => b.prefillTokens)).toEqual([1050, 1080]);
    expect(summarizeSimulation(without).prefix_cache_hit_rate).toBe(0);
    expect(without.requests.ttftSeconds[1]).toBeGreaterThan(result.requests.ttftSeconds[1]);
  });

  it('a fully cached prompt still computes its last token', () => {
    const set = requests([
      [0, 64, 4, [[3, 64]]],
      [1, 64, 4, [[3, 64]]],
    ]);
    const m = recording(model);
    simulate({ performanceModel: m, requests: set, kvCacheBlocksPerReplica: 100 });
    expect(m.batches.filter((b) => b.prefillSequences === 1).map((b) => [b.prefillTokens, b.prefillCachedTokens])).toEqual([[64, 0], [16, 48]]);
  });

  it('evicts the least recently freed cached blocks first, a request\'s tail before its head', () => {
    // 10 blocks of 16. A and B (33 tokens: 2 cached blocks and 1 own each) finish one after the other;
    // the free queue is then [5 never used + A's own] A1 A0 [B's own] B1 B0, and C takes 6 blocks: the
    // 5 and A1 (A's tail goes first). D (A's prefix) finds A0 only and takes 2 blocks: its own and B1.
    // So E (B's prefix) finds B0 only.
    const set = requests([
      [0, 33, 1, [[1, 32], [-1, 1]]],
      [1, 33, 1, [[2, 32], [-1, 1]]],
      [2, 96, 1, [[-1, 96]]],
      [3, 33, 1, [[1, 32], [-1, 1]]],
      [4, 33, 1, [[2, 32], [-1, 1]]],
    ]);
    const m = recording(model);
    simulate({ performanceModel: m, requests: set, kvCacheBlocksPerReplica: 10 });
    expect(m.batches.map((b) => [b.prefillTokens, b.prefillCachedTokens])).toEqual([[33, 0], [33, 0], [96, 0], [17, 16], [17, 16]]);
  });

  it('recompute after preemption finds the blocks still cached', () => {
    // Two requests share a 64-token prefix and decode long outputs in a small cache: the later one is
    // preempted, and its recompute finds the prefix still held by the other.
    const set = requests([
      [0, 80, 60, [[5, 64], [-1, 16]]],
      [0, 80, 60, [[5, 64], [-1, 16]]],
    ]);
    const m = recording(model);
    const result = simulate({ performanceModel: m, requests: set, kvCacheBlocksPerReplica: 12 });
    expect(result.preemptions).toBeGreaterThan(0);
    // Both are admitted in the first step (the second already finds the first's blocks, cached as allocated); any later prefill is the recompute.
    expect(m.batches[0]).toMatchObject({ prefillSequences: 2, prefillTokens: 80 + 16, prefillCachedTokens: 64 });
    const recompute = m.batches.slice(1).filter((b) => b.prefillSequences === 1);
    expect(recompute.length).toBeGreaterThan(0);
    expect(recompute.every((b) => b.prefillCachedTokens >= 64)).toBe(true);
  });
});

const scenario = fc
  .record({
    blockSize: fc.constantFrom(1, 4, 16),
    maxNumSeqs: fc.integer({ min: 1, max: 8 }),
    extraBudget: fc.integer({ min: 0, max: 300 }),
    extraBlocks: fc.integer({ min: 0, max: 40 }),
    enableChunkedPrefill: fc.boolean(),
    docs: fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 3, maxLength: 3 }),
    requests: fc.array(
      fc.record({
        gap: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
        input: fc.integer({ min: 1, max: 120 }),
        output: fc.integer({ min: 1, max: 60 }),
        // -1: nothing shared; 0-2: starts with that document; 3: the same conversation, output included.
        share: fc.integer({ min: -1, max: 3 }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
  })
  .map((s) => {
    let t = 0;
    const segs = s.requests.map((r): [number, number][] => {
      if (r.share < 0) return [[-1, r.input]];
      if (r.share === 3) return [[9, r.input + r.output]];
      const shared = Math.min(r.input, s.docs[r.share]);
      return shared < r.input ? [[r.share, shared], [-1, r.input - shared]] : [[r.share, shared]];
    });
    const set = requests(s.requests.map((r, i) => [(t += r.gap), r.input, r.output, segs[i]]));
    const longest = Math.max(...s.requests.map((r) => r.input + r.output));
    const options = {
      blockSize: s.blockSize,
      kvCacheBlocks: Math.ceil(longest / s.blockSize) + s.extraBlocks,
      maxNumSeqs: s.maxNumSeqs,
      maxNumBatchedTokens: s.enableChunkedPrefill ? s.maxNumSeqs + s.extraBudget : Math.max(longest, s.maxNumSeqs) + s.extraBudget,
      enableChunkedPrefill: s.enableChunkedPrefill,
    };
    return { set, options };
  });

interface ScenarioOptions {
  blockSize: number;
  kvCacheBlocks: number;
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  enableChunkedPrefill: boolean;
}

function run(set: RequestSet, o: ScenarioOptions, enablePrefixCaching: boolean) {
  const { kvCacheBlocks, ...scheduler } = o;
  return simulate({ performanceModel: model, kvCacheBlocksPerReplica: kvCacheBlocks, scheduler: { ...scheduler, enablePrefixCaching }, requests: set });
}

describe('prefix caching (properties)', () => {
  it('agrees exactly with a plain block pool (vLLM V1 written the slow way)', () => {
    fc.assert(
      fc.property(scenario, ({ set, options }) => {
        const fast = run(set, options, true);
        const prefixKeys = buildPrefixBlockKeys(set.promptSegments!, set.arrivalSeconds.length, options.blockSize);
        const ref = referenceSimulate(set, { ...options, prefixKeys }, model);
        expect(Array.from(fast.requests.finishSeconds)).toEqual(ref.map((r) => r.finish));
        expect(Array.from(fast.requests.firstTokenSeconds)).toEqual(ref.map((r) => r.firstToken));
        expect(Array.from(fast.requests.preemptions)).toEqual(ref.map((r) => r.preemptions));
      }),
      { numRuns: 300 },
    );
  });

  it('with caching off, results are exactly those of a run without shared prefixes', () => {
    fc.assert(
      fc.property(scenario, ({ set, options }) => {
        const { promptSegments: _, ...plain } = set;
        const off = run(set, options, false);
        const today = run(plain, options, true);
        expect(summarizeSimulation(off)).toEqual(summarizeSimulation(today));
        expect(Array.from(off.requests.finishSeconds)).toEqual(Array.from(today.requests.finishSeconds));
        const ref = referenceSimulate(plain, options, model);
        expect(Array.from(off.requests.finishSeconds)).toEqual(ref.map((r) => r.finish));
      }),
      { numRuns: 150 },
    );
  });

  it('never makes a request slower to its first token when all arrive at once... or costs more prefill tokens', () => {
    fc.assert(
      fc.property(scenario, ({ set, options }) => {
        const on = run(set, options, true);
        const off = run(set, options, false);
        expect(on.completed).toBe(off.completed);
        const s = summarizeSimulation(on);
        expect(s.prefix_cache_hit_rate).toBeGreaterThanOrEqual(0);
        expect(s.prefix_cache_hit_rate).toBeLessThan(1);
        expect(s.prefill_time_saved_s).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 100 },
    );
  });
});
