import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import type { PerformanceModel, StepBatch } from './performance-model.ts';
import { SIMULTANEOUS_EVENT_ORDER, simulate, type SimulationOptions } from './simulate.ts';
import { summarizeSimulation } from './summarize-simulation.ts';
import { generateRequests, parseTraceCsv, type RequestSet } from './workload.ts';

const dataDir = path.resolve(new URL('.', import.meta.url).pathname, '../../../../shared/data');

// Prefill of 512 tokens: 5 ms + 512 * 20 us = 15.24 ms; a decode step of one sequence: 5 ms + 0.1 ms.
const model = createConstantPerformanceModel({
  stepOverheadSeconds: 0.005,
  prefillSecondsPerToken: 20e-6,
  decodeSecondsPerStep: 0,
  decodeSecondsPerSequence: 100e-6,
});

function requests(rows: [arrival: number, input: number, output: number][]): RequestSet {
  return {
    arrivalSeconds: Float64Array.from(rows, (r) => r[0]),
    inputTokens: Int32Array.from(rows, (r) => r[1]),
    outputTokens: Int32Array.from(rows, (r) => r[2]),
  };
}

/** Wraps a model to record every batch it prices. */
function recording(inner: Required<PerformanceModel>): PerformanceModel & { batches: StepBatch[] } {
  const batches: StepBatch[] = [];
  return {
    batches,
    stepTime: (b) => inner.stepTime(b),
    stepSeconds: (b) => {
      batches.push({ ...b });
      return inner.stepSeconds(b);
    },
  };
}

type Workload = Parameters<typeof generateRequests>[0];
/** simulate() with requests drawn from a synthetic workload. */
function simulateWorkload(options: Omit<SimulationOptions, 'requests'> & { workload: Workload; seed?: number }) {
  const { workload, seed = 0, ...rest } = options;
  return simulate({ ...rest, requests: generateRequests(workload, seed) });
}

describe('simulate on one replica', () => {
  it('at very low load, TTFT is the prefill step and TPOT the decode step of the model', () => {
    const result = simulateWorkload({
      performanceModel: model,
      kvCacheBlocksPerReplica: 10_000,
      workload: {
        numRequests: 20,
        arrival: { kind: 'fixed', rate: 0.5 },
        inputLength: { kind: 'fixed', value: 512 },
        outputLength: { kind: 'fixed', value: 64 },
      },
    });
    const s = summarizeSimulation(result);
    expect(s.completed).toBe(20);
    for (const key of ['mean_ttft_ms', 'median_ttft_ms', 'p99_ttft_ms'] as const) expect(s[key]).toBeCloseTo(15.24, 9);
    expect(s.std_ttft_ms).toBeCloseTo(0, 9);
    expect(s.mean_tpot_ms).toBeCloseTo(5.1, 9);
    expect(s.mean_itl_ms).toBeCloseTo(5.1, 9);
    expect(s.median_itl_ms).toBeCloseTo(5.1, 9);
    expect(s.mean_e2el_ms).toBeCloseTo(15.24 + 63 * 5.1, 6);
    expect(s.mean_queueing_delay_ms).toBe(0);
    expect(s.preemptions).toBe(0);
    // 19 gaps of 2 s between arrivals, then the last request's own latency.
    expect(s.duration).toBeCloseTo(38 + 0.01524 + 63 * 0.0051, 9);
    expect(s.total_input_tokens).toBe(20 * 512);
    expect(s.output_throughput).toBeCloseTo((20 * 64) / s.duration, 9);
  });

  it('at saturation, output throughput approaches the max_num_seqs bound and never exceeds it', () => {
    const maxNumSeqs = 32;
    const result = simulateWorkload({
      performanceModel: model,
      kvCacheBlocksPerReplica: 100_000, scheduler: { maxNumSeqs },
      workload: {
        numRequests: 2000,
        arrival: { kind: 'all-at-once' },
        inputLength: { kind: 'fixed', value: 16 },
        outputLength: { kind: 'fixed', value: 256 },
      },
    });
    const s = summarizeSimulation(result);
    // At most 32 tokens per step, and a step of 32 decodes takes 5 ms + 32 * 0.1 ms.
    const bound = maxNumSeqs / (0.005 + maxNumSeqs * 100e-6);
    expect(s.output_throughput).toBeLessThanOrEqual(bound);
    expect(s.output_throughput).toBeGreaterThan(0.97 * bound);
    expect(Math.max(...result.replicas[0].batchSize.values)).toBe(maxNumSeqs);
  });

  it('orders simultaneous events: a request arriving as a step ends joins the next step', () => {
    expect(SIMULTANEOUS_EVENT_ORDER).toEqual(['step-end', 'arrival', 'schedule']);
    const m = recording(createConstantPerformanceModel({ prefillSecondsPerToken: 0.001, decodeSecondsPerStep: 0.002 }));
    // The first request's prefill (10 tokens) ends at 0.01 s, exactly when the second arrives.
    const result = simulate({ performanceModel: m, kvCacheBlocksPerReplica: 100, requests: requests([[0, 10, 2], [0.01, 10, 2]]) });
    expect(result.requests.firstScheduledSeconds[1]).toBe(0.01);
    expect(m.batches[1]).toMatchObject({ prefillSequences: 1, prefillTokens: 10, decodeSequences: 1, decodeCachedTokens: 10 });
    expect(result.requests.finishSeconds[0]).toBeCloseTo(0.022, 12);
    expect(result.requests.firstTokenSeconds[1]).toBeCloseTo(0.022, 12);
  });

  it('splits a long prompt into chunks under the token budget (chunked prefill)', () => {
    const m = recording(createConstantPerformanceModel({ prefillSecondsPerToken: 0.001, decodeSecondsPerStep: 0.002, stepOverheadSeconds: 0.01 }));
    const result = simulate({
      performanceModel: m,
      kvCacheBlocksPerReplica: 1000, scheduler: { maxNumBatchedTokens: 512, maxNumSeqs: 8 },
      requests: requests([[0, 1300, 2]]),
    });
    expect(m.batches.map((b) => [b.prefillTokens, b.prefillCachedTokens, b.decodeSequences])).toEqual([
      [512, 0, 0],
      [512, 512, 0],
      [276, 1024, 0],
      [0, 0, 1],
    ]);
    expect(m.batches[1].prefillAttentionPairs).toBe(512 * 512 + (512 * 513) / 2);
    expect(result.requests.ttftSeconds[0]).toBeCloseTo(3 * 0.01 + 1.3, 12);
    expect(result.requests.e2elSeconds[0]).toBeCloseTo(3 * 0.01 + 1.3 + 0.012, 12);
  });

  it('shares the budget: decodes first, then the rest of the budget to a waiting prompt', () => {
    const m = recording(createConstantPerformanceModel({ prefillSecondsPerToken: 0.001, decodeSecondsPerStep: 0.002 }));
    simulate({
      performanceModel: m,
      kvCacheBlocksPerReplica: 1000, scheduler: { maxNumBatchedTokens: 100, maxNumSeqs: 4 },
      requests: requests([[0, 60, 5], [0, 60, 5], [0, 90, 5]]),
    });
    expect(m.batches.slice(0, 3).map((b) => [b.prefillSequences, b.prefillTokens, b.decodeSequences])).toEqual([
      [2, 100, 0], // the first prompt whole, 40 tokens of the second
      [2, 99, 1], // one decode, the second prompt's last 20 tokens, 79 of the third
      [1, 11, 2], // two decodes, the third prompt's last 11 tokens
    ]);
  });

  it('preempts the most recently admitted request when blocks run out, and recomputes it later', () => {
    // 6 blocks of 4 tokens; each request needs at most 4 blocks (8 + 8 - 1 tokens).
    const m = recording(createConstantPerformanceModel({ prefillSecondsPerToken: 0.001, decodeSecondsPerStep: 0, decodeSecondsPerSequence: 0.001 }));
    const result = simulate({
      performanceModel: m,
      kvCacheBlocksPerReplica: 6, scheduler: { blockSize: 4, maxNumSeqs: 4, maxNumBatchedTokens: 64 },
      requests: requests([[0, 8, 8], [0, 8, 8]]),
    });
    const r = result.requests;
    // Step 6 needs a 4th block for each: the second request is preempted with 5 tokens generated,
    // the first finishes at step 8, then the second recomputes 8 + 5 tokens and decodes 2 more.
    expect(m.batches.map((b) => [b.prefillTokens, b.decodeSequences])).toEqual([
      [16, 0], [0, 2], [0, 2], [0, 2], [0, 2], [0, 1], [0, 1], [0, 1], [13, 0], [0, 1], [0, 1],
    ]);
    expect(Array.from(r.preemptions)).toEqual([0, 1]);
    expect(result.preemptions).toBe(1);
    expect(r.finishSeconds[0]).toBeCloseTo(0.027, 12);
    expect(r.finishSeconds[1]).toBeCloseTo(0.042, 12);
    expect(r.ttftSeconds[1]).toBeCloseTo(0.016, 12);
    expect(result.itlSeconds.count).toBe(14);
    expect(result.kvCachePeakUtilization).toBe(1);
    expect(result.completed).toBe(2);
  });

  it('under KV pressure preempts and still completes every request', () => {
    const result = simulateWorkload({
      performanceModel: model,
      kvCacheBlocksPerReplica: 64,
      seed: 3,
      workload: {
        numRequests: 200,
        arrival: { kind: 'poisson', rate: 50 },
        inputLength: { kind: 'uniform', min: 50, max: 300 },
        outputLength: { kind: 'uniform', min: 50, max: 400 },
      },
    });
    expect(result.preemptions).toBeGreaterThan(0);
    expect(result.completed).toBe(200);
    expect(result.kvCachePeakUtilization).toBeLessThanOrEqual(1);
    expect(Math.max(...result.replicas[0].kvUtilization.values)).toBeLessThanOrEqual(1);
  });

  it('fails a request that can never fit, with its reason, and completes the others', () => {
    const result = simulate({
      performanceModel: model,
      kvCacheBlocksPerReplica: 10, scheduler: { maxModelLen: 1000 },
      // 10 blocks hold 160 tokens: 150 + 20 - 1 do not fit; 900 + 200 exceed max_model_len.
      requests: requests([[0, 100, 20], [0.1, 150, 20], [0.2, 900, 200], [0.3, 100, 61]]),
    });
    expect(result.completed).toBe(2);
    expect(result.failed).toBe(2);
    expect(result.failures).toEqual({ exceeds_kv_cache_capacity: 1, exceeds_max_model_len: 1 });
    expect(Array.from(result.requests.status)).toEqual([3, 4, 4, 3]);
    expect(Array.from(result.requests.failureReason)).toEqual([0, 2, 1, 0]);
    expect(summarizeSimulation(result).total_input_tokens).toBe(200);
  });

  it('gives identical results for the same seed and different ones for another seed', () => {
    const run = (seed: number) =>
      simulateWorkload({
        performanceModel: model,
        kvCacheBlocksPerReplica: 200,
        seed,
        workload: {
          numRequests: 300,
          arrival: { kind: 'gamma', rate: 40, burstiness: 0.5 },
          inputLength: { kind: 'normal', mean: 300, std: 100 },
          outputLength: { kind: 'normal', mean: 100, std: 50 },
        },
      });
    const a = summarizeSimulation(run(7));
    expect(summarizeSimulation(run(7))).toEqual(a);
    expect(summarizeSimulation(run(8)).mean_e2el_ms).not.toBe(a.mean_e2el_ms);
  });

  it("obeys Little's law: throughput x mean latency = mean requests in the system", () => {
    const result = simulateWorkload({
      performanceModel: model,
      kvCacheBlocksPerReplica: 2000,
      seed: 11,
      workload: {
        numRequests: 3000,
        arrival: { kind: 'poisson', rate: 20 },
        inputLength: { kind: 'uniform', min: 100, max: 1000 },
        outputLength: { kind: 'uniform', min: 10, max: 300 },
      },
    });
    const s = summarizeSimulation(result);
    expect(result.meanConcurrentRequests).toBeGreaterThan(5);
    expect((s.request_throughput * s.mean_e2el_ms) / 1000 / result.meanConcurrentRequests).toBeCloseTo(1, 6);
  });

  it('counts goodput: requests meeting every SLO, per second of the run', () => {
    // TTFT of a 100-token prompt: 5 + 2 ms; of a 1000-token prompt: 5 + 20 ms.
    const set = requests([[0, 100, 10], [1, 1000, 10], [2, 100, 10], [3, 1000, 1]]);
    const result = simulate({ performanceModel: model, kvCacheBlocksPerReplica: 1000, requests: set });
    const s = summarizeSimulation(result, { ttft: 10 });
    expect(s.request_goodput).toBeCloseTo(2 / s.duration, 12);
    expect(summarizeSimulation(result, { ttft: 30, tpot: 5.2 }).request_goodput).toBeCloseTo(4 / s.duration, 12);
    // A one-token output has no TPOT and meets any TPOT bound, as in vLLM.
    expect(summarizeSimulation(result, { tpot: 5 }).request_goodput).toBeCloseTo(1 / s.duration, 12);
    expect(summarizeSimulation(result).request_goodput).toBeNull();
    expect(s.completed).toBe(4);
  });

  it('replays the Azure 2023 conversation trace completely', () => {
    const trace = parseTraceCsv(readFileSync(path.join(dataDir, 'azure2023_conv_trace_vidur.csv'), 'utf8'));
    expect(trace.arrivalSeconds.length).toBe(19_366);
    const llama7bLike = createConstantPerformanceModel({
      stepOverheadSeconds: 0.004,
      prefillSecondsPerToken: 60e-6,
      decodeSecondsPerStep: 0.008,
      decodeSecondsPerSequence: 20e-6,
      decodeSecondsPerCachedToken: 2e-8,
    });
    const result = simulate({ performanceModel: llama7bLike, kvCacheBlocksPerReplica: 7000, requests: trace });
    const s = summarizeSimulation(result);
    expect(s.completed).toBe(19_366);
    expect(s.failed).toBe(0);
    let input = 0;
    for (const x of trace.inputTokens) input += x;
    expect(s.total_input_tokens).toBe(input);
    // The trace spans an hour; a replica that keeps up ends shortly after the last arrival.
    expect(s.duration).toBeGreaterThan(trace.arrivalSeconds[trace.arrivalSeconds.length - 1]);
    expect(s.duration).toBeLessThan(trace.arrivalSeconds[trace.arrivalSeconds.length - 1] + 60);
  });
});

describe('simulate on a cluster', () => {
  const workload = {
    numRequests: 400,
    arrival: { kind: 'poisson' as const, rate: 60 },
    inputLength: { kind: 'uniform' as const, min: 100, max: 800 },
    outputLength: { kind: 'uniform' as const, min: 10, max: 200 },
  };

  it('round-robin sends request i to replica i mod N', () => {
    const result = simulateWorkload({ performanceModel: model, numReplicas: 3, kvCacheBlocksPerReplica: 500, workload });
    expect(Array.from(result.requests.replica.slice(0, 7))).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(result.replicas).toHaveLength(3);
    expect(result.completed).toBe(400);
  });

  it('more replicas lower the latency of the same workload', () => {
    const run = (replicas: number) =>
      summarizeSimulation(
        simulateWorkload({ performanceModel: model, numReplicas: replicas, kvCacheBlocksPerReplica: 500, router: 'least-outstanding', workload }),
      );
    expect(run(4).mean_e2el_ms).toBeLessThan(run(1).mean_e2el_ms);
  });

  it('rejects an unknown router, listing the known ones', () => {
    expect(() =>
      simulateWorkload({ performanceModel: model, kvCacheBlocksPerReplica: 10, router: 'random' as never, workload }),
    ).toThrow("unknown router 'random'; known: round-robin, least-outstanding, least-kv-cache");
  });
});

describe('generated workloads', () => {
  it('all-at-once sends every request at time 0', () => {
    const set = generateRequests(
      { numRequests: 5, arrival: { kind: 'all-at-once' }, inputLength: { kind: 'fixed', value: 3 }, outputLength: { kind: 'fixed', value: 4 } },
      1,
    );
    expect(Array.from(set.arrivalSeconds)).toEqual([0, 0, 0, 0, 0]);
  });
});
