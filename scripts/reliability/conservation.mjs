// Conservation: every request sent is either completed or failed, over randomised configurations
// (overload, tiny KV caches, prompts longer than the context, disaggregated pools), as a property test.
import fc from 'fast-check';
import { root } from './support.mjs';

const { parseSimulationConfig, runSimulation, runDisaggregatedSimulation } = await import(`${root}packages/factory/dist/index.js`);
const { readFile } = await import('node:fs/promises');
const readTextFile = (path) => readFile(path, 'utf8');

let runs = 0;
let requests = 0;
let failedTotal = 0;
const arbitrary = fc.record({
  model: fc.constantFrom('llama-3.1-8b', 'qwen2.5-7b', 'llama-2-7b'),
  xpu: fc.constantFrom('h100', 'a100-80gb', 'l40s'),
  numRequests: fc.integer({ min: 1, max: 300 }),
  rate: fc.oneof(fc.constant('inf'), fc.double({ min: 0.5, max: 200, noNaN: true })),
  inputLen: fc.integer({ min: 1, max: 6000 }),
  outputLen: fc.integer({ min: 1, max: 600 }),
  maxModelLen: fc.constantFrom(undefined, 2048, 8192),
  gpuMemoryUtilization: fc.constantFrom(0.9, 0.6),
  maxNumSeqs: fc.integer({ min: 1, max: 512 }),
  disaggregated: fc.boolean(),
  prefillInstances: fc.integer({ min: 1, max: 3 }),
  decodeInstances: fc.integer({ min: 1, max: 3 }),
  replicas: fc.integer({ min: 1, max: 3 }),
  seed: fc.integer({ min: 0, max: 1000 }),
});
await fc.assert(
  fc.asyncProperty(arbitrary, async (c) => {
    const config = parseSimulationConfig({
      model: c.model,
      xpu: c.xpu,
      scheduler: { max_model_len: c.maxModelLen, gpu_memory_utilization: c.gpuMemoryUtilization, max_num_seqs: c.maxNumSeqs },
      workload: { num_requests: c.numRequests, request_rate: c.rate, input_len: { kind: 'uniform', min: 1, max: c.inputLen }, output_len: { kind: 'uniform', min: 1, max: c.outputLen } },
      cluster: c.disaggregated ? { type: 'disaggregated', prefill_instances: c.prefillInstances, decode_instances: c.decodeInstances } : { num_replicas: c.replicas },
      seed: c.seed,
    });
    let run;
    try {
      run = c.disaggregated ? await runDisaggregatedSimulation(config, config.cluster, readTextFile) : await runSimulation(config, readTextFile);
    } catch (error) {
      // A deployment that does not fit is refused up front (exit 3): nothing was sent.
      if (error?.code === 'DOES_NOT_FIT') return true;
      throw error;
    }
    runs++;
    requests += c.numRequests;
    failedTotal += run.result.failed;
    const r = run.result;
    if (r.completed + r.failed !== c.numRequests) throw new Error(`completed ${r.completed} + failed ${r.failed} != sent ${c.numRequests}`);
    if (run.summary.completed !== r.completed) throw new Error('summary and result disagree');
    return true;
  }),
  { numRuns: 60, seed: 20261130 },
);
export const conservation = { runs, requests, failed: failedTotal };
