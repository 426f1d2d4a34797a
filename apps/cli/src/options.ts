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

/**
 * `--request-rate 5`, `inf`, or a sweep `1,2,4,inf`: one value, or a list of two or more (one
 * simulation each).
 */
export function parseRequestRates(value: unknown): { one?: number | 'inf'; sweep?: (number | 'inf')[] } {
  if (value === undefined) return {};
  const parts = String(value).split(',').map((p) => p.trim());
  if (parts.length === 1) return { one: parseRequestRate(parts[0]) };
  return { sweep: parts.map((p) => parseRequestRate(p)!) };
}

/** `--max-concurrency 16` or a sweep `1,4,16,64`: positive integers. */
export function parseMaxConcurrency(value: unknown): { one?: number; sweep?: number[] } {
  if (value === undefined) return {};
  const parts = String(value).split(',').map((p) => p.trim());
  const values = parts.map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || !Number.isInteger(n) || n <= 0) {
      throw new UsageError(`--max-concurrency must be a positive integer or a comma-separated list of them, got '${String(value)}'`);
    }
    return n;
  });
  return values.length === 1 ? { one: values[0] } : { sweep: values };
}

/** A comma list flag (`--percentile-metrics ttft,tpot`, `--metric-percentiles 50,99`); undefined when not given. */
export function parseList(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(',')).map((v) => v.trim()).filter(Boolean);
}

/** A flag whose value is a JSON object (vLLM's `--speculative-config`). */
export function parseJsonFlag(flag: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(String(value));
  } catch (error) {
    throw new UsageError(`${flag} must be a JSON object: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** vLLM's `--metadata KEY=VALUE ...`. */
export function parseMetadata(values: unknown): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const item of (Array.isArray(values) ? values : [values]).map(String)) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--metadata takes KEY=VALUE pairs, got '${item}'`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
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

/** How steps are priced and in which precisions: every command that simulates a deployment takes these. */
export function withPerformanceModelFlags<T>(y: Argv<T>) {
  return y
    .option('performance-model', {
      type: 'string',
      choices: ['roofline', 'vllm_roofline'],
      describe: 'vllm_roofline (default): calibrated, by --calibration-data FILE or the shipped calibration for the model/xpu (measured kernels; the output names the file); roofline: spec-sheet peaks',
    })
    .option('calibration-data', { type: 'string', describe: 'calibration JSON for --performance-model vllm_roofline (default: the shipped one for the model, xpu and tp, else for the xpu)' })
    .option('weight-dtype', { type: 'string', choices: ['bf16', 'fp16', 'fp8', 'int8', 'int4', 'fp4', 'mxfp4'], describe: "weights dtype (default: the model's published precision, e.g. fp8 for deepseek-v3, MXFP4 experts for gpt-oss, else bf16)" })
    .option('quantization', {
      type: 'string',
      alias: 'q',
      choices: ['none', 'fp8', 'awq', 'gptq'],
      describe: "vLLM's --quantization: fp8 is W8A8 on fp8 tensor cores (H100, L40S, B200, MI300X; weight-only on A100), lm_head and embeddings kept in bf16; awq/gptq are 4-bit weights",
    })
    .option('kv-cache-dtype', {
      type: 'string',
      describe: "vLLM's --kv-cache-dtype: auto (the model's, default), fp8, fp8_e4m3, fp8_e5m2 (1 byte), or bf16/fp16; vLLM has no int8 KV cache",
    });
}

/** vLLM's engine settings that size the KV cache and each step; their defaults are vLLM's for the xpu. */
export function withSchedulerFlags<T>(y: Argv<T>) {
  return y
    .option('max-num-seqs', { type: 'number', describe: "vLLM's --max-num-seqs (default: vLLM's for the xpu, 1024 on GPUs of at least 70 GiB other than A100, else 256)" })
    .option('max-num-batched-tokens', { type: 'number', describe: "vLLM's --max-num-batched-tokens, the token budget of a step (default: vLLM's for the xpu, 8192 on GPUs of at least 70 GiB other than A100, else 2048)" })
    .option('block-size', { type: 'number', describe: 'KV-cache block size in tokens (default 16)' })
    .option('gpu-memory-utilization', { type: 'number', describe: 'share of device memory vLLM may use (default 0.9)' })
    .option('max-model-len', { type: 'number', describe: "longest prompt + output (default: the model's max_position_embeddings); as vLLM, refused when the KV cache cannot hold one request of it, with the longest that fits" })
    .option('chunked-prefill', { type: 'boolean', describe: 'split long prompts over steps (default on; --no-chunked-prefill)' });
}

export function withModelAndXpu<T>(y: Argv<T>) {
  return withPerformanceModelFlags(y)
    .option('model', { type: 'string', describe: 'catalog model name or alias (see `llm-sim models`), or a path to a config.json' })
    .option('xpu', { type: 'string', describe: 'catalog xpu name or alias (see `llm-sim xpus`), or a path to an xpu JSON file' })
    .option('tp', { type: 'number', alias: 'tensor-parallel-size', describe: 'tensor-parallel degree (default 1); vLLM\'s --tensor-parallel-size' })
    .option('pp', { type: 'number', describe: 'pipeline-parallel degree (default 1)' })
    .option('json', { type: 'boolean', describe: 'print one JSON object and nothing else on stdout' });
}

/**
 * The traffic flags of `vllm bench serve` that simulate and compare share beside their own: the
 * closed loop (`--max-concurrency`), and vLLM's names for ours (`--num-prompts` for `--num-requests`,
 * `--random-input-len`/`--random-output-len` for `--input-len`/`--output-len`).
 */
export function withVllmTrafficFlags<T>(y: Argv<T>) {
  return y
    .option('max-concurrency', {
      type: 'string',
      describe: 'at most N requests outstanding, as vLLM bench: with --request-rate inf a closed loop; a list 1,4,16 runs one simulation each',
    })
    .option('random-range-ratio', { type: 'number', describe: "vLLM's --random-range-ratio r: a fixed --input-len/--output-len L becomes uniform on [L(1-r), L(1+r)]" })
    .option('prefix-len', { type: 'number', alias: 'prefix-repetition-prefix-len', describe: 'each prompt starts with a shared prefix of this many tokens, then its --input-len own tokens' })
    .option('num-prefixes', { type: 'number', alias: 'prefix-repetition-num-prefixes', describe: 'with --prefix-len: how many different prefixes, drawn uniformly (default 1)' })
    .option('enable-prefix-caching', { type: 'boolean', describe: "vLLM V1's automatic prefix caching (default on; --no-enable-prefix-caching)" })
    .option('speculative-config', {
      type: 'string',
      describe: 'vLLM\'s --speculative-config JSON plus how often drafts are accepted, e.g. \'{"method": "ngram", "num_speculative_tokens": 3, "acceptance_rate": 0.7}\'',
    })
    .option('dataset', {
      type: 'string',
      alias: 'dataset-name',
      describe: 'a shipped dataset by name: sharegpt, arxiv (lengths drawn at --request-rate), azure-conv-2023, azure-code-2023, mooncake-conversation, mooncake-synthetic (traces, replayed; Mooncake\'s with prompt block hashes for the prefix cache); see benchmark_data/datasets',
    })
    .option('multi-turn-turns', {
      type: 'string',
      describe: 'multi-turn conversations (vLLM benchmarks/multi_turn): user turns per conversation, N or uniform:MIN:MAX; each prompt holds the history (--prefix-len shared prefix, earlier --input-len questions and --output-len answers) and a turn is sent when the previous answer is complete',
    })
    .option('num-conversations', { type: 'number', describe: 'with --multi-turn-turns: conversations (default: --num-requests / the mean turns); --request-rate paces their starts' })
    .option('trace-scale', { type: 'number', describe: 'multiply a replayed trace\'s arrival times: 2 halves its load, 0.5 doubles it (default 1)' })
    .alias('num-requests', 'num-prompts')
    .alias('input-len', 'random-input-len')
    .alias('output-len', 'random-output-len');
}

/** `vllm bench serve`'s result-file flags, with its names and defaults. */
export function withVllmResultFlags<T>(y: Argv<T>) {
  return y
    .option('save-result', { type: 'boolean', describe: "write vLLM's result JSON (vllm bench serve --save-result keys)" })
    .option('result-dir', { type: 'string', describe: 'folder for --save-result files (default: the current folder)' })
    .option('result-filename', {
      type: 'string',
      describe: 'file name for --save-result (default {label}-{rate}qps[-concurrency{N}]-{model}-{date}.json); a sweep appends one result per line',
    })
    .option('save-detailed', { type: 'boolean', describe: 'with --save-result: per-request arrays (input_lens, output_lens, ttfts, itls, latencies, start_times, errors); --trace replays such a file' })
    .option('percentile-metrics', { type: 'string', describe: 'metrics whose percentiles the result file has: ttft,tpot,itl,e2el (default ttft,tpot,itl)' })
    .option('metric-percentiles', { type: 'string', describe: 'percentiles written for them, e.g. 25,50,99 (default 99)' })
    .option('label', { type: 'string', describe: 'label of the result (default llm-sim); starts the default file name' })
    .option('metadata', { type: 'string', array: true, describe: 'KEY=VALUE pairs written into the result file' });
}

/** The result-file options from the flags, or undefined without --save-result. */
export function resultFileOptionsFromFlags(a: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!a['save-result']) {
    for (const flag of ['result-dir', 'result-filename', 'save-detailed', 'percentile-metrics', 'metric-percentiles', 'label', 'metadata']) {
      if (a[flag] !== undefined) throw new UsageError(`--${flag} takes effect only with --save-result`);
    }
    return undefined;
  }
  const percentiles = parseList(a['metric-percentiles'])?.map((p) => {
    const x = Number(p);
    if (!(x > 0 && x <= 100)) throw new UsageError(`--metric-percentiles takes numbers in (0, 100], got '${p}'`);
    return x;
  });
  const metrics = parseList(a['percentile-metrics']);
  for (const m of metrics ?? []) {
    if (!['ttft', 'tpot', 'itl', 'e2el'].includes(m)) throw new UsageError(`--percentile-metrics takes ttft, tpot, itl and e2el, got '${m}'`);
  }
  return {
    percentile_metrics: metrics,
    metric_percentiles: percentiles,
    label: a.label,
    metadata: parseMetadata(a.metadata),
    save_detailed: a['save-detailed'],
  };
}

/** The config keys that simulate and compare share, from their flags; undefined flags leave the config file's. */
export function sharedFlagsToConfig(a: Record<string, unknown>): Record<string, unknown> {
  const rates = parseRequestRates(a['request-rate']);
  const caps = parseMaxConcurrency(a['max-concurrency']);
  return {
    sweep: rates.sweep || caps.sweep ? { request_rate: rates.sweep, max_concurrency: caps.sweep } : undefined,
    model: a.model,
    xpu: a.xpu,
    dtype: { weights: a['weight-dtype'], kv_cache: a['kv-cache-dtype'] },
    quantization: a.quantization,
    scheduler: {
      max_num_seqs: a['max-num-seqs'],
      max_num_batched_tokens: a['max-num-batched-tokens'],
      block_size: a['block-size'],
      gpu_memory_utilization: a['gpu-memory-utilization'],
      max_model_len: a['max-model-len'],
      enable_chunked_prefill: a['chunked-prefill'],
      enable_prefix_caching: a['enable-prefix-caching'],
    },
    workload: {
      num_requests: a['num-requests'],
      request_rate: rates.one,
      max_concurrency: caps.one,
      random_range_ratio: a['random-range-ratio'],
      prefix_len: a['prefix-len'],
      num_prefixes: a['num-prefixes'],
      multi_turn_turns: parseLength('--multi-turn-turns', a['multi-turn-turns']),
      num_conversations: a['num-conversations'],
      burstiness: a.burstiness,
      input_len: parseLength('--input-len', a['input-len']),
      output_len: parseLength('--output-len', a['output-len']),
      trace: a.trace,
      dataset: a.dataset,
      trace_sample: a['trace-sample'],
      // --num-requests with a trace replayed: its first N requests.
      trace_requests: a.trace !== undefined || a.dataset !== undefined ? a['num-requests'] : undefined,
      trace_scale: a['trace-scale'],
    },
    performance_model: { model_type: a['performance-model'], calibration_data_path: a['calibration-data'] },
    goodput: parseGoodput(a.goodput),
    speculative_config: parseJsonFlag('--speculative-config', a['speculative-config']),
    seed: a.seed,
  };
}

/** Expert and data parallelism of a mixture-of-experts model, as vLLM's flags name them. */
export function withExpertParallelFlags<T>(y: Argv<T>) {
  return y
    .option('ep', { type: 'number', describe: 'devices the routed experts are spread over whole (default 1: every expert sliced over tp x dp); must divide tp x dp' })
    .option('enable-expert-parallel', { type: 'boolean', describe: "vLLM's --enable-expert-parallel: experts spread over all tp x dp devices (ep = tp x dp); all-to-all dispatch and combine between data-parallel ranks" })
    .option('dp', {
      type: 'number',
      alias: 'data-parallel-size',
      describe: "vLLM's --data-parallel-size: a MoE model's ranks are one engine group (attention and KV cache per rank, experts over tp x dp devices, DeepSeek's DP+EP deployment); a dense model's are replicas",
    });
}
