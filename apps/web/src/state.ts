import type { SimulationConfigInput, StepRequest } from '@llm-sim/factory/browser';

/**
 * Everything the page shows follows from this state, and the state lives in the URL: its query keys are the
 * `llm-sim` flags that mean the same thing (`?model=llama-3.1-8b&xpu=h100&request-rate=10`), so a link reproduces
 * a result and the CLI command is the URL spelled as flags.
 */
export interface WebState {
  readonly view: 'simulate' | 'step';
  readonly model: string;
  readonly xpu: string;
  readonly tp: number;
  readonly pp: number;
  readonly quantization: 'none' | 'fp8' | 'awq' | 'gptq';
  readonly gpuMemoryUtilization: number;
  readonly cluster: 'aggregated' | 'disaggregated';
  readonly numReplicas: number;
  readonly prefillInstances: number;
  readonly decodeInstances: number;
  readonly prefillTp: number;
  readonly decodeTp: number;
  /** Requests per second, or 'inf' for all at once. */
  readonly requestRate: number | 'inf';
  /** 0: no limit. */
  readonly maxConcurrency: number;
  readonly numRequests: number;
  /** The CLI's length syntax: N, uniform:MIN:MAX or normal:MEAN:STD. */
  readonly inputLen: string;
  readonly outputLen: string;
  /** A built-in trace's repository path, or '' for synthetic lengths. */
  readonly trace: string;
  /** With a trace: draw its lengths at `requestRate` (sample), or replay its arrivals. */
  readonly traceSample: boolean;
  /** SLOs in ms; 0: none. */
  readonly ttftSloMs: number;
  readonly tpotSloMs: number;
  readonly e2elSloMs: number;
  readonly performanceModel: 'roofline' | 'vllm_roofline';
  /** A shipped calibration's repository path, or '' for the one picked for the deployment. */
  readonly calibrationData: string;
  readonly seed: number;
  readonly phase: 'prefill' | 'decode';
  readonly batchSize: number;
  readonly stepInputLen: number;
  readonly contextLen: number;
}

export const DEFAULT_STATE: WebState = {
  view: 'simulate',
  model: 'llama-3.1-8b',
  xpu: 'h100-sxm',
  tp: 1,
  pp: 1,
  quantization: 'none',
  gpuMemoryUtilization: 0.9,
  cluster: 'aggregated',
  numReplicas: 1,
  prefillInstances: 1,
  decodeInstances: 1,
  prefillTp: 1,
  decodeTp: 1,
  requestRate: 10,
  maxConcurrency: 0,
  numRequests: 1000,
  inputLen: '1024',
  outputLen: '128',
  trace: '',
  traceSample: true,
  ttftSloMs: 500,
  tpotSloMs: 50,
  e2elSloMs: 0,
  performanceModel: 'vllm_roofline',
  calibrationData: '',
  seed: 0,
  phase: 'decode',
  batchSize: 32,
  stepInputLen: 1024,
  contextLen: 1024,
};

type Kind = 'string' | 'number' | 'boolean' | 'rate';
/** State key -> URL key (the CLI flag without its dashes) and how it is read back. */
const URL_KEYS: { readonly [K in keyof WebState]: readonly [string, Kind] } = {
  view: ['view', 'string'],
  model: ['model', 'string'],
  xpu: ['xpu', 'string'],
  tp: ['tp', 'number'],
  pp: ['pp', 'number'],
  quantization: ['quantization', 'string'],
  gpuMemoryUtilization: ['gpu-memory-utilization', 'number'],
  cluster: ['cluster', 'string'],
  numReplicas: ['num-replicas', 'number'],
  prefillInstances: ['prefill-instances', 'number'],
  decodeInstances: ['decode-instances', 'number'],
  prefillTp: ['prefill-tp', 'number'],
  decodeTp: ['decode-tp', 'number'],
  requestRate: ['request-rate', 'rate'],
  maxConcurrency: ['max-concurrency', 'number'],
  numRequests: ['num-requests', 'number'],
  inputLen: ['input-len', 'string'],
  outputLen: ['output-len', 'string'],
  trace: ['trace', 'string'],
  traceSample: ['trace-sample', 'boolean'],
  ttftSloMs: ['ttft', 'number'],
  tpotSloMs: ['tpot', 'number'],
  e2elSloMs: ['e2el', 'number'],
  performanceModel: ['performance-model', 'string'],
  calibrationData: ['calibration-data', 'string'],
  seed: ['seed', 'number'],
  phase: ['phase', 'string'],
  batchSize: ['batch-size', 'number'],
  stepInputLen: ['step-input-len', 'number'],
  contextLen: ['context-len', 'number'],
};

/** The query string of a state: only what differs from the defaults, in a fixed order. */
export function searchFromState(state: WebState): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(URL_KEYS) as (keyof WebState)[]) {
    if (state[key] !== DEFAULT_STATE[key]) params.set(URL_KEYS[key][0], String(state[key]));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The state a query string describes; keys it lacks, or values that do not parse, keep their defaults. */
export function stateFromSearch(search: string): WebState {
  const params = new URLSearchParams(search);
  const state: Record<string, unknown> = { ...DEFAULT_STATE };
  for (const key of Object.keys(URL_KEYS) as (keyof WebState)[]) {
    const [name, kind] = URL_KEYS[key];
    const raw = params.get(name);
    if (raw === null) continue;
    if (kind === 'string') state[key] = raw;
    else if (kind === 'boolean') state[key] = raw === 'true';
    else if (kind === 'rate' && raw === 'inf') state[key] = 'inf';
    else if (Number.isFinite(Number(raw)) && raw.trim() !== '') state[key] = Number(raw);
  }
  return state as unknown as WebState;
}

/** A length in the CLI's syntax as a config value (the same shapes `llm-sim simulate --input-len` accepts). */
export function parseLengthText(text: string): number | Record<string, unknown> {
  if (/^\d+$/.test(text.trim())) return Number(text);
  const [kind, a, b] = text.trim().split(':');
  if (kind === 'uniform') return { kind, min: Number(a), max: Number(b) };
  if (kind === 'normal') return { kind, mean: Number(a), std: Number(b) };
  if (kind === 'fixed') return { kind, value: Number(a) };
  // Left to the config schema to refuse, with its message naming the key.
  return text as unknown as number;
}

/** The JSON config (`llm-sim simulate --config`) of a state. */
export function configFromState(s: WebState): SimulationConfigInput {
  const slo = { ttft: s.ttftSloMs || undefined, tpot: s.tpotSloMs || undefined, e2el: s.e2elSloMs || undefined };
  const goodput = slo.ttft || slo.tpot || slo.e2el ? slo : undefined;
  const disaggregated = s.cluster === 'disaggregated';
  return {
    model: s.model,
    xpu: s.xpu,
    parallelism: { tp: s.tp, pp: s.pp },
    quantization: s.quantization === 'none' ? undefined : s.quantization,
    cluster: disaggregated
      ? { type: 'disaggregated', prefill_instances: s.prefillInstances, decode_instances: s.decodeInstances, prefill_tp: s.prefillTp, decode_tp: s.decodeTp }
      : { type: 'aggregated', num_replicas: s.numReplicas },
    scheduler: { gpu_memory_utilization: s.gpuMemoryUtilization },
    workload: {
      num_requests: s.numRequests,
      // As the CLI's flags set them: a replayed trace brings its own arrivals, and any trace its own lengths.
      request_rate: s.trace && !s.traceSample ? undefined : s.requestRate,
      max_concurrency: s.maxConcurrency || undefined,
      ...(s.trace
        ? { trace: s.trace, trace_sample: s.traceSample, trace_requests: s.numRequests }
        : { input_len: parseLengthText(s.inputLen) as never, output_len: parseLengthText(s.outputLen) as never }),
    },
    performance_model: {
      model_type: s.performanceModel,
      calibration_data_path: s.performanceModel === 'vllm_roofline' && s.calibrationData ? s.calibrationData : undefined,
    },
    goodput,
    seed: s.seed,
  };
}

/** The `llm-sim step` request of a state. */
export function stepRequestFromState(s: WebState): StepRequest {
  return {
    model: s.model,
    xpu: s.xpu,
    tp: s.tp,
    pp: s.pp,
    phase: s.phase,
    batchSize: s.batchSize,
    inputLen: s.phase === 'prefill' ? s.stepInputLen : undefined,
    contextLen: s.phase === 'decode' ? s.contextLen : undefined,
    quantization: s.quantization === 'none' ? undefined : s.quantization,
    performanceModel: s.performanceModel,
    calibrationDataPath: s.performanceModel === 'vllm_roofline' && s.calibrationData ? s.calibrationData : undefined,
    gpuMemoryUtilization: s.gpuMemoryUtilization,
  };
}

const quote = (value: string) => (/^[\w.:/,=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`);

/**
 * The `llm-sim` command that computes what the page shows, run from the repository root (built-in traces and
 * calibrations are named by their paths there).
 */
export function cliCommand(s: WebState): string {
  const flags: [string, string | number | undefined][] = [
    ['model', s.model],
    ['xpu', s.xpu],
    ['tp', s.tp !== 1 ? s.tp : undefined],
    ['pp', s.pp !== 1 ? s.pp : undefined],
    ['quantization', s.quantization !== 'none' ? s.quantization : undefined],
    ['gpu-memory-utilization', s.gpuMemoryUtilization !== 0.9 ? s.gpuMemoryUtilization : undefined],
    ['performance-model', s.performanceModel],
    ['calibration-data', s.performanceModel === 'vllm_roofline' && s.calibrationData ? s.calibrationData : undefined],
  ];
  if (s.view === 'step') {
    flags.push(['phase', s.phase], ['batch-size', s.batchSize]);
    flags.push(s.phase === 'prefill' ? ['input-len', s.stepInputLen] : ['context-len', s.contextLen]);
    return ['llm-sim step', ...flags.filter(([, v]) => v !== undefined).map(([k, v]) => `--${k} ${quote(String(v))}`)].join(' ');
  }
  if (s.cluster === 'disaggregated') {
    flags.push(
      ['cluster', 'disaggregated'],
      ['prefill-instances', s.prefillInstances],
      ['decode-instances', s.decodeInstances],
      ['prefill-tp', s.prefillTp],
      ['decode-tp', s.decodeTp],
    );
  } else if (s.numReplicas !== 1) {
    flags.push(['num-replicas', s.numReplicas]);
  }
  flags.push(['num-requests', s.numRequests]);
  if (s.trace) flags.push(['trace', s.trace]);
  if (!s.trace || s.traceSample) flags.push(['request-rate', String(s.requestRate)]);
  if (!s.trace) flags.push(['input-len', s.inputLen], ['output-len', s.outputLen]);
  if (s.maxConcurrency) flags.push(['max-concurrency', s.maxConcurrency]);
  const slo = [s.ttftSloMs && `ttft:${s.ttftSloMs}`, s.tpotSloMs && `tpot:${s.tpotSloMs}`, s.e2elSloMs && `e2el:${s.e2elSloMs}`].filter(Boolean).join(' ');
  flags.push(['seed', s.seed]);
  const parts = ['llm-sim simulate', ...flags.filter(([, v]) => v !== undefined).map(([k, v]) => `--${k} ${quote(String(v))}`)];
  if (s.trace && s.traceSample) parts.push('--trace-sample');
  if (slo) parts.push(`--goodput ${slo}`);
  return parts.join(' ');
}
