import type { Argv } from 'yargs';

/** Parses "inf" or a positive number; anything else names the flag and the reason. */
export function parseRequestRate(value: unknown): number | 'inf' | undefined {
  if (value === undefined) return undefined;
  if (value === 'inf' || value === Infinity) return 'inf';
  const rate = Number(value);
  if (!Number.isFinite(rate) || rate <= 0) {
    throw new UsageError(`--request-rate must be a positive number of requests per second or inf, got '${String(value)}'`);
  }
  return rate;
}

/** A length distribution flag: N, uniform:MIN:MAX, normal:MEAN:STD. */
export function parseLength(flag: string, value: unknown): number | Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n <= 0) throw new UsageError(`${flag} must be a positive integer, got ${text}`);
    return n;
  }
  const [kind, a, b] = text.split(':');
  const x = Number(a);
  const y = Number(b);
  if (kind === 'uniform' && Number.isInteger(x) && Number.isInteger(y) && x > 0 && y >= x) return { kind: 'uniform', min: x, max: y };
  if (kind === 'normal' && x > 0 && y >= 0) return { kind: 'normal', mean: x, std: y };
  if (kind === 'fixed' && Number.isInteger(x) && x > 0) return { kind: 'fixed', value: x };
  throw new UsageError(`${flag} must be N, fixed:N, uniform:MIN:MAX or normal:MEAN:STD, got '${text}'`);
}

/** vLLM's `--goodput ttft:500 tpot:50 e2el:10000` (milliseconds). */
export function parseGoodput(values: unknown): Record<string, number> | undefined {
  if (values === undefined) return undefined;
  const items = (Array.isArray(values) ? values : [values]).flatMap((v) => String(v).split(/[\s,]+/)).filter(Boolean);
  const out: Record<string, number> = {};
  for (const item of items) {
    const [key, raw] = item.split(':');
    const ms = Number(raw);
    if (!['ttft', 'tpot', 'e2el'].includes(key) || !(ms > 0)) {
      throw new UsageError(`--goodput takes ttft:MS, tpot:MS and e2el:MS with positive milliseconds, got '${item}'`);
    }
    out[key] = ms;
  }
  return out;
}

/** Bad command-line input: the CLI prints the message and exits with the bad-input code. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function withModelAndXpu<T>(y: Argv<T>) {
  return y
    .option('model', { type: 'string', describe: 'catalog model name or alias (see `llm-sim models`), or a path to a config.json' })
    .option('xpu', { type: 'string', describe: 'catalog xpu name or alias (see `llm-sim xpus`), or a path to an xpu JSON file' })
    .option('tp', { type: 'number', describe: 'tensor-parallel degree (default 1)' })
    .option('pp', { type: 'number', describe: 'pipeline-parallel degree (default 1)' })
    .option('performance-model', {
      type: 'string',
      choices: ['roofline', 'vllm_roofline'],
      describe: 'roofline: spec-sheet peaks (default); vllm_roofline: effective figures from --calibration-data',
    })
    .option('calibration-data', { type: 'string', describe: 'calibration JSON for --performance-model vllm_roofline' })
    .option('weight-dtype', { type: 'string', choices: ['bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4'], describe: 'weights dtype (default bf16)' })
    .option('kv-cache-dtype', { type: 'string', choices: ['bf16', 'fp16', 'fp8', 'int8'], describe: 'KV-cache dtype (default bf16)' })
    .option('json', { type: 'boolean', describe: 'print one JSON object and nothing else on stdout' });
}

/** The config keys that simulate and compare share, from their flags; undefined flags leave the config file's. */
export function sharedFlagsToConfig(a: Record<string, unknown>): Record<string, unknown> {
  return {
    model: a.model,
    xpu: a.xpu,
    dtype: { weights: a['weight-dtype'], kv_cache: a['kv-cache-dtype'] },
    scheduler: {
      max_num_seqs: a['max-num-seqs'],
      max_num_batched_tokens: a['max-num-batched-tokens'],
      block_size: a['block-size'],
      gpu_memory_utilization: a['gpu-memory-utilization'],
      max_model_len: a['max-model-len'],
      enable_chunked_prefill: a['chunked-prefill'],
    },
    workload: {
      num_requests: a['num-requests'],
      request_rate: parseRequestRate(a['request-rate']),
      burstiness: a.burstiness,
      input_len: parseLength('--input-len', a['input-len']),
      output_len: parseLength('--output-len', a['output-len']),
      trace: a.trace,
      trace_sample: a['trace-sample'],
    },
    performance_model: { model_type: a['performance-model'], calibration_data_path: a['calibration-data'] },
    goodput: parseGoodput(a.goodput),
    seed: a.seed,
  };
}
