import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import { simulateDisaggregated } from './disaggregated-simulate.ts';
import { RequestStatus } from './request-table.ts';
import { simulate, type SimulationResult } from './simulate.ts';
import { summarizeSimulation } from './summarize-simulation.ts';
import { generateRequests } from './workload.ts';

// Decode steps that grow with context, so that closed-form runs and step-by-step pricing would differ if mixed up.
const model = createConstantPerformanceModel({
  stepOverheadSeconds: 0.003,
  prefillSecondsPerToken: 20e-6,
  decodeSecondsPerStep: 0.004,
  decodeSecondsPerSequence: 1e-5,
  decodeSecondsPerCachedToken: 1.6e-7,
});

const busy = generateRequests(
  {
    numRequests: 300,
    arrival: { kind: 'poisson', rate: 40 },
    inputLength: { kind: 'uniform', min: 100, max: 2000 },
    outputLength: { kind: 'uniform', min: 1, max: 400 },
  },
  7,
);

/** Every request's token times agree with what the run reports otherwise: first token, finish, and the ITL sketch's count and mean. */
function checkAgainstRun(result: SimulationResult, tokensPerRequest: (i: number) => number | undefined) {
  const times = result.tokenTimes!;
  const r = result.requests;
  let gaps = 0;
  let gapSum = 0;
  for (let i = 0; i < r.status.length; i++) {
    const mine = times.seconds.subarray(times.offsets[i], times.offsets[i + 1]);
    if (r.status[i] !== RequestStatus.finished) {
      expect(mine.length).toBe(0);
      continue;
    }
    const expected = tokensPerRequest(i);
    if (expected !== undefined) expect(mine.length).toBe(expected);
    expect(mine[0]).toBe(r.firstTokenSeconds[i]);
    expect(mine[mine.length - 1]).toBe(r.finishSeconds[i]);
    for (let j = 1; j < mine.length; j++) {
      expect(mine[j]).toBeGreaterThan(mine[j - 1]);
      gaps++;
      gapSum += mine[j] - mine[j - 1];
    }
  }
  expect(gaps).toBe(result.itlSeconds.count);
  expect(gapSum / gaps).toBeCloseTo(result.itlSeconds.mean(), 9);
}

describe('per-request token times (vLLM detailed itls)', () => {
  it('one time per output token, first at the first token and last at the finish, through preemptions; the run is otherwise unchanged', () => {
    // 2,000 blocks of 16 tokens under this load: requests are preempted and recomputed.
    const options = { performanceModel: model, requests: busy, kvCacheBlocksPerReplica: 2000 };
    const recorded = simulate({ ...options, recordTokenTimes: true });
    expect(recorded.preemptions).toBeGreaterThan(0);
    checkAgainstRun(recorded, (i) => busy.outputTokens[i]);
    const plain = simulate(options);
    expect(plain.tokenTimes).toBeUndefined();
    const a = summarizeSimulation(recorded);
    const b = summarizeSimulation(plain);
    expect(a.completed).toBe(b.completed);
    expect(a.preemptions).toBe(b.preemptions);
    expect(a.mean_ttft_ms).toBeCloseTo(b.mean_ttft_ms, 6);
    expect(a.mean_tpot_ms).toBeCloseTo(b.mean_tpot_ms, 6);
    expect(a.p99_itl_ms).toBeCloseTo(b.p99_itl_ms, 6);
  });

  it('with speculative decoding, one time per verification step (its accepted tokens arrive together)', () => {
    const result = simulate({
      performanceModel: model,
      requests: busy,
      kvCacheBlocksPerReplica: 20_000,
      recordTokenTimes: true,
      scheduler: { speculative: { numSpeculativeTokens: 3, acceptanceProbabilities: [0.8, 0.6, 0.4], seed: 1 } },
    });
    checkAgainstRun(result, () => undefined);
    // Fewer chunks than tokens: drafts were accepted.
    expect(result.tokenTimes!.seconds.length).toBeLessThan(result.completed + result.speculativeTokensEmitted);
  });

  it('in a disaggregated cluster, the decode instances’ tokens', () => {
    const result = simulateDisaggregated({
      prefillPool: { performanceModel: model, kvCacheBlocks: 20_000 },
      decodePool: { performanceModel: model, kvCacheBlocks: 3000 },
      kvTransfer: { bytesPerToken: 131_072, bandwidthBytesPerSecond: 50e9 },
      requests: busy,
      recordTokenTimes: true,
    });
    checkAgainstRun(result, (i) => busy.outputTokens[i]);
  });
});
