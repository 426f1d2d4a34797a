import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarizeSimulation } from './metrics.ts';
import { RequestStatus, SIMULTANEOUS_EVENT_ORDER, simulate } from './simulate.ts';
import { createConstantPerformanceModel } from './test-doubles.ts';
import { arrivalForRate, generateRequests, parseTraceCsv, type RequestSet } from './workload.ts';

const traceUrl = new URL('../../../../shared/data/azure2023_conv_trace_vidur.csv', import.meta.url);

function fixedRequests(n: number, input: number, output: number, rate: number, seed = 1): RequestSet {
  return generateRequests(
    {
      numRequests: n,
      arrival: arrivalForRate(rate),
      inputLength: { kind: 'fixed', value: input },
      outputLength: { kind: 'fixed', value: output },
    },
    seed,
  );
}

// Prefill of 512 tokens: 5 ms + 512 * 20 us = 15.24 ms; a decode step of one sequence: 5 ms + 0.1 ms.
const model = createConstantPerformanceModel({
  stepOverheadSeconds: 0.005,
  secondsPerPrefillToken: 20e-6,
  secondsPerDecodeSequence: 100e-6,
});

describe('simulate', () => {
  it('at very low load, TTFT is the prefill step and TPOT the decode step of the model', () => {
    const result = simulate({ performanceModel: model, requests: fixedRequests(20, 512, 64, 0.5), kvCacheBlocksPerReplica: 10_000 });
    const s = summarizeSimulation(result);
    expect(s.completed).toBe(20);
    expect(s.mean_ttft_ms).toBeCloseTo(15.24, 9);
    expect(s.p99_ttft_ms).toBeCloseTo(15.24, 9);
    expect(s.mean_tpot_ms).toBeCloseTo(5.1, 9);
    expect(s.median_itl_ms).toBeCloseTo(5.1, 1);
    expect(s.mean_e2el_ms).toBeCloseTo(15.24 + 63 * 5.1, 6);
    expect(s.preemptions).toBe(0);
  });

  it('at saturation, output throughput approaches the max_num_seqs bound and never exceeds it', () => {
    const maxNumSeqs = 32;
    const result = simulate({
      performanceModel: model,
      requests: fixedRequests(2000, 16, 256, Infinity),
      kvCacheBlocksPerReplica: 100_000,
      scheduler: { maxNumSeqs },
    });
    const s = summarizeSimulation(result);
    // A full decode step: 32 tokens in 5 ms + 32 * 0.1 ms.
    const bound = maxNumSeqs / (0.005 + maxNumSeqs * 100e-6);
    expect(s.output_throughput).toBeLessThanOrEqual(bound);
    expect(s.output_throughput).toBeGreaterThan(0.97 * bound);
    expect(result.meanBatchSize).toBeLessThanOrEqual(maxNumSeqs);
  });

  it('gives identical results for the same seed and different ones for another seed', () => {
    const run = (seed: number) =>
      summarizeSimulation(
        simulate({
          performanceModel: model,
          requests: generateRequests(
            { numRequests: 500, arrival: { kind: 'poisson', rate: 20 }, inputLength: { kind: 'uniform', min: 10, max: 2000 }, outputLength: { kind: 'normal', mean: 100, std: 30 } },
            seed,
          ),
          kvCacheBlocksPerReplica: 2000,
        }),
      );
    expect(run(7)).toEqual(run(7));
    expect(run(7).mean_ttft_ms).not.toBe(run(8).mean_ttft_ms);
  });

  it('preempts under KV pressure and still completes every request', () => {
    const result = simulate({
      performanceModel: model,
      requests: fixedRequests(200, 200, 400, Infinity),
      // 300 blocks of 16 tokens hold 4800 tokens: far fewer than 200 requests need at once.
      kvCacheBlocksPerReplica: 300,
    });
    expect(result.preemptions).toBeGreaterThan(0);
    expect(result.completed).toBe(200);
    expect(result.failed).toBe(0);
    expect(result.kvCachePeakUtilization).toBeLessThanOrEqual(1);
    expect(result.kvCachePeakUtilization).toBeGreaterThan(0.9);
  });

  it("obeys Little's law: throughput x mean latency = mean number in the system", () => {
    const requests = generateRequests(
      { numRequests: 3000, arrival: { kind: 'poisson', rate: 30 }, inputLength: { kind: 'uniform', min: 50, max: 500 }, outputLength: { kind: 'uniform', min: 20, max: 200 } },
      3,
    );
    const result = simulate({ performanceModel: model, requests, kvCacheBlocksPerReplica: 5000 });
    const r = result.requests;
    let latencySum = 0;
    for (let i = 0; i < r.status.length; i++) latencySum += r.finishSeconds[i] - r.arrivalSeconds[i];
    const throughput = result.completed / result.durationSeconds;
    const meanLatency = latencySum / result.completed;
    // Mean concurrency measured independently, from the engine's own queue and batch over time.
    const { timeSeconds, waiting, running } = result.series;
    let area = 0;
    for (let k = 0; k + 1 < timeSeconds.length; k++) area += (waiting[k] + running[k]) * (timeSeconds[k + 1] - timeSeconds[k]);
    const meanConcurrency = area / (timeSeconds[timeSeconds.length - 1] - timeSeconds[0]);
    expect((throughput * meanLatency) / meanConcurrency).toBeGreaterThan(0.95);
    expect((throughput * meanLatency) / meanConcurrency).toBeLessThan(1.05);
  });

  it('splits a long prompt into chunks under the token budget', () => {
    const result = simulate({
      performanceModel: model,
      requests: fixedRequests(1, 10_000, 2, 1),
      kvCacheBlocksPerReplica: 10_000,
      scheduler: { maxNumBatchedTokens: 4096 },
    });
    // Chunks of 4096, 4096 and 1808 tokens, then one decode step.
    const expectedTtft = 3 * 0.005 + 10_000 * 20e-6;
    expect(result.requests.firstTokenSeconds[0]).toBeCloseTo(expectedTtft, 12);
    expect(result.steps).toBe(4);
  });

  it('fails, with its reason, a request that can never fit, and counts it: completed + failed = sent', () => {
    const requests: RequestSet = {
      arrivalSeconds: Float64Array.from([0, 0.1, 0.2]),
      inputTokens: Int32Array.from([100, 5000, 100]),
      outputTokens: Int32Array.from([10, 10, 10]),
    };
    const result = simulate({ performanceModel: model, requests, kvCacheBlocksPerReplica: 100, scheduler: { maxModelLen: 4096 } });
    expect(result.completed).toBe(2);
    expect(result.failed).toBe(1);
    expect(result.failures).toEqual({ exceeds_max_model_len: 1 });
    const tooBig = simulate({ performanceModel: model, requests, kvCacheBlocksPerReplica: 100 });
    expect(tooBig.failures).toEqual({ exceeds_kv_cache_capacity: 1 });
    expect(tooBig.completed + tooBig.failed).toBe(3);
  });

  it('replays the Azure 2023 conversation trace completely', () => {
    const trace = parseTraceCsv(readFileSync(traceUrl, 'utf8'), 'azure conv');
    expect(trace.arrivalSeconds.length).toBe(19_366);
    const result = simulate({
      performanceModel: createConstantPerformanceModel({ stepOverheadSeconds: 0.004, secondsPerPrefillToken: 2e-6, secondsPerDecodeSequence: 20e-6 }),
      requests: trace,
      kvCacheBlocksPerReplica: 20_000,
      numReplicas: 2,
      router: 'least-outstanding',
    });
    expect(result.completed).toBe(19_366);
    expect(result.requests.status.every((s) => s === RequestStatus.finished)).toBe(true);
  });

  it('routes round-robin across replicas and declares the order of simultaneous events', () => {
    const result = simulate({ performanceModel: model, requests: fixedRequests(9, 10, 5, 100), kvCacheBlocksPerReplica: 100, numReplicas: 3 });
    expect(Array.from(result.requests.replica)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(SIMULTANEOUS_EVENT_ORDER).toEqual(['step-end', 'arrival', 'schedule']);
  });

  it('joins requests that arrive when a step ends into the next step (all-at-once arrivals share one prefill)', () => {
    const result = simulate({ performanceModel: model, requests: fixedRequests(4, 100, 3, Infinity), kvCacheBlocksPerReplica: 100 });
    const first = Array.from(result.requests.firstTokenSeconds);
    expect(new Set(first).size).toBe(1);
    expect(first[0]).toBeCloseTo(0.005 + 400 * 20e-6, 12);
  });
});

describe('simulate properties', () => {
  it('every request finishes once, TTFT <= E2E, and a slower model never lowers latency', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0.5, max: 200, noNaN: true }),
        fc.integer({ min: 40, max: 400 }),
        (n, seed, rate, blocks) => {
          const requests = generateRequests(
            { numRequests: n, arrival: { kind: 'poisson', rate }, inputLength: { kind: 'uniform', min: 1, max: 600 }, outputLength: { kind: 'uniform', min: 1, max: 100 } },
            seed,
          );
          const fast = simulate({ performanceModel: model, requests, kvCacheBlocksPerReplica: blocks, scheduler: { maxNumSeqs: 8 } });
          expect(fast.completed + fast.failed).toBe(n);
          const r = fast.requests;
          for (let i = 0; i < n; i++) {
            if (r.status[i] !== RequestStatus.finished) continue;
            expect(r.firstTokenSeconds[i]).toBeLessThanOrEqual(r.finishSeconds[i]);
            expect(r.firstTokenSeconds[i]).toBeGreaterThan(r.arrivalSeconds[i]);
          }
          const slow = simulate({
            performanceModel: createConstantPerformanceModel({ stepOverheadSeconds: 0.01, secondsPerPrefillToken: 40e-6, secondsPerDecodeSequence: 200e-6 }),
            requests,
            kvCacheBlocksPerReplica: blocks,
            scheduler: { maxNumSeqs: 8 },
          });
          const total = (x: typeof fast) => {
            let s = 0;
            for (let i = 0; i < n; i++) if (x.requests.status[i] === RequestStatus.finished) s += x.requests.finishSeconds[i] - x.requests.arrivalSeconds[i];
            return s;
          };
          if (fast.preemptions === 0 && slow.preemptions === 0) expect(total(slow)).toBeGreaterThanOrEqual(total(fast));
        },
      ),
      { numRuns: 60 },
    );
  });
});
