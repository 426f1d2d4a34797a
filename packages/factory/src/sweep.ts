import { devicesPerInstance, type ParallelismSpec } from '@llm-sim/roofline';
import type { SimulationConfig } from './config.ts';
import { runDisaggregatedSimulation, type DisaggregatedRun } from './disaggregated.ts';
import { errorBandFor, modelClassOf } from './error-bands.ts';
import type { ReadTextFile } from './file-access.ts';
import { runSimulation, type SimulationRun } from './simulation.ts';
import { buildVllmServeResult, type VllmResultOptionsInput } from './vllm-result.ts';

/**
 * One run per value of a sweep (`sweep.request_rate` x `sweep.max_concurrency`, rates outermost),
 * each the config with that rate and concurrency; a config without a sweep is its own single run.
 */
export function expandSweep(config: SimulationConfig): SimulationConfig[] {
  const rates = config.sweep?.request_rate ?? [config.workload.request_rate];
  const caps = config.sweep?.max_concurrency ?? [config.workload.max_concurrency];
  const runs: SimulationConfig[] = [];
  for (const request_rate of rates) {
    for (const max_concurrency of caps) {
      runs.push({ ...config, sweep: undefined, workload: { ...config.workload, request_rate, max_concurrency } });
    }
  }
  return runs;
}

/** Devices a run occupies: replicas x TP x PP (x DP), or both pools of a disaggregated cluster. */
export function runDevices(run: SimulationRun | DisaggregatedRun): number {
  if ('prefill' in run) {
    const c = run.config.cluster;
    const pool = (instances: number, p: { parallelism: ParallelismSpec; dataParallelReplicas: number }) =>
      instances * p.dataParallelReplicas * devicesPerInstance(p.parallelism);
    return pool(c.prefill_instances, run.prefill) + pool(c.decode_instances, run.decode);
  }
  return run.numReplicas * devicesPerInstance(run.performanceModel.parallelism);
}

/**
 * The JSON object `llm-sim simulate --json` prints for one run: vLLM's summary keys, what was
 * simulated (model, hardware, traffic), and the two throughputs a sweep trades against each other:
 * output tokens per second per device, and per user (1000 / mean TPOT).
 */
export function describeRun(run: SimulationRun | DisaggregatedRun): Record<string, unknown> {
  const { config, summary } = run;
  const devices = runDevices(run);
  const hardware =
    'prefill' in run
      ? { prefill_xpu: run.prefill.xpu.name, decode_xpu: run.decode.xpu.name, prefill_tp: run.prefill.tp, decode_tp: run.decode.tp }
      : { xpu: run.xpu.name, tp: config.parallelism.tp, pp: config.parallelism.pp };
  const type = config.performance_model.model_type;
  const modelClass = modelClassOf(run.model);
  const bands =
    'prefill' in run
      ? { prefill_error_band: errorBandFor(type, run.prefill.xpu.name, modelClass), decode_error_band: errorBandFor(type, run.decode.xpu.name, modelClass) }
      : { error_band: errorBandFor(type, run.xpu.name, modelClass) };
  return {
    ...summary,
    model: run.model.name,
    ...hardware,
    performance_model: config.performance_model.model_type,
    // Which calibration file was used, and how it was chosen (the shipped one, or transferred from another xpu).
    performance_model_description:
      'prefill' in run ? `prefill ${run.prefill.performanceModel.describe()}; decode ${run.decode.performanceModel.describe()}` : run.performanceModel.describe(),
    request_rate: config.workload.request_rate,
    burstiness: config.workload.burstiness,
    max_concurrency: config.workload.max_concurrency ?? null,
    num_devices: devices,
    output_throughput_per_device: summary.output_throughput / devices,
    output_throughput_per_user: summary.mean_tpot_ms > 0 ? 1000 / summary.mean_tpot_ms : 0,
    ...bands,
    ...speculationFigures(run),
  };
}

/** With speculative decoding: the method, and the speed-up against the same run without it (mean TPOT and output throughput). */
function speculationFigures(run: SimulationRun | DisaggregatedRun): Record<string, unknown> {
  const spec = run.config.speculative_config;
  if (spec === undefined || !('withoutSpeculation' in run) || run.withoutSpeculation === undefined) return {};
  const base = run.withoutSpeculation;
  return {
    speculative_method: spec.method ?? 'draft_model',
    num_speculative_tokens: spec.num_speculative_tokens,
    spec_decode_tpot_speedup: run.summary.mean_tpot_ms > 0 ? base.mean_tpot_ms / run.summary.mean_tpot_ms : 0,
    spec_decode_throughput_speedup: base.output_throughput > 0 ? run.summary.output_throughput / base.output_throughput : 0,
  };
}

/** One point of a sweep, as a worker thread hands it back: plain data only. */
export interface SweepPointResult {
  readonly record: Record<string, unknown>;
  /** The `--save-result` file of this point, when asked for. */
  readonly vllmResult?: Record<string, unknown>;
}

/** The vLLM result of either kind of run. */
export function vllmResultOf(run: SimulationRun | DisaggregatedRun, dateTime: Date, options?: VllmResultOptionsInput): Record<string, unknown> {
  const hardware = 'prefill' in run ? { xpuName: run.decode.xpu.name, tp: run.decode.tp } : { xpuName: run.xpu.name, tp: run.config.parallelism.tp };
  return buildVllmServeResult({ ...run, ...hardware }, dateTime, options);
}

/** Runs one config (aggregated or disaggregated) and keeps only what a sweep reports. */
export async function runSweepPoint(
  config: SimulationConfig,
  readTextFile: ReadTextFile,
  resultFile?: { readonly dateTime: Date; readonly options?: VllmResultOptionsInput },
): Promise<SweepPointResult> {
  const recordTokenTimes = resultFile?.options?.save_detailed === true;
  const run =
    config.cluster.type === 'disaggregated'
      ? await runDisaggregatedSimulation(config, config.cluster, readTextFile, { recordTokenTimes })
      : await runSimulation(config, readTextFile, undefined, { recordTokenTimes });
  return {
    record: describeRun(run),
    vllmResult: resultFile ? vllmResultOf(run, resultFile.dateTime, resultFile.options) : undefined,
  };
}

const num = (r: Record<string, unknown>, k: string) => (typeof r[k] === 'number' ? (r[k] as number) : NaN);

/** One row per point of a sweep: load, throughputs, latencies. */
export function formatSweepTable(records: readonly Record<string, unknown>[]): string {
  const columns: [string, (r: Record<string, unknown>) => string][] = [
    ['rate (req/s)', (r) => String(r.request_rate)],
    ['concurrency', (r) => (r.max_concurrency === null ? '-' : String(r.max_concurrency))],
    ['done', (r) => String(r.completed)],
    ['req/s', (r) => num(r, 'request_throughput').toFixed(2)],
    ['out tok/s', (r) => num(r, 'output_throughput').toFixed(1)],
    ['tok/s/device', (r) => num(r, 'output_throughput_per_device').toFixed(1)],
    ['tok/s/user', (r) => num(r, 'output_throughput_per_user').toFixed(1)],
    ['TTFT mean', (r) => num(r, 'mean_ttft_ms').toFixed(1)],
    ['TTFT p99', (r) => num(r, 'p99_ttft_ms').toFixed(1)],
    ['TPOT mean', (r) => num(r, 'mean_tpot_ms').toFixed(2)],
    ['TPOT p99', (r) => num(r, 'p99_tpot_ms').toFixed(2)],
    ['E2EL mean', (r) => num(r, 'mean_e2el_ms').toFixed(0)],
  ];
  const cells = records.map((r) => columns.map(([, f]) => f(r)));
  const widths = columns.map(([h], c) => Math.max(h.length, ...cells.map((row) => row[c].length)));
  const line = (row: string[]) => row.map((x, c) => x.padStart(widths[c])).join('  ');
  return [line(columns.map(([h]) => h)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n(latencies in ms)\n';
}
