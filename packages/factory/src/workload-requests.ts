import { arrivalForRate, generateRequests, parseTraceCsv, sampleRequestsFrom, type LengthDistribution, type RequestSet } from '@llm-sim/simulator';
import type { SimulationConfig } from './config.ts';
import { readText, type ReadTextFile } from './file-access.ts';

const asDistribution = (v: number | LengthDistribution): LengthDistribution =>
  typeof v === 'number' ? { kind: 'fixed', value: v } : v;

/** The config's workload as a request set (the same rules as `runSimulation`). */
export async function buildWorkloadRequests(config: SimulationConfig, readTextFile: ReadTextFile): Promise<RequestSet> {
  const w = config.workload;
  const arrival = arrivalForRate(w.request_rate === 'inf' ? Infinity : w.request_rate, w.burstiness);
  if (w.trace) {
    const trace = parseTraceCsv(await readText(readTextFile, w.trace, 'trace'), w.trace);
    return w.trace_sample ? sampleRequestsFrom(trace, w.num_requests, arrival, config.seed) : trace;
  }
  return generateRequests(
    { numRequests: w.num_requests, arrival, inputLength: asDistribution(w.input_len), outputLength: asDistribution(w.output_len) },
    config.seed,
  );
}
