import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import { simulateDisaggregated } from './disaggregated-simulate.ts';
import type { DecodeRun, PerformanceModel, StepBatch } from './performance-model.ts';
import { ROUTER_NAMES } from './routers.ts';
import { simulate, type SimulationResult } from './simulate.ts';
import type { RequestSet } from './workload.ts';

/**
 * A roofline-shaped double: the decode part of a step is the larger of two affine functions of the
 * cached tokens (as an operator is compute- or memory-bound), so the time bends once and a decode run
 * has two regimes. Its `decodeRun` answers at most `pieceCap` steps at a time, which splits runs into
 * several pieces as a model with many regimes would.
 */
function createKneeModel(o: {
  overheadSeconds: number;
  prefillSecondsPerToken: number;
  decodeSecondsPerSequence: number;
  lowSecondsPerCachedToken: number;
  kneeSeconds: number;
  highSecondsPerCachedToken: number;
  pieceCap: number;
}): Required<PerformanceModel> {
  const context = (cached: number): [number, number] => [o.lowSecondsPerCachedToken * cached, o.kneeSeconds + o.highSecondsPerCachedToken * cached];
  const stepSeconds = (b: StepBatch): number => {
    if (b.prefillTokens === 0 && b.decodeSequences === 0) return 0;
    const [low, high] = context(b.decodeCachedTokens);
    const decode = b.decodeSequences > 0 ? b.decodeSequences * o.decodeSecondsPerSequence + Math.max(low, high) : 0;
    return o.overheadSeconds + b.prefillTokens * o.prefillSecondsPerToken + decode;
  };
  const constant = createConstantPerformanceModel({ prefillSecondsPerToken: 0, decodeSecondsPerStep: 0 });
  const decodeRun = (b: StepBatch, maxSteps: number): DecodeRun => {
    const bound = (cached: number): boolean => {
      const [low, high] = context(cached);
      return low >= high;
    };
    const first = bound(b.decodeCachedTokens);
    let steps = 1;
    const cap = Math.min(maxSteps, o.pieceCap);
    while (steps < cap && bound(b.decodeCachedTokens + steps * b.decodeSequences) === first) steps++;
    const perToken = first ? o.lowSecondsPerCachedToken : o.highSecondsPerCachedToken;
    return { steps, firstStepSeconds: stepSeconds(b), stepIncrementSeconds: b.decodeSequences * perToken };
  };
  return { stepTime: (b) => ({ ...constant.stepTime(b), totalSeconds: stepSeconds(b) }), stepSeconds, decodeRun };
}

/** The same model without `decodeRun`: the engine goes step by step. */
function stepByStep(model: PerformanceModel): PerformanceModel {
  return { stepTime: model.stepTime && ((b) => model.stepTime!(b)), stepSeconds: (b) => model.stepSeconds(b) };
}

const scenario = fc
  .record({
    blockSize: fc.constantFrom(1, 4, 16),
    maxNumSeqs: fc.integer({ min: 1, max: 8 }),
    extraBudget: fc.integer({ min: 0, max: 300 }),
    extraBlocks: fc.integer({ min: 0, max: 60 }),
    enableChunkedPrefill: fc.boolean(),
    numReplicas: fc.integer({ min: 1, max: 3 }),
    router: fc.constantFrom(...ROUTER_NAMES),
    timeSeriesCapacity: fc.integer({ min: 4, max: 40 }),
    breakdownSampleInterval: fc.integer({ min: 1, max: 12 }),
    // A closed loop (vLLM bench's --max-concurrency): arrivals wait for finishes.
    maxConcurrency: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    requests: fc.array(
      fc.record({
        gap: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.4, noNaN: true })),
        input: fc.integer({ min: 1, max: 120 }),
        output: fc.integer({ min: 1, max: 150 }),
      }),
      { minLength: 1, maxLength: 25 },
    ),
    model: fc.record({
      overheadSeconds: fc.double({ min: 1e-4, max: 2e-3, noNaN: true }),
      prefillSecondsPerToken: fc.double({ min: 1e-6, max: 1e-4, noNaN: true }),
      decodeSecondsPerSequence: fc.double({ min: 0, max: 1e-3, noNaN: true }),
      lowSecondsPerCachedToken: fc.double({ min: 0, max: 2e-5, noNaN: true }),
      kneeSeconds: fc.double({ min: -2e-3, max: 2e-3, noNaN: true }),
      highSecondsPerCachedToken: fc.double({ min: 0, max: 2e-5, noNaN: true }),
      pieceCap: fc.integer({ min: 1, max: 40 }),
    }),
  })
  .map((s) => {
    let t = 0;
    const requests: RequestSet = {
      arrivalSeconds: Float64Array.from(s.requests, (r) => (t += r.gap)),
      inputTokens: Int32Array.from(s.requests, (r) => r.input),
      outputTokens: Int32Array.from(s.requests, (r) => r.output),
    };
    const longest = Math.max(...s.requests.map((r) => r.input + r.output));
    const scheduler = {
      blockSize: s.blockSize,
      maxNumSeqs: s.maxNumSeqs,
      maxNumBatchedTokens: s.enableChunkedPrefill ? s.maxNumSeqs + s.extraBudget : Math.max(longest, s.maxNumSeqs) + s.extraBudget,
      enableChunkedPrefill: s.enableChunkedPrefill,
    };
    // Enough for the longest request, with little to spare: preemptions are common.
    const kvCacheBlocks = Math.ceil(longest / s.blockSize) + s.extraBlocks;
    return { s, requests, scheduler, kvCacheBlocks, model: createKneeModel(s.model) };
  });

const RELATIVE = 1e-9;

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (Number.isNaN(e)) expect(a, `${what}[${i}]`).toBeNaN();
    else expect(Math.abs(a - e), `${what}[${i}]: ${a} vs ${e}`).toBeLessThanOrEqual(RELATIVE * Math.max(1, Math.abs(e)));
  }
}

/** Runs must change nothing but rounding: counts exactly, times to 1e-9. */
function expectSameResults(runs: SimulationResult, steps: SimulationResult): void {
  expect(runs.completed).toBe(steps.completed);
  expect(runs.failed).toBe(steps.failed);
  expect(runs.steps).toBe(steps.steps);
  expect(runs.preemptions).toBe(steps.preemptions);
  expect(Array.from(runs.requests.preemptions)).toEqual(Array.from(steps.requests.preemptions));
  expect(Array.from(runs.requests.replica)).toEqual(Array.from(steps.requests.replica));
  expect(runs.kvCachePeakUtilization).toBe(steps.kvCachePeakUtilization);
  expect(runs.meanBatchSize).toBeCloseTo(steps.meanBatchSize, 12);
  expect(runs.itlSeconds.count).toBe(steps.itlSeconds.count);
  expectClose(runs.requests.firstScheduledSeconds, steps.requests.firstScheduledSeconds, 'firstScheduledSeconds');
  expectClose(runs.requests.firstTokenSeconds, steps.requests.firstTokenSeconds, 'firstTokenSeconds');
  expectClose(runs.requests.finishSeconds, steps.requests.finishSeconds, 'finishSeconds');
  expectClose(runs.busySecondsPerReplica, steps.busySecondsPerReplica, 'busySecondsPerReplica');
  expectClose([runs.itlSeconds.mean(), runs.itlSeconds.std(), runs.itlSeconds.min(), runs.itlSeconds.max()], [
    steps.itlSeconds.mean(),
    steps.itlSeconds.std(),
    steps.itlSeconds.min(),
    steps.itlSeconds.max(),
  ], 'itl mean, std, min, max');
  for (const q of steps.itlSeconds.count > 0 ? [0.5, 0.9, 0.99] : []) {
    // A value on a bucket edge may land one bucket over after rounding: 2e-4 relative at most.
    expect(Math.abs(runs.itlSeconds.quantile(q) / steps.itlSeconds.quantile(q) - 1)).toBeLessThanOrEqual(2.01e-4);
  }
  const ops = Object.keys(steps.operatorSeconds) as (keyof typeof steps.operatorSeconds)[];
  expect(Object.keys(runs.operatorSeconds).sort()).toEqual(ops.sort());
  expectClose(ops.map((op) => runs.operatorSeconds[op]!), ops.map((op) => steps.operatorSeconds[op]!), 'operatorSeconds');
  for (const name of Object.keys(steps.series)) {
    if (name === 'timeSeconds') expectClose(runs.series[name], steps.series[name], 'series.timeSeconds');
    else expect(runs.series[name], `series.${name}`).toEqual(steps.series[name]);
  }
  runs.replicas.forEach((r, i) => {
    const s = steps.replicas[i];
    expect(r.steps).toBe(s.steps);
    expect(r.preemptions).toBe(s.preemptions);
    expect(r.peakKvUtilization).toBe(s.peakKvUtilization);
    for (const key of ['batchSize', 'kvUtilization', 'waiting'] as const) {
      expectClose(r[key].timeSeconds, s[key].timeSeconds, `replica ${i} ${key} times`);
      expect(Array.from(r[key].values), `replica ${i} ${key}`).toEqual(Array.from(s[key].values));
    }
  });
}

describe('closed-form decode runs (properties)', () => {
  it('aggregated: the same results as step by step, on random workloads, schedulers, replicas, routers, open and closed loops', () => {
    fc.assert(
      fc.property(scenario, ({ s, requests, scheduler, kvCacheBlocks, model }) => {
        const common = {
          requests,
          scheduler,
          kvCacheBlocksPerReplica: kvCacheBlocks,
          numReplicas: s.numReplicas,
          router: s.router,
          timeSeriesCapacity: s.timeSeriesCapacity,
          breakdownSampleInterval: s.breakdownSampleInterval,
          maxConcurrency: s.maxConcurrency,
        };
        const runs = simulate({ ...common, performanceModel: model });
        const steps = simulate({ ...common, performanceModel: stepByStep(model) });
        expectSameResults(runs, steps);
      }),
      { numRuns: 300 },
    );
  });

  it('disaggregated: the same results as step by step, decode runs interleaved with prefills and KV transfers', () => {
    fc.assert(
      fc.property(
        scenario,
        fc.integer({ min: 1, max: 2 }),
        fc.constantFrom('fifo' as const, 'fair' as const),
        ({ s, requests, scheduler, kvCacheBlocks, model }, prefillInstances, sharing) => {
          const pool = (performanceModel: PerformanceModel, instances: number) => ({ performanceModel, instances, kvCacheBlocks, scheduler });
          const common = {
            requests,
            kvTransfer: { bytesPerToken: 1e5, bandwidthBytesPerSecond: 5e9, latencySeconds: 1e-4, sharing },
            router: s.router,
            timeSeriesCapacity: s.timeSeriesCapacity,
            breakdownSampleInterval: s.breakdownSampleInterval,
            maxConcurrency: s.maxConcurrency,
          };
          const runs = simulateDisaggregated({ ...common, prefillPool: pool(model, prefillInstances), decodePool: pool(model, s.numReplicas) });
          const plain = stepByStep(model);
          const steps = simulateDisaggregated({ ...common, prefillPool: pool(plain, prefillInstances), decodePool: pool(plain, s.numReplicas) });
          expectSameResults(runs, steps);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('prices a long lone decode in a few runs, not step by step', () => {
    const constant = createConstantPerformanceModel({ stepOverheadSeconds: 1e-3, prefillSecondsPerToken: 1e-5, decodeSecondsPerStep: 4e-3, decodeSecondsPerCachedToken: 1e-7 });
    let priced = 0;
    const model: PerformanceModel = {
      stepTime: (b) => constant.stepTime(b),
      stepSeconds: (b) => (priced++, constant.stepSeconds(b)),
      decodeRun: (b, maxSteps) => (priced++, constant.decodeRun!(b, maxSteps)),
    };
    const requests: RequestSet = { arrivalSeconds: Float64Array.of(0), inputTokens: Int32Array.of(100), outputTokens: Int32Array.of(10_000) };
    const options = { requests, kvCacheBlocksPerReplica: 1000, timeSeriesCapacity: 16, breakdownSampleInterval: 1000 };
    const runs = simulate({ ...options, performanceModel: model });
    const steps = simulate({ ...options, performanceModel: stepByStep(constant) });
    expectSameResults(runs, steps);
    expect(runs.steps).toBe(10_000);
    // One run between consecutive points kept in the series (16 at a time, thinned by halves: ~90 in all),
    // each priced by one stepSeconds and one decodeRun, where step by step prices all 10,000 steps.
    expect(priced).toBeLessThan(200);
  });
});
