import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import type { PerformanceModel, StepBatch } from './performance-model.ts';
import { simulate } from './simulate.ts';
import { summarizeSimulation } from './summarize-simulation.ts';
import type { RequestSet } from './workload.ts';

const model = createConstantPerformanceModel({ stepOverheadSeconds: 0.004, prefillSecondsPerToken: 50e-6, decodeSecondsPerStep: 0.001, decodeSecondsPerSequence: 1e-4 });

function recording(inner: Required<PerformanceModel>): PerformanceModel & { batches: StepBatch[] } {
  const batches: StepBatch[] = [];
  return { batches, stepTime: (b) => inner.stepTime(b), stepSeconds: (b) => (batches.push({ ...b }), inner.stepSeconds(b)) };
}

function alone(input: number, output: number, n = 1): RequestSet {
  return {
    arrivalSeconds: Float64Array.from({ length: n }, (_, i) => i * 1000),
    inputTokens: new Int32Array(n).fill(input),
    outputTokens: new Int32Array(n).fill(output),
  };
}

const speculative = (k: number, p: number, seed = 0) => ({ numSpeculativeTokens: k, acceptanceProbabilities: new Array(k).fill(p), seed });

describe('speculative decoding', () => {
  it('acceptance 1 emits k + 1 tokens per step; the KV grows by the tokens accepted', () => {
    const m = recording(model);
    const result = simulate({ performanceModel: m, requests: alone(100, 41), kvCacheBlocksPerReplica: 100, scheduler: { speculative: speculative(3, 1) } });
    // The prefill emits token 1; 40 more in steps of 4.
    const verifications = m.batches.slice(1);
    expect(verifications).toHaveLength(10);
    expect(verifications.map((b) => b.prefillCachedTokens)).toEqual([100, 104, 108, 112, 116, 120, 124, 128, 132, 136]);
    expect(verifications.every((b) => b.prefillTokens === 4 && b.prefillSequences === 1 && b.decodeSequences === 0)).toBe(true);
    const s = summarizeSimulation(result);
    expect(s.mean_acceptance_length).toBe(4);
    expect(s.total_output_tokens).toBe(41);
    // One ITL gap per verification: the four tokens stream out together.
    expect(result.itlSeconds.count).toBe(10);
  });

  it('acceptance 0 emits one token per step, as many steps as without speculation, each verifying k + 1 tokens', () => {
    const m = recording(model);
    const result = simulate({ performanceModel: m, requests: alone(100, 41), kvCacheBlocksPerReplica: 100, scheduler: { speculative: speculative(3, 0) } });
    const plain = simulate({ performanceModel: model, requests: alone(100, 41), kvCacheBlocksPerReplica: 100 });
    expect(result.steps).toBe(plain.steps);
    expect(summarizeSimulation(result).mean_acceptance_length).toBe(1);
    expect(m.batches.slice(1).map((b) => b.prefillCachedTokens)).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i));
  });

  it('a proposer adds k of its decode steps to every step that verifies', () => {
    const proposer = createConstantPerformanceModel({ prefillSecondsPerToken: 0, decodeSecondsPerStep: 0.002 });
    const withDraft = simulate({ performanceModel: model, proposer, requests: alone(100, 41), kvCacheBlocksPerReplica: 100, scheduler: { speculative: speculative(3, 1) } });
    const free = simulate({ performanceModel: model, requests: alone(100, 41), kvCacheBlocksPerReplica: 100, scheduler: { speculative: speculative(3, 1) } });
    expect(withDraft.requests.e2elSeconds[0] - free.requests.e2elSeconds[0]).toBeCloseTo(10 * 3 * 0.002, 12);
  });

  it('accepts draft i with its probability given the ones before: mean length 1 + p1 + p1 p2 + p1 p2 p3', () => {
    const probabilities = [0.8, 0.6, 0.5];
    const result = simulate({
      performanceModel: model,
      requests: { arrivalSeconds: new Float64Array(200), inputTokens: new Int32Array(200).fill(64), outputTokens: new Int32Array(200).fill(400) },
      kvCacheBlocksPerReplica: 20_000,
      scheduler: { speculative: { numSpeculativeTokens: 3, acceptanceProbabilities: probabilities, seed: 7 } },
    });
    const expected = 1 + 0.8 + 0.8 * 0.6 + 0.8 * 0.6 * 0.5;
    // ~30,000 verifications: the sample mean is within 1% of the expectation.
    expect(summarizeSimulation(result).mean_acceptance_length).toBeGreaterThan(expected * 0.99);
    expect(summarizeSimulation(result).mean_acceptance_length).toBeLessThan(expected * 1.01);
    expect(result.completed).toBe(200);
  });

  it('is deterministic for a seed, and preempts and recomputes correctly when blocks run out', () => {
    const requests: RequestSet = { arrivalSeconds: new Float64Array(40), inputTokens: new Int32Array(40).fill(300), outputTokens: new Int32Array(40).fill(300) };
    const options = { performanceModel: model, requests, kvCacheBlocksPerReplica: 200, scheduler: { speculative: speculative(4, 0.7, 3) } };
    const a = simulate(options);
    const b = simulate(options);
    expect(a.preemptions).toBeGreaterThan(0);
    expect(a.completed).toBe(40);
    expect(summarizeSimulation(a)).toEqual(summarizeSimulation(b));
    expect(summarizeSimulation(a).total_output_tokens).toBe(40 * 300);
  });
});
