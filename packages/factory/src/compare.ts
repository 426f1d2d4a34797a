import { kvCacheBytesPerToken, validateParallelism, type ModelSpec } from '@llm-sim/roofline';
import {
  simulate,
  simulateDisaggregated,
  summarizeDisaggregatedSimulation,
  summarizeSimulation,
  type BenchmarkSummary,
  type RequestSet,
  type RouterName,
} from '@llm-sim/simulator';
import type { SimulationConfig } from './config.ts';
import { ClusterConfigSchema, type ClusterConfig } from './cluster-config.ts';
import { kvTransferSettings } from './disaggregated.ts';
import { setUpPool, type PoolSetup } from './pool-setup.ts';
import { buildWorkloadRequests } from './workload-requests.ts';
import { FactoryError } from './errors.ts';
import type { ReadTextFile } from './file-access.ts';
import { resolveModel, resolveXpu } from './specs.ts';

/** One way to spend the devices: aggregated replicas, or a prefill pool and a decode pool (xPyD). */
export type Layout =
  | { readonly kind: 'aggregated'; readonly replicas: number; readonly tp: number }
  | { readonly kind: 'disaggregated'; readonly prefillInstances: number; readonly prefillTp: number; readonly decodeInstances: number; readonly decodeTp: number };

/** The devices a layout uses: replicas x tp, or both pools' instances x tp. */
export function layoutDevices(layout: Layout): number {
  return layout.kind === 'aggregated' ? layout.replicas * layout.tp : layout.prefillInstances * layout.prefillTp + layout.decodeInstances * layout.decodeTp;
}

/** `2xTP4` (two aggregated TP4 replicas) or `2P1D TP2/TP4` (two TP2 prefill instances, one TP4 decode instance). */
export function formatLayout(layout: Layout): string {
  return layout.kind === 'aggregated'
    ? `${layout.replicas}xTP${layout.tp}`
    : `${layout.prefillInstances}P${layout.decodeInstances}D TP${layout.prefillTp}/TP${layout.decodeTp}`;
}

/** Parses `2xtp4` / `agg:2xtp4` and `2p1d:tp2/tp4` / `2P1D TP2/TP4` (case-insensitive). */
export function parseLayout(text: string): Layout {
  const s = text.trim().toLowerCase();
  const agg = /^(?:agg:)?(\d+)\s*x\s*tp(\d+)$/.exec(s);
  if (agg) return check(text, { kind: 'aggregated', replicas: Number(agg[1]), tp: Number(agg[2]) });
  const dis = /^(\d+)p(\d+)d[:\s]\s*tp(\d+)\s*\/\s*tp(\d+)$/.exec(s);
  if (dis) {
    return check(text, { kind: 'disaggregated', prefillInstances: Number(dis[1]), decodeInstances: Number(dis[2]), prefillTp: Number(dis[3]), decodeTp: Number(dis[4]) });
  }
  throw new FactoryError('INVALID_CONFIG', `layout '${text}' must be RxTPn (aggregated, e.g. 2xtp4) or xPyD:TPa/TPb (disaggregated, e.g. 2p1d:tp2/tp4)`);
}

function check(text: string, layout: Layout): Layout {
  const counts = layout.kind === 'aggregated' ? [layout.replicas, layout.tp] : [layout.prefillInstances, layout.decodeInstances, layout.prefillTp, layout.decodeTp];
  if (counts.some((c) => !(c >= 1))) throw new FactoryError('INVALID_CONFIG', `layout '${text}': instance counts and TP degrees must be at least 1`);
  return layout;
}

/** Enumerating every layout beyond this many devices gives hundreds of simulations: minutes, not seconds. */
export const MAX_ENUMERATED_DEVICES = 64;

/** TP degrees (powers of two up to `numDevices`) that split the model's heads. */
export function validTps(model: ModelSpec, numDevices: number): number[] {
  const tps: number[] = [];
  for (let tp = 1; tp <= numDevices; tp *= 2) {
    try {
      validateParallelism(model, { tp });
      tps.push(tp);
    } catch {
      // Not a valid split of this model's heads: not a candidate.
    }
  }
  return tps;
}

/**
 * Every layout that uses exactly `numDevices` devices with power-of-two TP degrees: aggregated
 * (numDevices / tp replicas) and disaggregated (P x tpP + D x tpD = numDevices, P and D at least 1).
 */
export function enumerateLayouts(model: ModelSpec, numDevices: number): Layout[] {
  const tps = validTps(model, numDevices);
  const layouts: Layout[] = [];
  for (const tp of tps) if (numDevices % tp === 0) layouts.push({ kind: 'aggregated', replicas: numDevices / tp, tp });
  for (const prefillTp of tps) {
    for (const decodeTp of tps) {
      for (let p = 1; p * prefillTp + decodeTp <= numDevices; p++) {
        const left = numDevices - p * prefillTp;
        if (left % decodeTp === 0) layouts.push({ kind: 'disaggregated', prefillInstances: p, prefillTp, decodeInstances: left / decodeTp, decodeTp });
      }
    }
  }
  return layouts;
}

/** What `compareLayouts` runs: one config's workload on every layout of `numDevices` devices. */
export interface CompareRequest {
  /** Model, xpu, workload, scheduler, dtypes, performance model, goodput SLOs and seed (parallelism and cluster are ignored). */
  readonly config: SimulationConfig;
  readonly numDevices: number;
  /** Layouts to run (see `parseLayout`); every layout of `numDevices` devices that fits when omitted. */
  readonly layouts?: readonly Layout[];
  /** Router for both kinds of cluster and the KV link (`cluster` keys); defaults as in `ClusterConfigSchema`. */
  readonly cluster?: Partial<Pick<ClusterConfig, 'router' | 'kv_transfer_gbit_per_s' | 'kv_transfer_latency_ms' | 'kv_transfer_sharing' | 'kv_transfer_links'>>;
}

/** One layout's results: completed requests, throughput and goodput (per second), latencies in milliseconds. */
export interface CompareRow {
  readonly layout: string;
  readonly kind: Layout['kind'];
  readonly devices: number;
  readonly completed: number;
  readonly failed: number;
  readonly request_throughput: number;
  /** Requests per second meeting every SLO; null without SLOs. */
  readonly request_goodput: number | null;
  /** Goodput (or throughput without SLOs) per device. */
  readonly goodput_per_device: number;
  readonly output_throughput: number;
  readonly median_ttft_ms: number;
  readonly p99_ttft_ms: number;
  readonly median_tpot_ms: number;
  readonly p99_tpot_ms: number;
  readonly p99_e2el_ms: number;
  /** Disaggregated only (null otherwise). */
  readonly mean_kv_transfer_ms: number | null;
  readonly p99_kv_transfer_ms: number | null;
  readonly prefill_utilization: number | null;
  readonly decode_utilization: number | null;
  readonly summary: BenchmarkSummary;
}

/** Every layout that ran, best first, and those that could not, with why. */
export interface CompareReport {
  readonly model: string;
  readonly xpu: string;
  readonly numDevices: number;
  readonly goodput: SimulationConfig['goodput'];
  readonly kvTransferGbitPerS: number;
  readonly kvTransferLatencyMs: number;
  /** Best first: by goodput per device (throughput per device without SLOs). */
  readonly rows: readonly CompareRow[];
  /** Layouts that could not run, with why (does not fit, bad TP). */
  readonly skipped: readonly { readonly layout: string; readonly reason: string; readonly code: 'DOES_NOT_FIT' | 'INVALID_PARALLELISM' }[];
}

/**
 * Runs the same workload on aggregated and disaggregated layouts of the same devices and ranks
 * them: "is disaggregation worth it here" in one call.
 */
export async function compareLayouts(
  request: CompareRequest,
  readTextFile: ReadTextFile,
  onLayout?: (done: number, total: number, layout: string) => void,
): Promise<CompareReport> {
  const { config, numDevices } = request;
  if (!Number.isInteger(numDevices) || numDevices < 1) {
    throw new FactoryError('INVALID_CONFIG', `num_devices must be a positive integer, got ${numDevices}`);
  }
  if (request.layouts === undefined && numDevices > MAX_ENUMERATED_DEVICES) {
    throw new FactoryError(
      'INVALID_CONFIG',
      `num_devices ${numDevices}: every layout is simulated only up to ${MAX_ENUMERATED_DEVICES} devices (their number grows with the devices'); name the layouts to compare (--layouts)`,
    );
  }
  const model = await resolveModel(config.model, readTextFile);
  const xpu = await resolveXpu(config.xpu, readTextFile);
  const cluster = ClusterConfigSchema.parse({ ...request.cluster, type: 'disaggregated' });
  const requests: RequestSet = await buildWorkloadRequests(config, readTextFile);
  const layouts = request.layouts ?? enumerateLayouts(model, numDevices);
  for (const layout of layouts) {
    if (layoutDevices(layout) !== numDevices) {
      throw new FactoryError('INVALID_CONFIG', `layout '${formatLayout(layout)}' uses ${layoutDevices(layout)} devices, not --num-devices ${numDevices}`);
    }
  }
  const kvBytesPerToken = kvCacheBytesPerToken(model, config.dtype.kv_cache);
  type Refusal = { readonly reason: string; readonly code: 'DOES_NOT_FIT' | 'INVALID_PARALLELISM' };
  const pools = new Map<number, PoolSetup | Refusal>();
  const pool = async (tp: number): Promise<PoolSetup | Refusal> => {
    if (!pools.has(tp)) {
      try {
        pools.set(tp, await setUpPool(config, model, { xpu: config.xpu, tp, pp: 1 }, readTextFile));
      } catch (error) {
        if (!(error instanceof Error) || !('code' in error) || !['DOES_NOT_FIT', 'INVALID_PARALLELISM'].includes(String(error.code))) throw error;
        pools.set(tp, { reason: error.message, code: error.code as Refusal['code'] });
      }
    }
    return pools.get(tp)!;
  };

  const rows: CompareRow[] = [];
  const skipped: { layout: string; reason: string; code: Refusal['code'] }[] = [];
  const refused = (p: PoolSetup | Refusal): p is Refusal => 'reason' in p;
  const slo = config.goodput;
  for (const [index, layout] of layouts.entries()) {
    const label = formatLayout(layout);
    onLayout?.(index, layouts.length, label);
    if (layout.kind === 'aggregated') {
      const p = await pool(layout.tp);
      if (refused(p)) {
        skipped.push({ layout: label, ...p });
        continue;
      }
      const result = simulate({
        performanceModel: p.performanceModel,
        requests,
        numReplicas: layout.replicas,
        kvCacheBlocksPerReplica: p.kvCacheBlocks,
        scheduler: p.scheduler,
        router: cluster.router as RouterName,
        maxConcurrency: config.workload.max_concurrency,
      });
      rows.push(row(label, layout, summarizeSimulation(result, slo), null));
    } else {
      const pp = await pool(layout.prefillTp);
      const dp = await pool(layout.decodeTp);
      if (refused(pp) || refused(dp)) {
        skipped.push({ layout: label, ...(refused(pp) ? pp : (dp as Refusal)) });
        continue;
      }
      const result = simulateDisaggregated({
        prefillPool: { performanceModel: pp.performanceModel, instances: layout.prefillInstances, kvCacheBlocks: pp.kvCacheBlocks, scheduler: pp.scheduler },
        decodePool: { performanceModel: dp.performanceModel, instances: layout.decodeInstances, kvCacheBlocks: dp.kvCacheBlocks, scheduler: dp.scheduler },
        kvTransfer: kvTransferSettings(cluster, kvBytesPerToken, Math.min(pp.tp, dp.tp)),
        router: cluster.router as RouterName,
        requests,
        maxConcurrency: config.workload.max_concurrency,
      });
      const s = summarizeDisaggregatedSimulation(result, slo);
      rows.push(row(label, layout, s, s));
    }
  }
  onLayout?.(layouts.length, layouts.length, '');
  rows.sort((a, b) => b.goodput_per_device - a.goodput_per_device || a.p99_ttft_ms - b.p99_ttft_ms);
  return {
    model: model.name,
    xpu: xpu.name,
    numDevices,
    goodput: slo,
    kvTransferGbitPerS: cluster.kv_transfer_gbit_per_s,
    kvTransferLatencyMs: cluster.kv_transfer_latency_ms,
    rows,
    skipped,
  };
}

function row(
  label: string,
  layout: Layout,
  s: BenchmarkSummary,
  d: ReturnType<typeof summarizeDisaggregatedSimulation> | null,
): CompareRow {
  const devices = layoutDevices(layout);
  return {
    layout: label,
    kind: layout.kind,
    devices,
    completed: s.completed,
    failed: s.failed,
    request_throughput: s.request_throughput,
    request_goodput: s.request_goodput,
    goodput_per_device: (s.request_goodput ?? s.request_throughput) / devices,
    output_throughput: s.output_throughput,
    median_ttft_ms: s.median_ttft_ms,
    p99_ttft_ms: s.p99_ttft_ms,
    median_tpot_ms: s.median_tpot_ms,
    p99_tpot_ms: s.p99_tpot_ms,
    p99_e2el_ms: s.p99_e2el_ms,
    mean_kv_transfer_ms: d ? d.mean_kv_transfer_ms : null,
    p99_kv_transfer_ms: d ? d.p99_kv_transfer_ms : null,
    prefill_utilization: d ? d.prefill_utilization : null,
    decode_utilization: d ? d.decode_utilization : null,
    summary: s,
  };
}

const fixed = (x: number, digits: number) => x.toFixed(digits);

/** The comparison as a text table, best layout first. */
export function formatComparison(report: CompareReport): string {
  const slo = report.goodput && Object.keys(report.goodput).length > 0
    ? Object.entries(report.goodput).map(([k, v]) => `${k} <= ${v} ms`).join(', ')
    : undefined;
  const header = ['layout', 'req/s', 'goodput/s', slo ? 'goodput/dev' : 'req/s/dev', 'TTFT p50', 'TTFT p99', 'TPOT p50', 'TPOT p99', 'KV xfer', 'P util', 'D util'];
  const body = report.rows.map((r) => [
    r.layout,
    fixed(r.request_throughput, 2),
    r.request_goodput === null ? '-' : fixed(r.request_goodput, 2),
    fixed(r.goodput_per_device, 3),
    fixed(r.median_ttft_ms, 1),
    fixed(r.p99_ttft_ms, 1),
    fixed(r.median_tpot_ms, 2),
    fixed(r.p99_tpot_ms, 2),
    r.mean_kv_transfer_ms === null ? '-' : fixed(r.mean_kv_transfer_ms, 2),
    r.prefill_utilization === null ? '-' : `${Math.round(r.prefill_utilization * 100)}%`,
    r.decode_utilization === null ? '-' : `${Math.round(r.decode_utilization * 100)}%`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  const lines = [
    `${report.model} on ${report.numDevices} x ${report.xpu}; KV link ${report.kvTransferGbitPerS} Gb/s + ${report.kvTransferLatencyMs} ms per transfer` +
      (slo ? `; goodput SLO ${slo}` : '; no SLO given: ranked by throughput per device'),
    '',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
  ];
  // Counted, not listed: with every layout of a device count, most skips say the same thing (--json has each reason).
  for (const [code, words] of [['DOES_NOT_FIT', 'do not fit in memory'], ['INVALID_PARALLELISM', 'do not split the model']] as const) {
    const layouts = report.skipped.filter((s) => s.code === code).map((s) => s.layout);
    if (layouts.length > 0) lines.push(`${layouts.length} layout${layouts.length === 1 ? '' : 's'} skipped: ${words} (${layouts.join(', ')})`);
  }
  lines.push('times in ms; KV xfer = mean KV transfer; P/D util = busy share of prefill/decode instances');
  return `${lines.join('\n')}\n`;
}
