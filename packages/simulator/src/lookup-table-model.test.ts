import { describe, expect, it } from 'vitest';
import { createConstantPerformanceModel } from './constant-performance-model.ts';
import type { PerformanceModel } from './performance-model.ts';
import { simulate } from './simulate.ts';
import { summarizeSimulation } from './summarize-simulation.ts';
import { generateRequests } from './workload.ts';

describe('a performance model without a breakdown', () => {
  const constant = createConstantPerformanceModel({ stepOverheadSeconds: 0.003, prefillSecondsPerToken: 20e-6, decodeSecondsPerStep: 0.004, decodeSecondsPerCachedToken: 1.6e-7 });
  const requests = generateRequests(
    { numRequests: 400, arrival: { kind: 'poisson', rate: 20 }, inputLength: { kind: 'uniform', min: 100, max: 900 }, outputLength: { kind: 'uniform', min: 10, max: 200 } },
    7,
  );
  const run = (performanceModel: PerformanceModel) =>
    simulate({ performanceModel, requests, kvCacheBlocksPerReplica: 4000, scheduler: { enablePrefixCaching: true } });

  it('is a one-method object, simulates exactly as the same times with a breakdown, and reports no time by operator', () => {
    // What a user writes for a table of measured step times: only stepSeconds.
    const lookup: PerformanceModel = { stepSeconds: (batch) => constant.stepSeconds(batch) };
    const bare = run(lookup);
    const full = run(constant);
    expect(Array.from(bare.requests.ttftSeconds)).toEqual(Array.from(full.requests.ttftSeconds));
    expect(Array.from(bare.requests.finishSeconds)).toEqual(Array.from(full.requests.finishSeconds));
    expect(bare.steps).toBe(full.steps);
    expect(summarizeSimulation(bare).time_by_operator).toEqual({});
    expect(Object.keys(summarizeSimulation(full).time_by_operator).length).toBeGreaterThan(0);
  });
});
