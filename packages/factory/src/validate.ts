import type { ValidationCase, ValidationSplit } from '@llm-sim/benchmark';
import type { BenchmarkSummary } from '@llm-sim/simulator';
import { PERFORMANCE_MODEL_TYPES, parseSimulationConfig, type PerformanceModelType, type SimulationConfigInput } from './config.ts';
import { modelClassOf, type ModelClass } from './error-bands.ts';
import type { ReadTextFile } from './file-access.ts';
import { runSimulation, type SimulationRun } from './simulation.ts';
import { resolveModel } from './specs.ts';

/** Which validation cases to predict, with which performance models. */
export interface ValidateRequest {
  readonly cases: readonly ValidationCase[];
  /** Which cases to predict; `all` predicts both splits. */
  readonly split: ValidationSplit | 'all';
  /** Every performance model the factory knows, unless narrowed. */
  readonly performanceModels?: readonly PerformanceModelType[];
  readonly readTextFile: ReadTextFile;
  /** Called after each case, for progress. */
  readonly onCase?: (done: number, total: number) => void;
}

/** One case as predicted: values in the case's unit; `error_pct` is signed, (predicted - measured) / measured. */
export interface CasePrediction {
  readonly id: string;
  readonly split: ValidationSplit;
  readonly xpu: string;
  readonly model: string;
  /** Dense, MoE, MLA: error bands are kept apart by it. */
  readonly model_class: ModelClass;
  readonly tp: number;
  readonly metric: string;
  readonly unit: string;
  readonly measured: number;
  /** Keyed by performance model; absent where that model could not predict the case (see `skipped`). */
  readonly predicted: Partial<Record<PerformanceModelType, number>>;
  readonly error_pct: Partial<Record<PerformanceModelType, number>>;
  /** Why a performance model has no prediction for this case. */
  readonly skipped: Partial<Record<PerformanceModelType, string>>;
  /** The calibration a model used and how the factory chose it, where it used one. */
  readonly calibration: Partial<Record<PerformanceModelType, string>>;
}

/** Mean absolute percentage error over the cases a model predicted, and how many it covered. */
export interface MapeEntry {
  readonly mape: number | null;
  readonly cases: number;
}

/** Every case predicted, and MAPE in percent by performance model, xpu and metric. */
export interface ValidationReport {
  readonly split: ValidationSplit | 'all';
  readonly performance_models: readonly PerformanceModelType[];
  readonly cases: readonly CasePrediction[];
  /** MAPE in percent, keyed by performance model (null when it predicted no case). */
  readonly mape: Partial<Record<PerformanceModelType, number | null>>;
  readonly coverage: Partial<Record<PerformanceModelType, number>>;
  readonly mape_by_xpu: Partial<Record<PerformanceModelType, Record<string, MapeEntry>>>;
  readonly mape_by_metric: Partial<Record<PerformanceModelType, Record<string, MapeEntry>>>;
}

const BURST_TRACE = 'validation-burst.csv';

/** The simulation that reproduces a case: the workload as it was run, the engine settings it used. */
function simulationConfigFor(c: ValidationCase, type: PerformanceModelType): SimulationConfigInput {
  const w = c.workload;
  const e = c.engineConfig ?? {};
  const lengths =
    w.kind === 'burst' ? w.requests.map((r) => ({ input: r.inputLen, output: Math.max(1, r.outputLen) })) : [{ input: w.inputLen, output: w.outputLen }];
  const longest = Math.max(...lengths.map((l) => l.input + l.output));
  const requests = w.kind === 'static-batch' ? w.batchSize : w.kind === 'burst' ? w.requests.length : w.numPrompts;
  const promptTokens = w.kind === 'static-batch' ? w.batchSize * w.inputLen : lengths.reduce((s, l) => s + l.input, 0);
  // Without chunked prefill a prompt must fit one step; a static batch is prefilled together, as the engine does.
  const batchedTokens = e.maxNumBatchedTokens ?? (e.enableChunkedPrefill === false ? Math.max(8192, promptTokens, longest) : undefined);
  return {
    model: c.model.name,
    xpu: c.hardware.xpu,
    parallelism: { tp: c.parallelism.tp, pp: c.parallelism.pp },
    dtype: { weights: c.precision.weights, activations: c.precision.activations, kv_cache: c.precision.kvCache },
    scheduler: {
      // Left out, the engine's own default for the device, as the run had.
      ...(e.maxNumSeqs !== undefined ? { max_num_seqs: e.maxNumSeqs } : {}),
      ...(batchedTokens !== undefined ? { max_num_batched_tokens: batchedTokens } : {}),
      ...(e.enableChunkedPrefill !== undefined ? { enable_chunked_prefill: e.enableChunkedPrefill } : {}),
      ...(e.gpuMemoryUtilization !== undefined ? { gpu_memory_utilization: e.gpuMemoryUtilization } : {}),
      max_model_len: e.maxModelLen ?? longest,
    },
    workload:
      w.kind === 'burst'
        ? { num_requests: requests, request_rate: 'inf', trace: BURST_TRACE }
        : {
            num_requests: requests,
            request_rate: w.kind === 'poisson' ? w.requestRate : 'inf',
            ...(w.kind === 'closed-loop' ? { max_concurrency: w.maxConcurrency } : {}),
            input_len: w.inputLen,
            output_len: w.outputLen,
          },
    performance_model: { model_type: type },
    seed: 0,
  };
}

function burstTraceCsv(c: ValidationCase): string {
  if (c.workload.kind !== 'burst') return '';
  const rows = c.workload.requests.map((r) => `0,${r.inputLen},${Math.max(1, r.outputLen)}`);
  return `arrived_at,num_prefill_tokens,num_decode_tokens\n${rows.join('\n')}\n`;
}

/** The simulated value of the case's metric, in the case's unit. */
function metricValue(c: ValidationCase, summary: BenchmarkSummary): number {
  const { name, statistic } = c.metric;
  const unit = c.measured.unit;
  if (name === 'output_throughput') return summary.output_throughput;
  if (name === 'request_throughput') return summary.request_throughput;
  // A static batch's latency is the time until its last sequence finishes: the duration of the run.
  const ms = name === 'batch_latency' ? summary.duration * 1000 : summary[`${statistic}_${name}_ms`];
  if (unit === 's') return ms / 1000;
  if (unit === 'tok/s') return 1000 / ms;
  return ms;
}

function mapeOf(errors: readonly number[]): number | null {
  return errors.length === 0 ? null : errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length;
}

function groupMape(rows: readonly CasePrediction[], type: PerformanceModelType, key: (r: CasePrediction) => string): Record<string, MapeEntry> {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const e = r.error_pct[type];
    if (e === undefined) continue;
    groups.set(key(r), [...(groups.get(key(r)) ?? []), e]);
  }
  return Object.fromEntries([...groups].sort(([a], [b]) => a.localeCompare(b)).map(([k, errors]) => [k, { mape: mapeOf(errors), cases: errors.length }]));
}

/**
 * Predicts every case with every performance model by simulating the run as it was made (static batches as all
 * requests at once, bursts with their exact lengths, Poisson runs with a fixed seed) and compares with the
 * measured value. Each model is set up as a user gets it without flags (`vllm_roofline` with the calibration the
 * factory picks for the xpu); one that cannot be set up for a case is reported as skipped, with the reason.
 */
export async function validateCases(request: ValidateRequest): Promise<ValidationReport> {
  const types = request.performanceModels ?? PERFORMANCE_MODEL_TYPES;
  const cases = request.cases.filter((c) => request.split === 'all' || c.split === request.split);
  const rows: CasePrediction[] = [];
  for (const c of cases) {
    const readTextFile: ReadTextFile = (path) => (path === BURST_TRACE ? Promise.resolve(burstTraceCsv(c)) : request.readTextFile(path));
    const predicted: CasePrediction['predicted'] = {};
    const errorPct: CasePrediction['error_pct'] = {};
    const skipped: CasePrediction['skipped'] = {};
    const calibrationUsed: CasePrediction['calibration'] = {};
    for (const type of types) {
      const config = parseSimulationConfig(simulationConfigFor(c, type), `case ${c.id}`);
      let run: SimulationRun;
      try {
        run = await runSimulation(config, readTextFile);
      } catch (error) {
        // A typed library error is the model's answer for this deployment (it does not fit, no calibration); a bug is not.
        if (!(error instanceof Error && 'code' in error)) throw error;
        skipped[type] = error.message;
        continue;
      }
      const { summary } = run;
      if (run.performanceModel.calibrationSource !== undefined) calibrationUsed[type] = run.performanceModel.calibrationSource;
      const value = metricValue(c, summary);
      predicted[type] = value;
      errorPct[type] = (100 * (value - c.measured.value)) / c.measured.value;
    }
    rows.push({
      id: c.id,
      split: c.split,
      xpu: c.hardware.xpu,
      model: c.model.name,
      model_class: modelClassOf(await resolveModel(c.model.name, readTextFile)),
      tp: c.parallelism.tp,
      metric: `${c.metric.name} (${c.metric.statistic})`,
      unit: c.measured.unit,
      measured: c.measured.value,
      predicted,
      error_pct: errorPct,
      skipped,
      calibration: calibrationUsed,
    });
    request.onCase?.(rows.length, cases.length);
  }
  const byType = <T>(f: (type: PerformanceModelType) => T) => Object.fromEntries(types.map((t) => [t, f(t)])) as Partial<Record<PerformanceModelType, T>>;
  const errorsOf = (type: PerformanceModelType) => rows.flatMap((r) => (r.error_pct[type] === undefined ? [] : [r.error_pct[type]]));
  return {
    split: request.split,
    performance_models: types,
    cases: rows,
    mape: byType((t) => mapeOf(errorsOf(t))),
    coverage: byType((t) => errorsOf(t).length),
    mape_by_xpu: byType((t) => groupMape(rows, t, (r) => r.xpu)),
    mape_by_metric: byType((t) => groupMape(rows, t, (r) => r.metric.split(' ')[0])),
  };
}
