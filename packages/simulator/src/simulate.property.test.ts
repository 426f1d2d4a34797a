import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import type { PerformanceModel, StepBatch } from './performance-model.ts';
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

describe('simulate with pipeline stages (vLLM V1 keeps one batch in flight per stage)', () => {
  /** One micro-batch of a cycle: the batch over min(stages, sequences), as the simulator prices it. */
  const microBatch = (b: StepBatch, stages: number): StepBatch => {
    const share = 1 / Math.max(1, Math.min(stages, b.prefillSequences + b.decodeSequences));
    return {
      prefillSequences: b.prefillSequences * share,
      prefillTokens: b.prefillTokens * share,
      prefillCachedTokens: b.prefillCachedTokens * share,
      prefillAttentionPairs: b.prefillAttentionPairs * share,
      decodeSequences: b.decodeSequences * share,
      decodeCachedTokens: b.decodeCachedTokens * share,
    };
  };

  it('pp=1 is the plain engine: the same results as leaving it out, and as the step-by-step reference', () => {
    fc.assert(
      fc.property(scenario, ({ set, options, model }) => {
        const { kvCacheBlocks, ...scheduler } = options;
        const one = simulate({ performanceModel: model, kvCacheBlocksPerReplica: kvCacheBlocks, scheduler: { ...scheduler, pipelineParallelSize: 1 }, requests: set });
        const plain = run(set, options, model);
        expect(Array.from(one.requests.finishSeconds)).toEqual(Array.from(plain.requests.finishSeconds));
        expect(Array.from(one.requests.firstTokenSeconds)).toEqual(Array.from(plain.requests.firstTokenSeconds));
        expect(one.itlSeconds.count).toBe(plain.itlSeconds.count);
        const ref = referenceSimulate(set, options, model);
        expect(Array.from(one.requests.finishSeconds)).toEqual(ref.map((r) => r.finish));
      }),
      { numRuns: 100 },
    );
  });

  it('schedules pp budgets a cycle and prices each cycle as one micro-batch through every stage, also over closed-form decode runs', () => {
    fc.assert(
      fc.property(scenario, fc.constantFrom(2, 3, 4), ({ set, options, model }, stages) => {
        const { kvCacheBlocks, ...scheduler } = options;
        const piped = simulate({ performanceModel: model, kvCacheBlocksPerReplica: kvCacheBlocks, scheduler: { ...scheduler, pipelineParallelSize: stages }, requests: set });
        // The reference engine, step by step, with the cycle's budget and the micro-batch's price.
        const perMicroBatch: PerformanceModel = { stepSeconds: (b) => model.stepSeconds(microBatch(b, stages)) };
        const ref = referenceSimulate(set, { ...options, maxNumBatchedTokens: stages * options.maxNumBatchedTokens }, perMicroBatch);
        ref.forEach((r, i) => {
          expect(piped.requests.finishSeconds[i]).toBeCloseTo(r.finish, 9);
          expect(piped.requests.firstTokenSeconds[i]).toBeCloseTo(r.firstToken, 9);
          expect(piped.requests.preemptions[i]).toBe(r.preemptions);
        });
      }),
      { numRuns: 150 },
    );
  });

  it('gains nothing when one sequence runs (every other stage waits: the bubble), and up to pp times when the step time grows with the batch', () => {
    const compute = createConstantPerformanceModel({ stepOverheadSeconds: 0, prefillSecondsPerToken: 1e-4, decodeSecondsPerStep: 0, decodeSecondsPerCachedToken: 1e-6 });
    const oneAtATime: RequestSet = { arrivalSeconds: Float64Array.of(0), inputTokens: Int32Array.of(100), outputTokens: Int32Array.of(50) };
    const scheduler = { blockSize: 16, maxNumSeqs: 64, maxNumBatchedTokens: 4096 };
    const at = (stages: number, requests: RequestSet) =>
      simulate({ performanceModel: compute, kvCacheBlocksPerReplica: 10_000, scheduler: { ...scheduler, pipelineParallelSize: stages }, requests });
    expect(at(4, oneAtATime).requests.finishSeconds[0]).toBe(at(1, oneAtATime).requests.finishSeconds[0]);
    const many: RequestSet = { arrivalSeconds: new Float64Array(64), inputTokens: new Int32Array(64).fill(100), outputTokens: new Int32Array(64).fill(200) };
    const ratio = at(1, many).requests.finishSeconds[63] / at(4, many).requests.finishSeconds[63];
    expect(ratio).toBeGreaterThan(3.9);
    expect(ratio).toBeLessThanOrEqual(4 + 1e-9);
  });
});
