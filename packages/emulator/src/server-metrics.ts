/** vLLM's TTFT histogram buckets (v0.11 `vllm/v1/metrics/loggers.py`), in seconds. */
export const TTFT_BUCKETS_SECONDS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
] as const;

/** vLLM's end-to-end latency histogram buckets, in seconds. */
export const E2E_BUCKETS_SECONDS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
] as const;

/** vLLM's inter-token latency (and time per output token) buckets, in seconds. */
export const INTER_TOKEN_BUCKETS_SECONDS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0,
] as const;

/** vLLM's buckets of tokens per engine step (`vllm:iteration_tokens_total`). */
export const ITERATION_TOKENS_BUCKETS = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384] as const;

/** vLLM's `build_1_2_5_buckets`: 1, 2, 5, 10, 20, 50, ... up to `maxValue`, the buckets of its token-count histograms. */
export function buildOneTwoFiveBuckets(maxValue: number): number[] {
  const buckets: number[] = [];
  for (let power = 1; ; power *= 10) {
    for (const m of [1, 2, 5]) {
      if (m * power > maxValue) return buckets;
      buckets.push(m * power);
    }
  }
}

class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(value: number): void {
    this.count++;
    this.sum += value;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) this.counts[i]++;
  }
}

/** The engine's state at scrape time. */
export interface EngineGauges {
  readonly runningRequests: number;
  readonly waitingRequests: number;
  readonly kvCacheUsage: number;
  readonly preemptions: number;
}

/** The cache configuration `vllm:cache_config_info` reports (vLLM's `CacheConfig.metrics_info`, the fields an emulator has). */
export interface CacheConfigInfo {
  readonly blockSize: number;
  readonly numGpuBlocks: number;
  readonly gpuMemoryUtilization: number;
  readonly cacheDtype: string;
  readonly enablePrefixCaching: boolean;
}

/** One finished request's phases, as vLLM's `FinishedRequestStats` times them (seconds). */
export interface FinishedRequest {
  readonly finishedReason: 'stop' | 'length';
  readonly e2eSeconds: number;
  /** Arrival to first scheduled. */
  readonly queuedSeconds: number;
  /** First scheduled to first token. */
  readonly prefillSeconds: number;
  /** First token to last. */
  readonly decodeSeconds: number;
  /** First scheduled to last token. */
  readonly inferenceSeconds: number;
  readonly promptTokens: number;
  readonly generationTokens: number;
}

/** Counters and histograms of one server, printed with vLLM's metric names (v0.11 `vllm/v1/metrics/loggers.py`) in Prometheus text format. */
export class ServerMetrics {
  private promptTokens = 0;
  private generationTokens = 0;
  private prefixCacheQueries = 0;
  private readonly successByReason = new Map<string, number>();
  private readonly ttft = new Histogram(TTFT_BUCKETS_SECONDS);
  private readonly e2e = new Histogram(E2E_BUCKETS_SECONDS);
  private readonly interToken = new Histogram(INTER_TOKEN_BUCKETS_SECONDS);
  private readonly requestTimePerOutputToken = new Histogram(INTER_TOKEN_BUCKETS_SECONDS);
  private readonly queueTime = new Histogram(E2E_BUCKETS_SECONDS);
  private readonly prefillTime = new Histogram(E2E_BUCKETS_SECONDS);
  private readonly decodeTime = new Histogram(E2E_BUCKETS_SECONDS);
  private readonly inferenceTime = new Histogram(E2E_BUCKETS_SECONDS);
  private readonly requestPromptTokens: Histogram;
  private readonly requestGenerationTokens: Histogram;
  private readonly requestMaxGenerationTokens: Histogram;
  private readonly requestMaxTokens: Histogram;
  private readonly requestN = new Histogram([1, 2, 5, 10, 20]);
  private readonly iterationTokens = new Histogram(ITERATION_TOKENS_BUCKETS);
  private readonly labels: string;
  private readonly cacheConfig: CacheConfigInfo;

  constructor(modelName: string, maxModelLen: number, cacheConfig: CacheConfigInfo) {
    this.labels = `model_name="${escapeLabel(modelName)}"`;
    const tokenBuckets = buildOneTwoFiveBuckets(maxModelLen);
    this.requestPromptTokens = new Histogram(tokenBuckets);
    this.requestGenerationTokens = new Histogram(tokenBuckets);
    this.requestMaxGenerationTokens = new Histogram(tokenBuckets);
    this.requestMaxTokens = new Histogram(tokenBuckets);
    this.cacheConfig = cacheConfig;
  }

  /**
   * The prompt is counted once its prefill is done, with the first token, as vLLM does per iteration; so are
   * its prefix-cache queries (the emulator caches no prefix, so none hits).
   */
  recordFirstToken(promptTokens: number, ttftSeconds: number): void {
    this.promptTokens += promptTokens;
    this.prefixCacheQueries += promptTokens;
    this.ttft.observe(ttftSeconds);
  }

  /** A token after the first, `gapSeconds` after the previous one of its request. */
  recordToken(gapSeconds?: number): void {
    this.generationTokens++;
    if (gapSeconds !== undefined) this.interToken.observe(gapSeconds);
  }

  /** One engine step's tokens: prompts whose prefill it finished, plus the tokens it generated (vLLM's count). */
  recordIteration(tokens: number): void {
    this.iterationTokens.observe(tokens);
  }

  /** A request's parameters, once per request (its `n` choices counted together), as vLLM records them. */
  recordRequestParameters(n: number, maxTokensParameter: number | undefined): void {
    this.requestN.observe(n);
    if (maxTokensParameter !== undefined) this.requestMaxTokens.observe(maxTokensParameter);
  }

  /** The most tokens any choice of a finished request generated. */
  recordMaxGenerationTokens(tokens: number): void {
    this.requestMaxGenerationTokens.observe(tokens);
  }

  recordFinished(r: FinishedRequest): void {
    this.successByReason.set(r.finishedReason, (this.successByReason.get(r.finishedReason) ?? 0) + 1);
    this.e2e.observe(r.e2eSeconds);
    this.queueTime.observe(r.queuedSeconds);
    this.prefillTime.observe(r.prefillSeconds);
    this.decodeTime.observe(r.decodeSeconds);
    this.inferenceTime.observe(r.inferenceSeconds);
    this.requestPromptTokens.observe(r.promptTokens);
    this.requestGenerationTokens.observe(r.generationTokens);
    if (r.generationTokens > 1) this.requestTimePerOutputToken.observe(r.decodeSeconds / (r.generationTokens - 1));
  }

  /** A request its client dropped: finished with reason abort, as vLLM counts it. */
  recordAbort(e2eSeconds: number): void {
    this.successByReason.set('abort', (this.successByReason.get('abort') ?? 0) + 1);
    this.e2e.observe(e2eSeconds);
  }

  /** Prometheus text exposition format 0.0.4. */
  format(gauges: EngineGauges): string {
    const l = this.labels;
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: string[]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
    };
    const histogram = (name: string, help: string, h: Histogram) => metric(name, 'histogram', help, histogramSamples(name, l, h));
    metric('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', [`vllm:num_requests_running{${l}} ${gauges.runningRequests}`]);
    metric('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', [`vllm:num_requests_waiting{${l}} ${gauges.waitingRequests}`]);
    metric('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', [`vllm:kv_cache_usage_perc{${l}} ${gauges.kvCacheUsage}`]);
    metric('vllm:gpu_cache_usage_perc', 'gauge', 'GPU KV-cache usage. 1 means 100 percent usage (the name before vLLM 0.10).', [
      `vllm:gpu_cache_usage_perc{${l}} ${gauges.kvCacheUsage}`,
    ]);
    const c = this.cacheConfig;
    const info = [
      `block_size="${c.blockSize}"`,
      `cache_dtype="${escapeLabel(c.cacheDtype)}"`,
      `enable_prefix_caching="${c.enablePrefixCaching ? 'True' : 'False'}"`,
      `engine="0"`,
      `gpu_memory_utilization="${c.gpuMemoryUtilization}"`,
      `num_cpu_blocks="None"`,
      `num_gpu_blocks="${c.numGpuBlocks}"`,
    ].join(',');
    metric('vllm:cache_config_info', 'gauge', 'Information of the LLMEngine CacheConfig', [`vllm:cache_config_info{${info}} 1.0`]);
    metric('vllm:prefix_cache_queries_total', 'counter', 'Prefix cache queries, in terms of number of queried tokens.', [
      `vllm:prefix_cache_queries_total{${l}} ${this.prefixCacheQueries}`,
    ]);
    metric('vllm:prefix_cache_hits_total', 'counter', 'Prefix cache hits, in terms of number of cached tokens.', [`vllm:prefix_cache_hits_total{${l}} 0`]);
    metric('vllm:num_preemptions_total', 'counter', 'Cumulative number of preemptions from the engine.', [`vllm:num_preemptions_total{${l}} ${gauges.preemptions}`]);
    metric('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', [`vllm:prompt_tokens_total{${l}} ${this.promptTokens}`]);
    metric('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', [`vllm:generation_tokens_total{${l}} ${this.generationTokens}`]);
    metric(
      'vllm:request_success_total',
      'counter',
      'Count of successfully processed requests.',
      ['stop', 'length', 'abort'].map((reason) => `vllm:request_success_total{${l},finished_reason="${reason}"} ${this.successByReason.get(reason) ?? 0}`),
    );
    histogram('vllm:request_prompt_tokens', 'Number of prefill tokens processed.', this.requestPromptTokens);
    histogram('vllm:request_generation_tokens', 'Number of generation tokens processed.', this.requestGenerationTokens);
    histogram('vllm:iteration_tokens_total', 'Histogram of number of tokens per engine_step.', this.iterationTokens);
    histogram('vllm:request_max_num_generation_tokens', 'Histogram of maximum number of requested generation tokens.', this.requestMaxGenerationTokens);
    histogram('vllm:request_params_n', 'Histogram of the n request parameter.', this.requestN);
    histogram('vllm:request_params_max_tokens', 'Histogram of the max_tokens request parameter.', this.requestMaxTokens);
    histogram('vllm:time_to_first_token_seconds', 'Histogram of time to first token in seconds.', this.ttft);
    histogram('vllm:time_per_output_token_seconds', 'Histogram of time per output token in seconds. DEPRECATED: Use vllm:inter_token_latency_seconds instead.', this.interToken);
    histogram('vllm:inter_token_latency_seconds', 'Histogram of inter-token latency in seconds.', this.interToken);
    histogram('vllm:request_time_per_output_token_seconds', 'Histogram of time_per_output_token_seconds per request.', this.requestTimePerOutputToken);
    histogram('vllm:e2e_request_latency_seconds', 'Histogram of e2e request latency in seconds.', this.e2e);
    histogram('vllm:request_queue_time_seconds', 'Histogram of time spent in WAITING phase for request.', this.queueTime);
    histogram('vllm:request_inference_time_seconds', 'Histogram of time spent in RUNNING phase for request.', this.inferenceTime);
    histogram('vllm:request_prefill_time_seconds', 'Histogram of time spent in PREFILL phase for request.', this.prefillTime);
    histogram('vllm:request_decode_time_seconds', 'Histogram of time spent in DECODE phase for request.', this.decodeTime);
    return `${lines.join('\n')}\n`;
  }
}

function histogramSamples(name: string, labels: string, h: Histogram): string[] {
  const out = h.buckets.map((le, i) => `${name}_bucket{${labels},le="${formatLe(le)}"} ${h.counts[i]}`);
  out.push(`${name}_bucket{${labels},le="+Inf"} ${h.count}`, `${name}_sum{${labels}} ${h.sum}`, `${name}_count{${labels}} ${h.count}`);
  return out;
}

/** Bucket bounds as Prometheus' Python client prints them (1.0, not 1). */
function formatLe(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
