import { parseSimulationConfig } from '@llm-sim/factory/browser';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STATE, cliCommand, configFromState, searchFromState, stateFromSearch, type WebState } from './state.ts';

const varied: WebState = {
  ...DEFAULT_STATE,
  model: 'llama-3.1-70b',
  xpu: 'h200',
  tp: 4,
  quantization: 'fp8',
  gpuMemoryUtilization: 0.95,
  cluster: 'disaggregated',
  prefillInstances: 2,
  prefillTp: 2,
  decodeTp: 4,
  requestRate: 'inf',
  maxConcurrency: 64,
  inputLen: 'uniform:200:3000',
  outputLen: 'normal:256:32',
  ttftSloMs: 0,
  e2elSloMs: 20000,
  performanceModel: 'roofline',
  seed: 42,
};

describe('the page state in the URL', () => {
  it('round-trips every field through the query string, and leaves defaults out of it', () => {
    expect(searchFromState(DEFAULT_STATE)).toBe('');
    expect(stateFromSearch(searchFromState(varied))).toEqual(varied);
    expect(searchFromState(varied)).toContain('request-rate=inf');
    const step: WebState = { ...DEFAULT_STATE, view: 'step', phase: 'prefill', batchSize: 4, stepInputLen: 8192 };
    expect(stateFromSearch(searchFromState(step))).toEqual(step);
  });

  it('keeps the default for a value that does not parse, instead of a NaN', () => {
    expect(stateFromSearch('?tp=abc&seed=&request-rate=fast').tp).toBe(1);
    expect(stateFromSearch('?seed=').seed).toBe(0);
    expect(stateFromSearch('?request-rate=fast').requestRate).toBe(DEFAULT_STATE.requestRate);
  });

  it('makes a config the factory accepts, with the settings the CLI flags would give', () => {
    const config = parseSimulationConfig(configFromState(varied));
    expect(config.cluster).toMatchObject({ type: 'disaggregated', prefill_instances: 2, decode_instances: 1, prefill_tp: 2, decode_tp: 4 });
    expect(config.workload).toMatchObject({ request_rate: 'inf', max_concurrency: 64, input_len: { kind: 'uniform', min: 200, max: 3000 } });
    expect(config.goodput).toEqual({ tpot: 50, e2el: 20000 });
    expect(config.quantization).toBe('fp8');
    expect(config.performance_model.model_type).toBe('roofline');
  });

  it('spells the same settings as the llm-sim command', () => {
    expect(cliCommand(varied)).toBe(
      'llm-sim simulate --model llama-3.1-70b --xpu h200 --tp 4 --quantization fp8 --gpu-memory-utilization 0.95 --performance-model roofline ' +
        '--cluster disaggregated --prefill-instances 2 --decode-instances 1 --prefill-tp 2 --decode-tp 4 --num-requests 1000 --request-rate inf ' +
        '--input-len uniform:200:3000 --output-len normal:256:32 --max-concurrency 64 --seed 42 --goodput tpot:50 e2el:20000',
    );
    const trace = { ...DEFAULT_STATE, trace: 'benchmark_data/traces/azure2023_code_trace_vidur.csv', traceSample: false };
    expect(cliCommand(trace)).toContain('--num-requests 1000 --trace benchmark_data/traces/azure2023_code_trace_vidur.csv --seed 0');
    expect(parseSimulationConfig(configFromState(trace)).workload).toMatchObject({ trace: trace.trace, trace_sample: false, trace_requests: 1000, request_rate: 'inf' });
  });
});
