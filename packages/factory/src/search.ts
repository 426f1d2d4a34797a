import { DtypeSchema, validateParallelism, type Dtype, type ModelSpec } from '@llm-sim/roofline';
import type { BenchmarkSummary } from '@llm-sim/simulator';
import { z } from 'zod';
import { enumerateLayouts, formatLayout, validTps, type Layout } from './compare.ts';
import type { SimulationConfig } from './config.ts';
import type { ClusterConfig } from './cluster-config.ts';
import { setUpPool } from './pool-setup.ts';
import { FactoryError, formatIssues } from './errors.ts';
import type { ReadTextFile } from './file-access.ts';
import { DEFAULT_SLO_PERCENTILE, checkSloTarget, findMaxRate } from './find-max-rate.ts';
import { resolveModel, resolveXpu } from './specs.ts';

const positiveInt = z.number().int().positive();

/** One deployment a search can choose: hardware, weights dtype, layout and scheduler limits (JSON keys as vLLM's flags). */
export const DeploymentSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('aggregated'),
    xpu: z.string().min(1),
    quantization: DtypeSchema,
    replicas: positiveInt,
    tp: positiveInt,
    pp: positiveInt,
    max_num_seqs: positiveInt,
    max_num_batched_tokens: positiveInt,
  }),
  z.strictObject({
    kind: z.literal('disaggregated'),
    xpu: z.string().min(1),
    quantization: DtypeSchema,
    prefill_instances: positiveInt,
    prefill_tp: positiveInt,
    decode_instances: positiveInt,
    decode_tp: positiveInt,
    max_num_seqs: positiveInt,
    max_num_batched_tokens: positiveInt,
  }),
]);
/** One deployment a search can choose (see `DeploymentSchema`). */
export type Deployment = z.infer<typeof DeploymentSchema>;

/** What a search may vary. Every combination is a candidate; those that do not fit are counted, not run. */
export const SearchSpaceSchema = z.strictObject({
  /** Catalog names or aliases (or xpu files); one xpu type per deployment. */
  xpus: z.array(z.string().min(1)).min(1),
  /** Device totals a deployment uses exactly (e.g. [8], or [1, 2, 4, 8, 16] for "up to 16"). */
  num_devices: z.array(positiveInt).min(1),
  /** Weights dtypes (vLLM's `--quantization`); the KV cache keeps the config's dtype. */
  quantizations: z.array(DtypeSchema).min(1).default(['bf16']),
  /** Pipeline-parallel degrees tried for aggregated replicas. */
  pp: z.array(positiveInt).min(1).default([1]),
  /** The scheduler grid: every pair with max_num_batched_tokens >= max_num_seqs (vLLM refuses the others). */
  max_num_seqs: z.array(positiveInt).min(1).default([64, 256]),
  max_num_batched_tokens: z.array(positiveInt).min(1).default([2048, 8192]),
  aggregated: z.boolean().default(true),
  disaggregated: z.boolean().default(true),
});
/** What a search may vary, defaults filled in (see `SearchSpaceSchema`). */
export type SearchSpace = z.infer<typeof SearchSpaceSchema>;
/** What a search may vary, as written: keys with defaults may be left out. */
export type SearchSpaceInput = z.input<typeof SearchSpaceSchema>;

/** What `searchDeployments` searches: a config's workload and SLOs over a space of deployments. */
export interface SearchRequest {
  /** Model, workload, SLOs (`goodput`), seed, KV dtype, memory share, block size, performance model. */
  readonly config: SimulationConfig;
  readonly space: SearchSpaceInput;
  /** Share of requests, in percent, that must meet every SLO at the rate found (default 90). */
  readonly sloPercentile?: number;
  /** Price of one device-hour by xpu (name or alias), for the cost per million output tokens. */
  readonly pricePerDeviceHour?: Readonly<Record<string, number>>;
  /** The KV link of disaggregated deployments (`cluster` keys). */
  readonly cluster?: Partial<Pick<ClusterConfig, 'kv_transfer_gbit_per_s' | 'kv_transfer_latency_ms' | 'kv_transfer_sharing' | 'router'>>;
  /** Evaluate only the candidates of shard `index` (1-based) of `count`: every count-th fitting candidate. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Bisection stops when met and missed rates are this close, relatively (default 0.02). */
  readonly relativeTolerance?: number;
}

/** One capacity search, as plain data: what a worker thread receives. */
export interface DeploymentTask {
  readonly config: SimulationConfig;
  readonly sloPercentile: number;
  readonly relativeTolerance: number;
}

/** What one capacity search found: plain data, so that it crosses a thread boundary unchanged. */
export interface DeploymentEvaluation {
  readonly maxRate: number;
  readonly simulations: number;
  readonly summary: BenchmarkSummary | null;
}

/** Runs one task: the CLI runs this on worker threads; the default runs it in-process. */
export type EvaluateDeployment = (task: DeploymentTask) => Promise<DeploymentEvaluation>;

/** The capacity search of one deployment (see `findMaxRate`). */
export async function evaluateDeployment(task: DeploymentTask, readTextFile: ReadTextFile): Promise<DeploymentEvaluation> {
  const found = await findMaxRate(task.config, readTextFile, { sloPercentile: task.sloPercentile, relativeTolerance: task.relativeTolerance });
  return { maxRate: found.maxRate, simulations: found.probes.length + 1, summary: found.best?.summary ?? null };
}

/** One deployment evaluated: the highest request rate meeting the SLOs and its figures there (milliseconds, tokens/s). */
export interface SearchPoint {
  /** Position of the deployment among the fitting candidates of the whole space (stable across shards). */
  readonly id: number;
  readonly label: string;
  readonly deployment: Deployment;
  readonly devices: number;
  /** Highest request rate meeting the SLOs; 0 when none did (then the metrics are null). */
  readonly max_request_rate: number;
  readonly request_goodput: number | null;
  readonly goodput_per_device: number | null;
  /** Output tokens per second per device at the rate found. */
  readonly output_throughput_per_device: number | null;
  /** Output tokens per second one user sees while decoding: 1000 / mean TPOT (ms). */
  readonly output_throughput_per_user: number | null;
  /** Price of the devices per hour over output tokens per hour, per million tokens; null without a price. */
  readonly cost_per_million_output_tokens: number | null;
  readonly mean_ttft_ms: number | null;
  readonly p90_ttft_ms: number | null;
  readonly p99_ttft_ms: number | null;
  readonly mean_tpot_ms: number | null;
  readonly p90_tpot_ms: number | null;
  readonly p99_tpot_ms: number | null;
  readonly simulations: number;
  /** The vLLM command lines that run this deployment (prefill then decode for disaggregated). */
  readonly vllm_serve: readonly string[];
}

/** A search's result: what was searched, the evaluated deployments best first, and the Pareto front. */
export interface SearchReport {
  /** What was searched: the same in every shard, so that shard files can be merged. */
  readonly search: {
    readonly model: string;
    readonly xpus: readonly string[];
    readonly space: SearchSpace;
    readonly goodput: NonNullable<SimulationConfig['goodput']>;
    readonly slo_percentile: number;
    readonly workload: SimulationConfig['workload'];
    readonly seed: number;
    readonly performance_model: SimulationConfig['performance_model'];
    readonly price_per_device_hour: Readonly<Record<string, number>>;
  };
  /** Every combination of the space, fitting or not. */
  readonly candidates: number;
  /** Candidates that cannot run, counted by reason ("do not fit in memory"). */
  readonly skipped: Readonly<Record<string, number>>;
  /** Evaluated deployments, best first (by cost when every xpu has a price, else by goodput per device). */
  readonly points: readonly SearchPoint[];
  /** Ids of the points on the Pareto front of throughput per device against throughput per user, fastest user first. */
  readonly pareto: readonly number[];
  /** Present in a shard file only. */
  readonly shard?: { readonly index: number; readonly count: number };
}

/** How far a search is: deployments done of the total, and the one just evaluated. */
export interface SearchProgress {
  readonly done: number;
  readonly total: number;
  readonly point?: SearchPoint;
}

/** How a search reads files, runs its tasks and reports progress. */
export interface SearchOptions {
  readonly readTextFile: ReadTextFile;
  /** How tasks run; in-process one at a time when omitted. Results do not depend on it. */
  readonly evaluate?: EvaluateDeployment;
  /** Told after each deployment is evaluated. */
  readonly onProgress?: (progress: SearchProgress) => void;
}

const SKIP_DOES_NOT_FIT = 'do not fit in memory';

function layoutsOf(model: ModelSpec, numDevices: number, space: SearchSpace): { layout: Layout; pp: number }[] {
  const out: { layout: Layout; pp: number }[] = [];
  for (const layout of enumerateLayouts(model, numDevices)) {
    if (layout.kind === 'aggregated' && space.aggregated) {
      for (const pp of space.pp) {
        if (pp === 1) out.push({ layout, pp });
      }
    }
    if (layout.kind === 'disaggregated' && space.disaggregated) out.push({ layout, pp: 1 });
  }
  if (space.aggregated) {
    // Pipeline-parallel replicas: tp x pp devices each.
    for (const pp of space.pp) {
      if (pp === 1) continue;
      for (const tp of validTps(model, numDevices)) {
        if (numDevices % (tp * pp) !== 0) continue;
        try {
          validateParallelism(model, { tp, pp });
        } catch {
          continue;
        }
        out.push({ layout: { kind: 'aggregated', replicas: numDevices / (tp * pp), tp }, pp });
      }
    }
  }
  return out;
}

/** Every candidate of the space, in a fixed order (xpu, dtype, devices, layout, scheduler limits). */
export function enumerateDeployments(model: ModelSpec, space: SearchSpace, xpuNames: readonly string[]): Deployment[] {
  const grid: [number, number][] = [];
  for (const seqs of space.max_num_seqs) for (const tokens of space.max_num_batched_tokens) if (tokens >= seqs) grid.push([seqs, tokens]);
  const out: Deployment[] = [];
  for (const xpu of xpuNames) {
    for (const quantization of space.quantizations) {
      for (const n of space.num_devices) {
        for (const { layout, pp } of layoutsOf(model, n, space)) {
          for (const [max_num_seqs, max_num_batched_tokens] of grid) {
            out.push(
              layout.kind === 'aggregated'
                ? { kind: 'aggregated', xpu, quantization, replicas: layout.replicas, tp: layout.tp, pp, max_num_seqs, max_num_batched_tokens }
                : {
                    kind: 'disaggregated',
                    xpu,
                    quantization,
                    prefill_instances: layout.prefillInstances,
                    prefill_tp: layout.prefillTp,
                    decode_instances: layout.decodeInstances,
                    decode_tp: layout.decodeTp,
                    max_num_seqs,
                    max_num_batched_tokens,
                  },
            );
          }
        }
      }
    }
  }
  return out;
}

/** The devices a deployment uses: replicas x tp x pp, or both pools' instances x tp. */
export function deploymentDevices(d: Deployment): number {
  return d.kind === 'aggregated' ? d.replicas * d.tp * d.pp : d.prefill_instances * d.prefill_tp + d.decode_instances * d.decode_tp;
}

/** `2xTP4 PP2 h100-sxm fp8 seqs=256 tokens=8192`. */
export function formatDeployment(d: Deployment): string {
  const layout =
    d.kind === 'aggregated'
      ? `${formatLayout({ kind: 'aggregated', replicas: d.replicas, tp: d.tp })}${d.pp > 1 ? ` PP${d.pp}` : ''}`
      : formatLayout({ kind: 'disaggregated', prefillInstances: d.prefill_instances, prefillTp: d.prefill_tp, decodeInstances: d.decode_instances, decodeTp: d.decode_tp });
  return `${layout} ${d.xpu} ${d.quantization} seqs=${d.max_num_seqs} tokens=${d.max_num_batched_tokens}`;
}

/** The config `llm-sim simulate` would run for this deployment: the search's probes are exactly such runs. */
export function deploymentConfig(base: SimulationConfig, d: Deployment, cluster: SearchRequest['cluster'] = {}): SimulationConfig {
  const scheduler = { ...base.scheduler, max_num_seqs: d.max_num_seqs, max_num_batched_tokens: d.max_num_batched_tokens };
  const dtype = { ...base.dtype, weights: d.quantization };
  // fp8 is vLLM's --quantization fp8: W8A8 where the xpu has fp8 tensor cores.
  const quantization = d.quantization === 'fp8' ? ('fp8' as const) : base.quantization;
  const link = Object.fromEntries(Object.entries(cluster).filter(([, v]) => v !== undefined));
  if (d.kind === 'aggregated') {
    return {
      ...base,
      xpu: d.xpu,
      dtype,
      quantization,
      scheduler,
      parallelism: { ...base.parallelism, tp: d.tp, pp: d.pp },
      cluster: { ...base.cluster, ...link, type: 'aggregated', num_replicas: d.replicas },
    };
  }
  return {
    ...base,
    xpu: d.xpu,
    dtype,
    quantization,
    scheduler,
    parallelism: { ...base.parallelism, tp: d.decode_tp, pp: 1 },
    cluster: {
      ...base.cluster,
      ...link,
      type: 'disaggregated',
      prefill_instances: d.prefill_instances,
      prefill_tp: d.prefill_tp,
      prefill_pp: 1,
      decode_instances: d.decode_instances,
      decode_tp: d.decode_tp,
      decode_pp: 1,
      prefill_xpu: undefined,
      decode_xpu: undefined,
    },
  };
}

/** vLLM V1 command lines for a deployment (one per kind of instance; run it once per instance). */
export function vllmServeCommands(model: ModelSpec, config: SimulationConfig, d: Deployment): string[] {
  const s = config.scheduler;
  const common = [
    `--max-num-seqs ${d.max_num_seqs}`,
    `--max-num-batched-tokens ${d.max_num_batched_tokens}`,
    `--gpu-memory-utilization ${s.gpu_memory_utilization}`,
    `--block-size ${s.block_size}`,
    ...(s.max_model_len !== undefined ? [`--max-model-len ${s.max_model_len}`] : []),
    ...(d.quantization === 'fp8' ? ['--quantization fp8'] : []),
    ...(config.dtype.kv_cache === 'fp8' ? ['--kv-cache-dtype fp8'] : []),
    ...(s.enable_chunked_prefill ? [] : ['--no-enable-chunked-prefill']),
    ...(s.enable_prefix_caching ? [] : ['--no-enable-prefix-caching']),
  ];
  const id = model.huggingFaceId ?? model.name;
  // int8/int4/fp4 weights come from a pre-quantized checkpoint: vLLM reads the method from its config.
  const note = ['int8', 'int4', 'fp4'].includes(d.quantization) ? `  # a pre-quantized ${d.quantization} checkpoint of ${id}` : '';
  if (d.kind === 'aggregated') {
    const replicas = d.replicas > 1 ? `  # x${d.replicas} replicas behind a load balancer` : '';
    return [`vllm serve ${id} --tensor-parallel-size ${d.tp} --pipeline-parallel-size ${d.pp} ${common.join(' ')}${note}${replicas}`];
  }
  // vLLM's disaggregated prefill (NIXL connector): both sides run kv_both; a proxy sends prefill then decode.
  const kv = `--kv-transfer-config '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'`;
  return [
    `vllm serve ${id} --tensor-parallel-size ${d.prefill_tp} ${common.join(' ')} ${kv}${note}  # prefill x${d.prefill_instances}`,
    `vllm serve ${id} --tensor-parallel-size ${d.decode_tp} ${common.join(' ')} ${kv}${note}  # decode x${d.decode_instances}`,
  ];
}

interface PreparedSearch {
  readonly model: ModelSpec;
  readonly report: Omit<SearchReport, 'points' | 'pareto' | 'shard'>;
  /** The fitting candidates, with their ids. */
  readonly fitting: readonly { readonly id: number; readonly deployment: Deployment; readonly config: SimulationConfig }[];
  readonly prices: Readonly<Record<string, number>>;
}

async function prepareSearch(request: SearchRequest, readTextFile: ReadTextFile): Promise<PreparedSearch> {
  const parsedSpace = SearchSpaceSchema.safeParse(request.space);
  if (!parsedSpace.success) throw new FactoryError('INVALID_CONFIG', `invalid search space: ${formatIssues(parsedSpace.error.issues)}`);
  const space = parsedSpace.data;
  const { config } = request;
  const sloPercentile = request.sloPercentile ?? DEFAULT_SLO_PERCENTILE;
  const goodput = checkSloTarget(config.goodput, sloPercentile);
  const model = await resolveModel(config.model, readTextFile);
  const xpuNames: string[] = [];
  for (const x of space.xpus) {
    const name = (await resolveXpu(x, readTextFile)).name;
    if (!xpuNames.includes(name)) xpuNames.push(name);
  }
  const prices: Record<string, number> = {};
  for (const [x, price] of Object.entries(request.pricePerDeviceHour ?? {})) {
    if (!(price > 0)) throw new FactoryError('INVALID_CONFIG', `price of '${x}' must be a positive price per device-hour, got ${price}`);
    prices[(await resolveXpu(x, readTextFile)).name] = price;
  }
  const candidates = enumerateDeployments(model, space, xpuNames);
  const skipped: Record<string, number> = {};
  const fits = new Map<string, boolean>();
  const poolFits = async (c: SimulationConfig, tp: number, pp: number): Promise<boolean> => {
    const key = `${c.xpu}/${c.dtype.weights}/${tp}/${pp}/${c.scheduler.max_num_seqs}/${c.scheduler.max_num_batched_tokens}`;
    if (!fits.has(key)) {
      try {
        await setUpPool(c, model, { xpu: c.xpu, tp, pp }, readTextFile);
        fits.set(key, true);
      } catch (error) {
        if (!(error instanceof Error) || !('code' in error) || error.code !== 'DOES_NOT_FIT') throw error;
        fits.set(key, false);
      }
    }
    return fits.get(key)!;
  };
  const fitting: { id: number; deployment: Deployment; config: SimulationConfig }[] = [];
  for (const deployment of candidates) {
    const c = deploymentConfig(config, deployment, request.cluster);
    const ok =
      deployment.kind === 'aggregated'
        ? await poolFits(c, deployment.tp, deployment.pp)
        : (await poolFits(c, deployment.prefill_tp, 1)) && (await poolFits(c, deployment.decode_tp, 1));
    if (ok) fitting.push({ id: fitting.length, deployment, config: c });
    else skipped[SKIP_DOES_NOT_FIT] = (skipped[SKIP_DOES_NOT_FIT] ?? 0) + 1;
  }
  return {
    model,
    prices,
    fitting,
    report: {
      search: {
        model: model.name,
        xpus: xpuNames,
        space,
        goodput,
        slo_percentile: sloPercentile,
        workload: config.workload,
        seed: config.seed,
        performance_model: config.performance_model,
        price_per_device_hour: prices,
      },
      candidates: candidates.length,
      skipped,
    },
  };
}

function toPoint(
  prepared: PreparedSearch,
  candidate: PreparedSearch['fitting'][number],
  evaluation: DeploymentEvaluation,
): SearchPoint {
  const { deployment, config } = candidate;
  const devices = deploymentDevices(deployment);
  const s = evaluation.summary;
  const price = prepared.prices[deployment.xpu];
  const outputPerDevice = s ? s.output_throughput / devices : null;
  return {
    id: candidate.id,
    label: formatDeployment(deployment),
    deployment,
    devices,
    max_request_rate: evaluation.maxRate,
    request_goodput: s ? s.request_goodput : null,
    goodput_per_device: s && s.request_goodput !== null ? s.request_goodput / devices : null,
    output_throughput_per_device: outputPerDevice,
    output_throughput_per_user: s && s.mean_tpot_ms > 0 ? 1000 / s.mean_tpot_ms : null,
    cost_per_million_output_tokens: price !== undefined && outputPerDevice ? (price / 3600 / outputPerDevice) * 1e6 : null,
    mean_ttft_ms: s ? s.mean_ttft_ms : null,
    p90_ttft_ms: s ? s.p90_ttft_ms : null,
    p99_ttft_ms: s ? s.p99_ttft_ms : null,
    mean_tpot_ms: s ? s.mean_tpot_ms : null,
    p90_tpot_ms: s ? s.p90_tpot_ms : null,
    p99_tpot_ms: s ? s.p99_tpot_ms : null,
    simulations: evaluation.simulations,
    vllm_serve: vllmServeCommands(prepared.model, config, deployment),
  };
}

/** Best first: cheapest per output token when every point has a price, else most goodput per device; ties by id. */
function rankPoints(points: readonly SearchPoint[]): SearchPoint[] {
  const byCost = points.length > 0 && points.every((p) => p.max_request_rate === 0 || p.cost_per_million_output_tokens !== null);
  const score = (p: SearchPoint) => (byCost ? -(p.cost_per_million_output_tokens ?? Infinity) : (p.goodput_per_device ?? -Infinity));
  return [...points].sort((a, b) => {
    if ((a.max_request_rate > 0) !== (b.max_request_rate > 0)) return a.max_request_rate > 0 ? -1 : 1;
    return score(b) - score(a) || a.id - b.id;
  });
}

/** Points no other point beats on both throughput per device and throughput per user; by throughput per user, descending. */
export function paretoFront(points: readonly SearchPoint[]): number[] {
  const live = points.filter((p) => p.output_throughput_per_device !== null && p.output_throughput_per_user !== null);
  const sorted = [...live].sort(
    (a, b) => b.output_throughput_per_user! - a.output_throughput_per_user! || b.output_throughput_per_device! - a.output_throughput_per_device! || a.id - b.id,
  );
  const front: number[] = [];
  let best = -Infinity;
  for (const p of sorted) {
    if (p.output_throughput_per_device! > best) {
      front.push(p.id);
      best = p.output_throughput_per_device!;
    }
  }
  return front;
}

function finishReport(base: Omit<SearchReport, 'points' | 'pareto' | 'shard'>, points: readonly SearchPoint[]): SearchReport {
  const ranked = rankPoints(points);
  return { ...base, points: ranked, pareto: paretoFront(ranked) };
}

function checkShard(shard: SearchRequest['shard']): void {
  if (shard === undefined) return;
  if (!Number.isInteger(shard.count) || shard.count < 1 || !Number.isInteger(shard.index) || shard.index < 1 || shard.index > shard.count) {
    throw new FactoryError('INVALID_CONFIG', `shard must be K/N with 1 <= K <= N, got ${shard.index}/${shard.count}`);
  }
}

/**
 * Finds the best deployments of a model for a workload under SLOs: enumerates the space (every
 * memory-fitting TP x PP x replicas layout, xPyD splits with per-pool TP, the scheduler grid, the
 * dtypes, on each xpu), runs each one's capacity search (`findMaxRate`), and ranks them. With a
 * shard, only every `count`-th fitting candidate from `index` is evaluated; `mergeSearchShards` of
 * all shards equals the unsharded report.
 */
export async function searchDeployments(request: SearchRequest, options: SearchOptions): Promise<SearchReport> {
  checkShard(request.shard);
  const prepared = await prepareSearch(request, options.readTextFile);
  const task = (config: SimulationConfig): DeploymentTask => ({
    config,
    sloPercentile: prepared.report.search.slo_percentile,
    relativeTolerance: request.relativeTolerance ?? 0.02,
  });
  const mine = request.shard ? prepared.fitting.filter((c) => c.id % request.shard!.count === request.shard!.index - 1) : prepared.fitting;
  let done = 0;
  options.onProgress?.({ done, total: mine.length });
  const evaluateOne = async (candidate: (typeof mine)[number]): Promise<SearchPoint> => {
    const evaluation = options.evaluate ? await options.evaluate(task(candidate.config)) : await evaluateDeployment(task(candidate.config), options.readTextFile);
    const point = toPoint(prepared, candidate, evaluation);
    options.onProgress?.({ done: ++done, total: mine.length, point });
    return point;
  };
  let points: SearchPoint[];
  if (options.evaluate) {
    points = await Promise.all(mine.map(evaluateOne));
  } else {
    points = [];
    for (const candidate of mine) points.push(await evaluateOne(candidate));
  }
  const report = finishReport(prepared.report, points);
  return request.shard ? { ...report, shard: { index: request.shard.index, count: request.shard.count } } : report;
}

/**
 * Merges the `--json` outputs of every shard of one search into the report of the unsharded search:
 * the same points, ranking and front. Refuses shards of different searches, missing or repeated shards.
 */
export function mergeSearchShards(shards: readonly SearchReport[]): SearchReport {
  if (shards.length === 0) throw new FactoryError('INVALID_CONFIG', 'no shard files to merge');
  const first = shards[0];
  const count = first.shard?.count;
  if (count === undefined) throw new FactoryError('INVALID_CONFIG', 'shard 1 of the merge has no "shard" key: it is not the output of --shard K/N');
  const seen = new Set<number>();
  const searchKey = JSON.stringify(first.search);
  for (const s of shards) {
    if (!s.shard || s.shard.count !== count) throw new FactoryError('INVALID_CONFIG', `shard counts differ: ${count} and ${s.shard?.count ?? 'none'}`);
    if (seen.has(s.shard.index)) throw new FactoryError('INVALID_CONFIG', `shard ${s.shard.index}/${count} appears twice`);
    seen.add(s.shard.index);
    if (JSON.stringify(s.search) !== searchKey || s.candidates !== first.candidates || JSON.stringify(s.skipped) !== JSON.stringify(first.skipped)) {
      throw new FactoryError('INVALID_CONFIG', `shard ${s.shard.index}/${count} comes from a different search (model, space, workload, SLOs or seed differ)`);
    }
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length > 0) throw new FactoryError('INVALID_CONFIG', `shards missing from the merge: ${missing.map((k) => `${k}/${count}`).join(', ')}`);
  const { shard: _shard, points: _points, pareto: _pareto, ...base } = first;
  return finishReport(base, shards.flatMap((s) => s.points));
}

const fmt = (x: number | null, digits: number) => (x === null ? '-' : x.toFixed(digits));

/** The ranked table's header and rows (the text table and the HTML report show the same cells). */
export function searchTable(report: SearchReport, top = 20): { header: string[]; rows: string[][] } {
  const priced = report.points.some((p) => p.cost_per_million_output_tokens !== null);
  const onFront = new Set(report.pareto);
  const header = ['#', 'deployment', 'dev', 'rate', 'goodput/dev', 'tok/s/dev', 'tok/s/user', ...(priced ? ['$/Mtok'] : []), 'TTFT p90', 'TPOT p90', 'front'];
  const rows = report.points.slice(0, top).map((p, i) => [
    String(i + 1),
    p.label,
    String(p.devices),
    fmt(p.max_request_rate, 2),
    fmt(p.goodput_per_device, 3),
    fmt(p.output_throughput_per_device, 0),
    fmt(p.output_throughput_per_user, 1),
    ...(priced ? [fmt(p.cost_per_million_output_tokens, 3)] : []),
    fmt(p.p90_ttft_ms, 0),
    fmt(p.p90_tpot_ms, 1),
    onFront.has(p.id) ? '*' : '',
  ]);
  return { header, rows };
}

/** "31 layouts skipped: do not fit in memory", one line per reason. */
export function skippedLines(report: SearchReport): string[] {
  return Object.entries(report.skipped).map(([reason, n]) => `${n} layout${n === 1 ? '' : 's'} skipped: ${reason}`);
}

/** One line saying what was searched. */
export function describeSearch(report: SearchReport): string {
  const s = report.search;
  const slo = Object.entries(s.goodput)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} <= ${v} ms`)
    .join(', ');
  return (
    `${s.model} on ${s.xpus.join(', ')}; ${slo} for ${s.slo_percentile}% of requests; ` +
    `${report.candidates} candidates, ${report.points.length} evaluated${report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : ''}`
  );
}

export const SEARCH_TABLE_LEGEND =
  'rate = highest req/s meeting the SLOs; tok/s = output tokens per second at that rate; tok/s/user = 1000 / mean TPOT; times in ms; * = on the Pareto front';

/** The ranked table, the skipped count in one line, the Pareto front and the vLLM command lines of the top deployments. */
export function formatSearch(report: SearchReport, options: { readonly top?: number; readonly commands?: number } = {}): string {
  const top = options.top ?? 20;
  const { header, rows: body } = searchTable(report, top);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const lines = [describeSearch(report), ...skippedLines(report), '', line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  if (report.points.length > top) lines.push(`... ${report.points.length - top} more (--top N, or --json for all)`);
  lines.push(SEARCH_TABLE_LEGEND);
  const byId = new Map(report.points.map((p) => [p.id, p]));
  lines.push('', `Pareto front (tok/s/user -> tok/s/dev): ${report.pareto.map((id) => `${fmt(byId.get(id)!.output_throughput_per_user, 1)} -> ${fmt(byId.get(id)!.output_throughput_per_device, 0)} [${byId.get(id)!.label}]`).join('; ') || 'empty'}`);
  const commands = topCommands(report, options.commands ?? 3);
  if (commands.length > 0) {
    lines.push('', 'vLLM command lines of the top deployments:');
    commands.forEach((c, i) => {
      lines.push(`${i + 1}. ${c.title}`);
      for (const l of c.lines) lines.push(`   ${l}`);
    });
  }
  return `${lines.join('\n')}\n`;
}

/** The `vllm serve` lines of the best `n` deployments that met the SLOs at some rate. */
export function topCommands(report: SearchReport, n: number): { title: string; lines: string[] }[] {
  return report.points
    .filter((p) => p.max_request_rate > 0)
    .slice(0, n)
    .map((p) => ({ title: p.label, lines: [...p.vllm_serve] }));
}
