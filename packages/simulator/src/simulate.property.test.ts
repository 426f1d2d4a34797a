import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import type { PerformanceModel } from './performance-model.ts';
import { referenceSimulate, type ReferenceOptions as Options } from '../test/reference-simulator.ts';
import { simulate } from './simulate.ts';
import type { RequestSet } from './workload.ts';

const scenario = fc
  .record({
    blockSize: fc.constantFrom(1, 4, 16),
    maxNumSeqs: fc.integer({ min: 1, max: 8 }),
    extraBudget: fc.integer({ min: 0, max: 300 }),
    extraBlocks: fc.integer({ min: 0, max: 40 }),
    enableChunkedPrefill: fc.boolean(),
    requests: fc.array(
      fc.record({
        gap: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.5, noNaN: true })),
        input: fc.integer({ min: 1, max: 120 }),
        output: fc.integer({ min: 1, max: 60 }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
    prefill: fc.double({ min: 1e-5, max: 1e-3, noNaN: true }),
    decode: fc.double({ min: 1e-4, max: 1e-2, noNaN: true }),
    perCached: fc.double({ min: 0, max: 1e-5, noNaN: true }),
  })
  .map((s) => {
    let t = 0;
    const set: RequestSet = {
      arrivalSeconds: Float64Array.from(s.requests, (r) => (t += r.gap)),
      inputTokens: Int32Array.from(s.requests, (r) => r.input),
      outputTokens: Int32Array.from(s.requests, (r) => r.output),
    };
    const longest = Math.max(...s.requests.map((r) => r.input + r.output));
    const options: Options = {
      blockSize: s.blockSize,
      // Enough for the longest request, with little to spare: preemptions are common.
      kvCacheBlocks: Math.ceil(longest / s.blockSize) + s.extraBlocks,
      maxNumSeqs: s.maxNumSeqs,
      maxNumBatchedTokens: s.enableChunkedPrefill ? s.maxNumSeqs + s.extraBudget : Math.max(longest, s.maxNumSeqs) + s.extraBudget,
      enableChunkedPrefill: s.enableChunkedPrefill,
    };
    const model = createConstantPerformanceModel({
      stepOverheadSeconds: 1e-3,
      prefillSecondsPerToken: s.prefill,
      decodeSecondsPerStep: s.decode,
      decodeSecondsPerCachedToken: s.perCached,
    });
    return { set, options, model, s };
  });

function run(set: RequestSet, o: Options, model: PerformanceModel) {
  const { kvCacheBlocks, ...scheduler } = o;
  return simulate({ performanceModel: model, kvCacheBlocksPerReplica: kvCacheBlocks, scheduler, requests: set });
}

describe('simulate (properties)', () => {
  it('agrees exactly with a plain step-by-step implementation of vLLM V1 scheduling', () => {
    fc.assert(
      fc.property(scenario, ({ set, options, model }) => {
        const fast = run(set, options, model);
        const ref = referenceSimulate(set, options, model);
        expect(Array.from(fast.requests.finishSeconds)).toEqual(ref.map((r) => r.finish));
        expect(Array.from(fast.requests.firstTokenSeconds)).toEqual(ref.map((r) => r.firstToken));
        expect(Array.from(fast.requests.preemptions)).toEqual(ref.map((r) => r.preemptions));
      }),
      { numRuns: 300 },
    );
  });

  it('completes every request exactly once, with TTFT <= E2E and one ITL gap per token after the first', () => {
    fc.assert(
      fc.property(scenario, ({ set, options, model }) => {
        const result = run(set, options, model);
        const n = set.arrivalSeconds.length;
        expect(result.completed + result.failed).toBe(n);
        expect(result.failed).toBe(0);
        let gaps = 0;
        for (let i = 0; i < n; i++) {
          const r = result.requests;
          expect(r.ttftSeconds[i]).toBeGreaterThan(0);
          expect(r.ttftSeconds[i]).toBeLessThanOrEqual(r.e2elSeconds[i]);
          expect(r.firstScheduledSeconds[i]).toBeGreaterThanOrEqual(r.arrivalSeconds[i]);
          gaps += r.outputTokens[i] - 1;
        }
        expect(result.itlSeconds.count).toBe(gaps);
        expect(result.kvCachePeakUtilization).toBeLessThanOrEqual(1);
      }),
      { numRuns: 200 },
    );
  });

  it('is monotone: a slower model never gives any request a lower latency (all requests sent at once)', () => {
    // With every request present from the start, the sequence of batches does not depend on time,
    // so each latency is a sum of step times, each no smaller under the slower model.
    fc.assert(
      fc.property(
        scenario,
        fc.double({ min: 0, max: 1e-3, noNaN: true }),
        fc.double({ min: 0, max: 1e-2, noNaN: true }),
        ({ set, options, s }, extraPrefill, extraDecode) => {
          const atOnce = { ...set, arrivalSeconds: new Float64Array(set.arrivalSeconds.length) };
          const base = { stepOverheadSeconds: 1e-3, decodeSecondsPerCachedToken: s.perCached };
          const fast = run(atOnce, options, createConstantPerformanceModel({ ...base, prefillSecondsPerToken: s.prefill, decodeSecondsPerStep: s.decode }));
          const slow = run(
            atOnce,
            options,
            createConstantPerformanceModel({ ...base, prefillSecondsPerToken: s.prefill + extraPrefill, decodeSecondsPerStep: s.decode + extraDecode }),
          );
          for (let i = 0; i < atOnce.arrivalSeconds.length; i++) {
            expect(slow.requests.e2elSeconds[i]).toBeGreaterThanOrEqual(fast.requests.e2elSeconds[i]);
            expect(slow.requests.ttftSeconds[i]).toBeGreaterThanOrEqual(fast.requests.ttftSeconds[i]);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
