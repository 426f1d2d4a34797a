/** vLLM's TTFT histogram buckets (v0.11 `vllm/v1/metrics/loggers.py`), in seconds. */
export const TTFT_BUCKETS_SECONDS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
] as const;

/** vLLM's end-to-end latency histogram buckets, in seconds. */
export const E2E_BUCKETS_SECONDS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0,
] as const;

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

/** Counters and histograms of one server, printed with vLLM's metric names in Prometheus text format. */
export class ServerMetrics {
  private promptTokens = 0;
  private generationTokens = 0;
  private readonly successByReason = new Map<string, number>();
  private readonly ttft = new Histogram(TTFT_BUCKETS_SECONDS);
  private readonly e2e = new Histogram(E2E_BUCKETS_SECONDS);
  private readonly labels: string;

  constructor(modelName: string) {
    this.labels = `model_name="${escapeLabel(modelName)}"`;
  }

  /** The prompt is counted once its prefill is done, with the first token, as vLLM does per iteration. */
  recordFirstToken(promptTokens: number, ttftSeconds: number): void {
    this.promptTokens += promptTokens;
    this.ttft.observe(ttftSeconds);
  }

  recordToken(): void {
    this.generationTokens++;
  }

  recordSuccess(finishedReason: string, e2eSeconds: number): void {
    this.successByReason.set(finishedReason, (this.successByReason.get(finishedReason) ?? 0) + 1);
    this.e2e.observe(e2eSeconds);
  }

  /** Prometheus text exposition format 0.0.4. */
  format(gauges: EngineGauges): string {
    const l = this.labels;
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: string[]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...samples);
    };
    metric('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', [`vllm:num_requests_running{${l}} ${gauges.runningRequests}`]);
    metric('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', [`vllm:num_requests_waiting{${l}} ${gauges.waitingRequests}`]);
    metric('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', [`vllm:kv_cache_usage_perc{${l}} ${gauges.kvCacheUsage}`]);
    metric('vllm:gpu_cache_usage_perc', 'gauge', 'GPU KV-cache usage. 1 means 100 percent usage (the name before vLLM 0.10).', [
      `vllm:gpu_cache_usage_perc{${l}} ${gauges.kvCacheUsage}`,
    ]);
    metric('vllm:num_preemptions_total', 'counter', 'Cumulative number of preemptions from the engine.', [`vllm:num_preemptions_total{${l}} ${gauges.preemptions}`]);
    metric('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', [`vllm:prompt_tokens_total{${l}} ${this.promptTokens}`]);
    metric('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', [`vllm:generation_tokens_total{${l}} ${this.generationTokens}`]);
    metric(
      'vllm:request_success_total',
      'counter',
      'Count of successfully processed requests.',
      ['stop', 'length', 'abort'].map((reason) => `vllm:request_success_total{${l},finished_reason="${reason}"} ${this.successByReason.get(reason) ?? 0}`),
    );
    metric('vllm:time_to_first_token_seconds', 'histogram', 'Histogram of time to first token in seconds.', histogramSamples('vllm:time_to_first_token_seconds', l, this.ttft));
    metric('vllm:e2e_request_latency_seconds', 'histogram', 'Histogram of e2e request latency in seconds.', histogramSamples('vllm:e2e_request_latency_seconds', l, this.e2e));
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
