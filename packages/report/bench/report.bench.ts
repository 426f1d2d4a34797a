import { bench, describe } from 'vitest';
import { downsampleCdf, renderSimulationReport } from '../src/index.ts';

// Stand-in latencies: a deterministic permutation of 0..n-1 ms, since only the amount matters here.
const million = Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) % 1_000_000);

describe('large inputs', () => {
  bench('downsampleCdf: 1M samples to 2000 points', () => {
    downsampleCdf(million, 2000);
  });

  bench('renderSimulationReport: 1M samples for each of TTFT, TPOT, ITL and E2EL', () => {
    renderSimulationReport({ title: 'bench', latencySamplesMs: { ttft: million, tpot: million, itl: million, e2el: million } });
  });
});
