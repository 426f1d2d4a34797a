import {
  assertFits,
  countParameters,
  decodeBatch,
  describeParallelism,
  kvCacheBytesPerToken,
  listModels,
  isMla,
  listXpus,
  planMemory,
  prefillBatch,
  stepTotals,
  kvCacheDtype,
  quantizationDtypes,
  type DtypeConfig,
  type ModelSpec,
  type Quantization,
  type StepTime,
} from '@llm-sim/roofline';
import type { PerformanceModelType } from './config.ts';
import { errorBandFor, modelClassOf, type ErrorBandReport } from './error-bands.ts';
import { FactoryError } from './errors.ts';
import type { ReadTextFile } from './file-access.ts';
import { createPerformanceModel } from './performance-model.ts';
import { resolveParallelLayout } from './parallel-layout.ts';
import { resolveModel, resolveXpu } from './specs.ts';

/** One engine step to price: the deployment, the phase, the batch and the performance model (default `vllm_roofline`). */
export interface StepRequest {
  readonly model: string;
  readonly xpu: string;
  readonly tp?: number;
  readonly pp?: number;
  /** Devices the routed experts are spread over whole (`--ep`). */
  readonly ep?: number;
  /** vLLM's --data-parallel-size: for a MoE model the batch is the engine group's, spread over its dp ranks. */
  readonly dp?: number;
  /** vLLM's --enable-expert-parallel: ep = tp x dp. */
  readonly enableExpertParallel?: boolean;
  readonly phase: 'prefill' | 'decode';
  readonly batchSize: number;
  /** Prompt tokens per sequence (prefill). */
  readonly inputLen?: number;
  /** Cached tokens per sequence (decode). */
  readonly contextLen?: number;
  readonly dtypes?: Partial<DtypeConfig>;
  /** vLLM's --quantization: sets the weights and activations dtypes for the xpu (fp8 is W8A8 on Hopper). */
  readonly quantization?: Quantization;
  /** vLLM's --kv-cache-dtype name (auto, fp8, fp8_e4m3, fp8_e5m2, bf16, fp16); refused when vLLM has no such cache. */
  readonly kvCacheDtype?: string;
  readonly performanceModel?: PerformanceModelType;
  readonly calibrationDataPath?: string;
  readonly gpuMemoryUtilization?: number;
}

/** One engine step's time as the CLI prints it (snake_case keys, milliseconds). */
export interface StepReport {
  model: string;
  xpu: string;
  tp: number;
  pp: number;
  /** Data-parallel ranks the batch is spread over (a MoE model's engine group; 1 otherwise). */
  dp: number;
  ep: number;
  phase: 'prefill' | 'decode';
  batch_size: number;
  input_len: number | null;
  context_len: number | null;
  performance_model: PerformanceModelType;
  /** What the model is and, when calibrated, the calibration file it uses and how it was chosen. */
  performance_model_description: string;
  total_ms: number;
  flops: number;
  bytes: number;
  arithmetic_intensity: number;
  bound: 'compute' | 'memory';
  breakdown: { op: string; ms: number; flops: number; bytes: number; bound: string }[];
  /** How far this performance model's end-to-end predictions fell from public measurements on this xpu. */
  error_band: ErrorBandReport;
}

function positiveInteger(name: string, value: number | undefined): number {
  if (value === undefined || !Number.isInteger(value) || value <= 0) {
    throw new FactoryError('INVALID_CONFIG', `${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** The time of one engine step, with its FLOPs, bytes and per-operator breakdown, as `llm-sim step` prints it. */
export async function computeStep(request: StepRequest, readTextFile: ReadTextFile): Promise<StepReport> {
  const model = await resolveModel(request.model, readTextFile);
  const xpu = await resolveXpu(request.xpu, readTextFile);
  const { parallelism, dataParallelReplicas } = resolveParallelLayout(model, {
    tp: request.tp ?? 1,
    pp: request.pp ?? 1,
    ep: request.ep,
    dp: request.dp,
    enableExpertParallel: request.enableExpertParallel,
  });
  if (dataParallelReplicas > 1) {
    throw new FactoryError(
      'INVALID_CONFIG',
      `--data-parallel-size ${dataParallelReplicas}: ${model.name} is dense, so its data-parallel ranks are independent replicas and one step runs on one of them; drop --data-parallel-size`,
    );
  }
  const kv = request.kvCacheDtype === undefined ? {} : { kvCache: kvCacheDtype(request.kvCacheDtype) };
  const dtypes = { ...request.dtypes, ...kv, ...(request.quantization === undefined ? {} : quantizationDtypes(request.quantization, xpu)) };
  const batchSize = positiveInteger('--batch-size', request.batchSize);
  let step: StepTime;
  const type = request.performanceModel ?? 'vllm_roofline';
  const perf = await createPerformanceModel(type, {
    model,
    xpu,
    parallelism,
    dtypes,
    calibrationDataPath: request.calibrationDataPath,
    readTextFile,
  });
  const memoryOptions = { model, xpu, parallelism, dtypes, gpuMemoryUtilization: request.gpuMemoryUtilization };
  const plan = assertFits(planMemory(memoryOptions), memoryOptions);
  if (request.phase === 'prefill') {
    const inputLen = positiveInteger('--input-len', request.inputLen);
    const tokens = batchSize * inputLen;
    if (tokens > plan.maxKvCacheTokens) {
      throw new FactoryError(
        'INVALID_CONFIG',
        `a prefill of ${batchSize} x ${inputLen} tokens needs ${tokens} KV-cache tokens but ${model.name} on ${xpu.name} at ${describeParallelism(parallelism)} holds ${plan.maxKvCacheTokens}`,
      );
    }
    step = perf.stepTime(prefillBatch(batchSize, inputLen));
  } else {
    const contextLen = request.contextLen ?? request.inputLen;
    if (contextLen === undefined || !Number.isInteger(contextLen) || contextLen < 0) {
      throw new FactoryError('INVALID_CONFIG', `--context-len must be a non-negative integer for a decode step, got ${contextLen}`);
    }
    if (batchSize * (contextLen + 1) > plan.maxKvCacheTokens) {
      throw new FactoryError(
        'INVALID_CONFIG',
        `a decode step of ${batchSize} sequences with ${contextLen} cached tokens needs ${batchSize * (contextLen + 1)} KV-cache tokens but ${model.name} on ${xpu.name} at ${describeParallelism(parallelism)} holds ${plan.maxKvCacheTokens}`,
      );
    }
    step = perf.stepTime(decodeBatch(batchSize, contextLen));
  }
  const totals = stepTotals(step);
  return {
    model: model.name,
    xpu: xpu.name,
    tp: parallelism.tp,
    pp: parallelism.pp,
    dp: parallelism.dp,
    ep: parallelism.ep,
    phase: request.phase,
    batch_size: batchSize,
    input_len: request.phase === 'prefill' ? (request.inputLen ?? null) : null,
    context_len: request.phase === 'decode' ? (request.contextLen ?? request.inputLen ?? null) : null,
    performance_model: type,
    performance_model_description: perf.describe(),
    total_ms: step.totalSeconds * 1000,
    flops: totals.flops,
    bytes: totals.bytes,
    arithmetic_intensity: totals.bytes > 0 ? totals.flops / totals.bytes : 0,
    bound: totals.bound,
    breakdown: step.breakdown.map((o) => ({ op: o.op, ms: o.seconds * 1000, flops: o.flops, bytes: o.bytes, bound: o.bound })),
    error_band: errorBandFor(type, xpu.name, modelClassOf(model)),
  };
}

/** One catalog model as `llm-sim models` lists it (snake_case keys). */
export interface ModelListing {
  name: string;
  aliases: readonly string[];
  huggingface_id: string;
  architecture: string;
  params: number;
  active_params: number;
  num_layers: number;
  hidden_size: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  num_experts: number;
  max_position_embeddings: number;
  kv_cache_bytes_per_token: number;
  /** mha, gqa or mla, with the windowed layers (sliding or chunked) when there are any. */
  attention: string;
  /** The precision it is published in: weights, and the routed experts' when apart. */
  precision: string;
  /** The published config.json the catalog's values are copied from. */
  source: string;
}

/** Every catalog model, with its shapes, parameter counts and KV cache bytes per token. */
export function describeModels(): ModelListing[] {
  return listModels().map(({ name, aliases, huggingFaceId, spec }) => {
    const params = countParameters(spec);
    return {
      name,
      aliases,
      huggingface_id: huggingFaceId,
      architecture: spec.architecture,
      params: params.total,
      active_params: params.active,
      num_layers: spec.numLayers,
      hidden_size: spec.hiddenSize,
      num_attention_heads: spec.numAttentionHeads,
      num_key_value_heads: spec.numKeyValueHeads,
      head_dim: spec.headDim,
      num_experts: spec.numExperts,
      max_position_embeddings: spec.maxPositionEmbeddings,
      kv_cache_bytes_per_token: kvCacheBytesPerToken(spec, 'bf16'),
      attention: describeAttention(spec),
      precision: spec.expertWeightsDtype ? `${spec.weightsDtype}, experts ${spec.expertWeightsDtype}` : spec.weightsDtype,
      source: `https://huggingface.co/${huggingFaceId}/blob/main/config.json`,
    };
  });
}

function describeAttention(spec: ModelSpec): string {
  const kind = isMla(spec) ? 'mla' : spec.numKeyValueHeads < spec.numAttentionHeads ? 'gqa' : 'mha';
  if (spec.windowedLayers === 0) return kind;
  return `${kind}, ${spec.windowedLayers}/${spec.numLayers} layers ${spec.windowKind} ${spec.attentionWindow}`;
}

/** One catalog xpu as `llm-sim xpus` lists it: memory, bandwidth (GB/s), peak TFLOP/s by dtype and interconnect. */
export interface XpuListing {
  name: string;
  aliases: readonly string[];
  vendor: string;
  memory_gb: number;
  /** What the device reports to its runtime, which the KV cache is sized from. */
  memory_gib: number;
  memory_bandwidth_gbps: number;
  peak_tflops: Record<string, number>;
  ridge_point_bf16_flops_per_byte: number | null;
  interconnect: string;
  interconnect_bandwidth_gbps: number;
  interconnect_latency_us: number;
  source: readonly string[];
}

/** Every catalog xpu, with its spec-sheet figures. */
export function describeXpus(): XpuListing[] {
  return listXpus().map((x) => {
    const peak: Record<string, number> = {};
    for (const [dtype, flops] of Object.entries(x.peakFlopsPerSecond)) peak[dtype] = flops! / 1e12;
    const bf16 = x.peakFlopsPerSecond.bf16;
    return {
      name: x.name,
      aliases: x.aliases,
      vendor: x.vendor,
      memory_gb: x.nominalMemoryBytes / 1e9,
      memory_gib: x.memoryBytes / 1024 ** 3,
      memory_bandwidth_gbps: x.memoryBandwidthBytesPerSecond / 1e9,
      peak_tflops: peak,
      ridge_point_bf16_flops_per_byte: bf16 ? bf16 / x.memoryBandwidthBytesPerSecond : null,
      interconnect: x.interconnect.kind,
      interconnect_bandwidth_gbps: x.interconnect.bandwidthBytesPerSecond / 1e9,
      interconnect_latency_us: x.interconnect.latencySeconds * 1e6,
      source: x.source,
    };
  });
}
