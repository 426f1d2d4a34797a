import type { SimulationReportInputInput } from '../simulation-report-input.ts';
import { interpolate, readCsv, splitwiseLlama70bH100Tp8 } from './shared-data.ts';

/** Llama-2-70B config.json: 80 layers, 8 KV heads of dimension 128 (8192 / 64). */
const LAYERS = 80;
const KV_HEADS = 8;
const HEAD_DIM = 128;
const TENSOR_PARALLEL = 8;
/** bf16 K and V per token per GPU after tensor parallelism. */
const KV_BYTES_PER_TOKEN_PER_GPU = (2 * LAYERS * KV_HEADS * HEAD_DIM * 2) / TENSOR_PARALLEL;
/** 80 GB H100 at vLLM's default gpu_memory_utilization 0.9, less the bf16 weight shard (68.98e9 params). */
const KV_CAPACITY_TOKENS = Math.floor((0.9 * 80e9 - (68.98e9 * 2) / TENSOR_PARALLEL) / KV_BYTES_PER_TOKEN_PER_GPU);
const MAX_RUNNING = 64;
const REQUESTS = 800;

/**
 * A report input that exercises every chart with numbers of the right size, NOT the output of
 * the llm-sim simulator: the first requests of the real Azure 2023 conversation trace (arrival
 * times and token counts) served first-come-first-served by at most 64 concurrent requests, each
 * taking the Splitwise-measured prefill time of its prompt and, per output token, the measured
 * decode iteration time at the batch size it started with. Latency samples are therefore
 * synthetic, derived from real measurements.
 */
export function buildSimulationInput(): SimulationReportInputInput {
  const measured = splitwiseLlama70bH100Tp8();
  const trace = readCsv('azure2023_conv_trace_vidur.csv').slice(0, REQUESTS).map((r) => ({
    arrivalSeconds: Number(r.arrived_at),
    promptTokens: Number(r.num_prefill_tokens),
    outputTokens: Math.max(2, Number(r.num_decode_tokens)),
  }));

  const slotFreeAt = new Array<number>(MAX_RUNNING).fill(0);
  const requests = trace.map((req) => {
    let slot = 0;
    for (let i = 1; i < MAX_RUNNING; i++) if (slotFreeAt[i] < slotFreeAt[slot]) slot = i;
    const startSeconds = Math.max(req.arrivalSeconds, slotFreeAt[slot]);
    const running = slotFreeAt.filter((t) => t > startSeconds).length + 1;
    const prefillMs = interpolate(measured.promptMsByPromptTokens, req.promptTokens);
    const tokenMs = interpolate(measured.tokenMsByBatch, running);
    const ttftMs = (startSeconds - req.arrivalSeconds) * 1000 + prefillMs;
    const e2elMs = ttftMs + (req.outputTokens - 1) * tokenMs;
    const finishSeconds = req.arrivalSeconds + e2elMs / 1000;
    slotFreeAt[slot] = finishSeconds;
    return { ...req, startSeconds, finishSeconds, ttftMs, tokenMs, e2elMs };
  });

  const itl: number[] = [];
  for (const r of requests) for (let i = 1; i < r.outputTokens; i++) itl.push(r.tokenMs);

  const events = requests
    .flatMap((r) => [
      { t: r.arrivalSeconds, queue: 1, running: 0, tokens: 0, decodeRate: 0 },
      { t: r.startSeconds, queue: -1, running: 1, tokens: r.promptTokens + r.outputTokens, decodeRate: 1000 / r.tokenMs },
      { t: r.finishSeconds, queue: 0, running: -1, tokens: -(r.promptTokens + r.outputTokens), decodeRate: -1000 / r.tokenMs },
    ])
    .sort((a, b) => a.t - b.t);
  const t0 = requests[0].arrivalSeconds;
  const series = { timeSeconds: [] as number[], queue: [] as number[], running: [] as number[], kv: [] as number[], throughput: [] as number[] };
  let queue = 0;
  let running = 0;
  let tokens = 0;
  let decodeRate = 0;
  for (const e of events) {
    queue += e.queue;
    running += e.running;
    tokens += e.tokens;
    decodeRate += e.decodeRate;
    series.timeSeconds.push(e.t - t0);
    series.queue.push(queue);
    series.running.push(running);
    series.kv.push(Math.min(1, tokens / KV_CAPACITY_TOKENS));
    series.throughput.push(Math.max(0, decodeRate));
  }

  const durationSeconds = Math.max(...requests.map((r) => r.finishSeconds)) - t0;
  const outputTokens = requests.reduce((s, r) => s + r.outputTokens, 0);
  const inputTokens = requests.reduce((s, r) => s + r.promptTokens, 0);
  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const at = (p: number) => {
      const rank = (p / 100) * (sorted.length - 1);
      const lo = Math.floor(rank);
      return sorted[lo] + (rank - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]);
    };
    return { mean: xs.reduce((s, x) => s + x, 0) / xs.length, median: at(50), p99: at(99) };
  };
  const ttft = stats(requests.map((r) => r.ttftMs));
  const tpot = stats(requests.map((r) => r.tokenMs));
  const e2el = stats(requests.map((r) => r.e2elMs));

  // Per-layer operator medians measured by Vidur on H100 for Llama-2-70B at TP8, 512 tokens per step.
  const ops = readCsv('vidur_mlp_op_medians_ms.csv').filter((r) => r.gpu === 'h100' && r.model === 'Llama-2-70b-hf' && r.tp === '8' && r.num_tokens === '512')[0];
  const opNames = ['input_layernorm', 'attn_pre_proj', 'attn_rope', 'attn_post_proj', 'post_attention_layernorm', 'mlp_up_proj', 'mlp_act', 'mlp_down_proj', 'add'];
  const steps = Math.round((inputTokens + outputTokens) / 512);
  const operatorTime = [
    { op: 'emb', seconds: (Number(ops.emb_median_ms) * steps) / 1000 },
    ...opNames.map((op) => ({ op, seconds: (Number(ops[`${op}_median_ms`]) * LAYERS * steps) / 1000 })),
  ];

  return {
    title: 'Llama-2-70B on 8× H100 (TP8): Azure conversation trace',
    subtitle: `Fixture for the report's tests: synthetic latencies from a FIFO queue over the first ${REQUESTS} Azure 2023 conversation requests with Splitwise-measured step times.`,
    configuration: [
      { key: 'model', value: 'meta-llama/Llama-2-70b-hf' },
      { key: 'hardware', value: 'DGX-H100 (H100-SXM 80GB)' },
      { key: 'tensor_parallel_size', value: TENSOR_PARALLEL },
      { key: 'dtype', value: 'bfloat16' },
      { key: 'max_num_seqs', value: MAX_RUNNING },
      { key: 'kv_cache_tokens', value: KV_CAPACITY_TOKENS },
      { key: 'workload', value: 'azure2023_conv_trace (first 800 requests)' },
      { key: 'chunked_prefill', value: false },
    ],
    summary: {
      completed: requests.length,
      duration: durationSeconds,
      total_input_tokens: inputTokens,
      total_output_tokens: outputTokens,
      request_throughput: requests.length / durationSeconds,
      // vLLM's goodput: requests meeting every SLO (those of `slo` below) per second.
      request_goodput: requests.filter((r) => r.ttftMs <= 500 && r.tokenMs <= 50 && r.e2elMs <= 20_000).length / durationSeconds,
      output_throughput: outputTokens / durationSeconds,
      total_token_throughput: (inputTokens + outputTokens) / durationSeconds,
      mean_ttft_ms: ttft.mean,
      median_ttft_ms: ttft.median,
      p99_ttft_ms: ttft.p99,
      mean_tpot_ms: tpot.mean,
      median_tpot_ms: tpot.median,
      p99_tpot_ms: tpot.p99,
      mean_e2el_ms: e2el.mean,
      median_e2el_ms: e2el.median,
      p99_e2el_ms: e2el.p99,
    },
    latencySamplesMs: {
      ttft: requests.map((r) => r.ttftMs),
      tpot: requests.map((r) => r.tokenMs),
      itl,
      e2el: requests.map((r) => r.e2elMs),
    },
    percentiles: [50, 90, 99],
    slo: { ttftMs: 500, tpotMs: 50, e2elMs: 20_000 },
    timeSeries: {
      throughputTokensPerSecond: { timeSeconds: series.timeSeconds, values: series.throughput },
      queueLength: { timeSeconds: series.timeSeconds, values: series.queue },
      runningBatchSize: { timeSeconds: series.timeSeconds, values: series.running },
      kvCacheUtilization: { timeSeconds: series.timeSeconds, values: series.kv },
    },
    operatorTime,
  };
}
