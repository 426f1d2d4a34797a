import { arrivalForRate, generateConversations, generateRequests, parseTrace, sampleRequestsFrom, takeRequests, type LengthDistribution, type RequestSet } from '@llm-sim/simulator';
import type { SimulationConfig } from './config.ts';
import { loadDataset } from './datasets.ts';
import { readText, type ReadTextFile } from './file-access.ts';

/** A length setting as a distribution; a plain number spread by vLLM's `--random-range-ratio`. */
function asDistribution(v: number | LengthDistribution, rangeRatio: number): LengthDistribution {
  if (typeof v !== 'number') return v;
  if (rangeRatio === 0) return { kind: 'fixed', value: v };
  return { kind: 'uniform', min: Math.max(1, Math.floor(v * (1 - rangeRatio))), max: Math.ceil(v * (1 + rangeRatio)) };
}

/** The config's workload as a request set (the same rules as `runSimulation`). */
export async function buildWorkloadRequests(config: SimulationConfig, readTextFile: ReadTextFile): Promise<RequestSet> {
  const w = config.workload;
  const arrival = arrivalForRate(w.request_rate === 'inf' ? Infinity : w.request_rate, w.burstiness);
  if (w.dataset) {
    const { kind, requests } = await loadDataset(w.dataset);
    if (kind === 'lengths' || w.trace_sample) return sampleRequestsFrom(requests, w.num_requests, arrival, config.seed);
    return takeRequests(requests, w.trace_requests ?? requests.arrivalSeconds.length, w.trace_scale);
  }
  if (w.trace) {
    const trace = parseTrace(await readText(readTextFile, w.trace, 'trace'), w.trace, { lengthsOnly: w.trace_sample });
    if (w.trace_sample) return sampleRequestsFrom(trace, w.num_requests, arrival, config.seed);
    return takeRequests(trace, w.trace_requests ?? trace.arrivalSeconds.length, w.trace_scale);
  }
  if (w.multi_turn_turns !== undefined) {
    const turns = asDistribution(w.multi_turn_turns, 0);
    const meanTurns = turns.kind === 'fixed' ? turns.value : turns.kind === 'uniform' ? (turns.min + turns.max) / 2 : turns.mean;
    return generateConversations(
      {
        numConversations: w.num_conversations ?? Math.max(1, Math.ceil(w.num_requests / meanTurns)),
        arrival,
        turns,
        inputLength: asDistribution(w.input_len, w.random_range_ratio),
        outputLength: asDistribution(w.output_len, w.random_range_ratio),
        sharedPrefix: w.prefix_len === undefined ? undefined : { tokens: w.prefix_len, count: w.num_prefixes },
      },
      config.seed,
    );
  }
  return generateRequests(
    {
      numRequests: w.num_requests,
      arrival,
      inputLength: asDistribution(w.input_len, w.random_range_ratio),
      outputLength: asDistribution(w.output_len, w.random_range_ratio),
      sharedPrefix: w.prefix_len === undefined ? undefined : { tokens: w.prefix_len, count: w.num_prefixes },
    },
    config.seed,
  );
}
