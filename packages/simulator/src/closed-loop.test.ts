import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import { simulateDisaggregated } from './disaggregated-simulate.ts';
import { simulate } from './simulate.ts';
import { summarizeSimulation } from './summarize-simulation.ts';
import { generateRequests } from './workload.ts';

const model = createConstantPerformanceModel({
  stepOverheadSeconds: 0.004,
  prefillSecondsPerToken: 25e-6,
  decodeSecondsPerSequence: 150e-6,
  decodeSecondsPerCachedToken: 2e-8,
  decodeSecondsPerStep: 0.001,
});

function workload(numRequests: number, rate: number | 'inf', seed = 1) {
  return generateRequests(
    {
      numRequests,
      arrival: rate === 'inf' ? { kind: 'all-at-once' } : { kind: 'poisson', rate },
      inputLength: { kind: 'uniform', min: 100, max: 1500 },
      outputLength: { kind: 'uniform', min: 20, max: 300 },
    },
    seed,
  );
}

describe('--max-concurrency (closed loop)', () => {
  it('at concurrency 1 every request runs alone: TTFT is its prefill step, TPOT its decode steps', () => {
    const requests = workload(30, 'inf');
    const result = simulate({ performanceModel: model, requests, kvCacheBlocksPerReplica: 10_000, maxConcurrency: 1 });
    const r = result.requests;
    for (let i = 0; i < r.ttftSeconds.length; i++) {
      const input = r.inputTokens[i];
      const output = r.outputTokens[i];
      const prefill = model.stepSeconds({ prefillSequences: 1, prefillTokens: input, prefillCachedTokens: 0, prefillAttentionPairs: 0, decodeSequences: 0, decodeCachedTokens: 0 });
      expect(r.ttftSeconds[i]).toBeCloseTo(prefill, 12);
      // Decode step k feeds output token k: the prompt and k - 1 earlier outputs are cached.
      let decode = 0;
      for (let k = 1; k < output; k++) {
        decode += model.stepSeconds({ prefillSequences: 0, prefillTokens: 0, prefillCachedTokens: 0, prefillAttentionPairs: 0, decodeSequences: 1, decodeCachedTokens: input + k - 1 });
      }
      expect(r.tpotSeconds[i]).toBeCloseTo(decode / (output - 1), 12);
      // Sent the instant the previous one finished.
      if (i > 0) expect(r.arrivalSeconds[i]).toBe(r.finishSeconds[i - 1]);
    }
    expect(result.meanBatchSize).toBe(1);
  });

  it('holds Little’s law: mean requests in the system = throughput x mean latency, and = C in a closed loop', () => {
    for (const c of [1, 4, 16, 64]) {
      const result = simulate({ performanceModel: model, requests: workload(3000, 'inf'), kvCacheBlocksPerReplica: 20_000, maxConcurrency: c });
      const s = summarizeSimulation(result);
      expect(s.mean_concurrent_requests).toBeCloseTo(s.request_throughput * (s.mean_e2el_ms / 1000), 6);
      // Only the drain at the end (the last C requests) runs below C.
      expect(s.mean_concurrent_requests).toBeLessThanOrEqual(c);
      expect(s.mean_concurrent_requests).toBeGreaterThan(c * 0.97);
      expect(result.series.runningRequests.every((x, k) => x + result.series.waitingRequests[k] <= c)).toBe(true);
    }
  });

  it('at a finite rate the cap holds and Little’s law still holds', () => {
    for (const rate of [5, 50, 500]) {
      const result = simulate({ performanceModel: model, requests: workload(2000, rate), kvCacheBlocksPerReplica: 20_000, maxConcurrency: 8 });
      const s = summarizeSimulation(result);
      expect(s.mean_concurrent_requests).toBeCloseTo(s.request_throughput * (s.mean_e2el_ms / 1000), 6);
      expect(s.mean_concurrent_requests).toBeLessThanOrEqual(8);
      expect(Array.from(result.requests.arrivalSeconds).every((a, i, all) => i === 0 || a >= all[i - 1])).toBe(true);
    }
  });

  it('a cap above the number of requests changes nothing', () => {
    const requests = workload(500, 20);
    const open = simulate({ performanceModel: model, requests, kvCacheBlocksPerReplica: 5_000 });
    const capped = simulate({ performanceModel: model, requests, kvCacheBlocksPerReplica: 5_000, maxConcurrency: 500 });
    expect(summarizeSimulation(capped)).toEqual(summarizeSimulation(open));
  });

  it('caps a disaggregated cluster too', () => {
    const result = simulateDisaggregated({
      prefillPool: { performanceModel: model, kvCacheBlocks: 5_000 },
      decodePool: { performanceModel: model, kvCacheBlocks: 5_000 },
      kvTransfer: { bytesPerToken: 131072, bandwidthBytesPerSecond: 50e9 },
      requests: workload(1000, 'inf'),
      maxConcurrency: 12,
    });
    const s = summarizeSimulation(result);
    expect(s.mean_concurrent_requests).toBeLessThanOrEqual(12);
    expect(s.mean_concurrent_requests).toBeGreaterThan(12 * 0.95);
    expect(s.mean_concurrent_requests).toBeCloseTo(s.request_throughput * (s.mean_e2el_ms / 1000), 6);
  });
});
