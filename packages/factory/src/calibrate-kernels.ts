import { aggregateRepeats, importBenchmarkFile, parseValidationSet, type BenchmarkPoint, type ValidationCase } from '@llm-sim/benchmark';
import {
  fitKernelTables,
  fitNonNegativeLine,
  KERNEL_TABLE_SYSTEMS,
  toKernelProfile,
  type KernelCalibration,
  type KernelCalibrationCheck,
  type KernelTablesFit,
  type XpuReference,
} from '@llm-sim/calibration';
import {
  decodeBatch,
  getModel,
  getXpu,
  KernelCalibratedModel,
  lookUpLatency,
  prepareLatencyTable,
  peakFlopsFor,
  prefillBatch,
  type XpuSpec,
} from '@llm-sim/roofline';
import { FactoryError } from './errors.ts';
import { readText, type ReadTextFile } from './file-access.ts';
import { achievedRelative, TRANSFERRED_XPUS } from './shipped-calibrations.ts';

/** The files `--from-kernels DIR` reads, as /work/shared/data and benchmark_data/raw/kernels name them. */
export const KERNEL_TABLE_FILES = {
  gemm: 'aic_gemm_bf16_vllm0.14.0.csv',
  attention: 'aic_attention_bf16_vllm0.14.0.csv',
  collectives: 'aic_comm_allreduce.csv',
  vidurOperators: 'vidur_mlp_op_medians_ms.csv',
  steps: 'splitwise_perf_model.csv',
} as const;

/** Xpus Splitwise measured Llama-2-70B steps on (TP2, TP4, TP8): the kernel sums are checked against them. */
const SPLITWISE_XPUS = new Set(['a100-80gb', 'h100-sxm']);
const STEP_MODEL = 'llama-2-70b';

function reference(xpu: XpuSpec): XpuReference {
  return {
    name: xpu.name,
    peakBf16FlopsPerSecond: peakFlopsFor(xpu, 'bf16'),
    memoryBandwidthBytesPerSecond: xpu.memoryBandwidthBytesPerSecond,
    linkBandwidthBytesPerSecond: xpu.interconnect.bandwidthBytesPerSecond,
    linkLatencySeconds: xpu.interconnect.latencySeconds,
  };
}

/** Which xpu to calibrate from which folder of kernel tables, and what to leave out of the fit. */
export interface KernelCalibrationRequest {
  /** Catalog name or alias of an xpu with kernel tables (a100-80gb, h100-sxm, h200, l40s). */
  readonly xpu: string;
  /** A folder holding the KERNEL_TABLE_FILES. */
  readonly dir: string;
  readonly readTextFile: ReadTextFile;
  /**
   * A validation set (benchmark_data/validation/cases.json): its `fitting` split's static-batch runs of a
   * current engine are what the engine overhead is fitted to. Without it no overhead is fitted.
   */
  readonly fittingCasesPath?: string;
  /** Vidur models (as Vidur names them, e.g. Meta-Llama-3-8B) left out of the element-wise fit: to test prediction of an unseen model. */
  readonly excludeModels?: readonly string[];
}

/** A format-2 calibration and how it predicts measurements it was not fitted to. */
export interface KernelCalibrationOutcome {
  readonly calibration: KernelCalibration;
  /** Splitwise's steps of this xpu, measured and priced by the kernels alone. */
  readonly steps: readonly StepPrediction[];
  /** Vidur's per-operator GEMM medians of this xpu, measured and predicted. */
  readonly operators: readonly StepPrediction[];
}

/** One measured step or operator time (milliseconds) beside the calibration's prediction, fitted or held out. */
export interface StepPrediction {
  readonly label: string;
  readonly tp: number;
  readonly phase: 'prefill' | 'decode';
  readonly split: 'fitted' | 'held out';
  readonly measuredMs: number;
  readonly predictedMs: number;
}

const join = (dir: string, file: string) => `${dir.replace(/[\\/]+$/, '')}/${file}`;

/** Splitwise's steps of Llama-2-70B on `xpu`, repeats aggregated (prefill of the whole batch; decode steps). */
function stepPoints(text: string, xpu: string, tps: readonly number[]): BenchmarkPoint[] {
  const points = importBenchmarkFile(text, KERNEL_TABLE_FILES.steps).filter(
    (p) => p.model === STEP_MODEL && p.xpu === xpu && tps.includes(p.tp) && (p.phase === 'prefill' || p.phase === 'decode'),
  );
  return aggregateRepeats(points);
}

function priceSteps(calibration: Omit<KernelCalibration, 'checks' | 'source'>, points: readonly BenchmarkPoint[], split: StepPrediction['split']): StepPrediction[] {
  const { profile, overhead } = toKernelProfile(calibration);
  const model = getModel(STEP_MODEL);
  const models = new Map<number, KernelCalibratedModel>();
  return points.map((p) => {
    let m = models.get(p.tp);
    if (!m) {
      m = new KernelCalibratedModel({ model, xpu: getXpu(p.xpu), parallelism: { tp: p.tp }, profile, overhead });
      models.set(p.tp, m);
    }
    const batch = p.phase === 'prefill' ? prefillBatch(p.batchSize, p.inputLen) : decodeBatch(p.batchSize, p.contextLen);
    return {
      label: `${p.phase} tp${p.tp} b${p.batchSize} ${p.phase === 'prefill' ? `in${p.inputLen}` : `ctx${p.contextLen}`}`,
      tp: p.tp,
      phase: p.phase as 'prefill' | 'decode',
      split,
      measuredMs: p.latencyMs,
      predictedMs: m.stepSeconds(batch) * 1000,
    };
  });
}

function errors(steps: readonly Pick<StepPrediction, 'measuredMs' | 'predictedMs'>[]): { mape: number; max: number } {
  const e = steps.map((s) => Math.abs(s.predictedMs / s.measuredMs - 1));
  return { mape: e.reduce((a, b) => a + b, 0) / Math.max(1, e.length), max: Math.max(0, ...e) };
}

const significant = (x: number, digits = 4) => (x === 0 ? 0 : Number(x.toPrecision(digits)));

/**
 * The format-2 calibration of one xpu from measured kernels: tables from aiconfigurator (vLLM 0.14) and
 * Vidur, checked against measurements the fit never used (Vidur's GEMM operator medians, Splitwise's steps).
 * Deterministic: the same folder gives the same file, byte for byte.
 */
export async function calibrateFromKernelTables(request: KernelCalibrationRequest): Promise<KernelCalibrationOutcome> {
  const xpu = getXpu(request.xpu);
  if (!KERNEL_TABLE_SYSTEMS[xpu.name]) {
    throw new FactoryError(
      'INVALID_CONFIG',
      `no kernel tables for xpu '${xpu.name}'; --from-kernels calibrates ${Object.keys(KERNEL_TABLE_SYSTEMS).join(', ')} (others borrow the nearest one's figures)`,
    );
  }
  const read = (file: string) => readText(request.readTextFile, join(request.dir, file), 'kernel table');
  const texts = {
    gemm: await read(KERNEL_TABLE_FILES.gemm),
    attention: await read(KERNEL_TABLE_FILES.attention),
    collectives: await read(KERNEL_TABLE_FILES.collectives),
    vidurOperators: await read(KERNEL_TABLE_FILES.vidurOperators),
  };
  const references = Object.fromEntries(Object.keys(KERNEL_TABLE_SYSTEMS).map((n) => [n, reference(getXpu(n))]));
  const tables = fitKernelTables(texts, reference(xpu), references, { excludeModels: request.excludeModels ?? [] });
  const stepText = await read(KERNEL_TABLE_FILES.steps);
  const tablesOf = new Map<string, KernelTablesFit>([[xpu.name, tables]]);
  const tablesFor = (name: string) => {
    let t = tablesOf.get(name);
    if (!t) {
      t = fitKernelTables(texts, reference(getXpu(name)), references);
      tablesOf.set(name, t);
    }
    return t;
  };
  const engineOverhead = request.fittingCasesPath
    ? fitEngineOverhead(parseValidationSet(await readText(request.readTextFile, request.fittingCasesPath, 'validation set'), request.fittingCasesPath).cases, tablesFor)
    : { per_step_ms: 0, per_sequence_ms: 0, fitted_on: [] as string[], points: 0, mape: 0 };
  const kernelsOnly = { ...tables, engine_overhead: engineOverhead };
  const notes = [
    ...tables.notes,
    engineOverhead.points > 0
      ? `engine overhead fitted to the fitting split's static-batch runs of vLLM >= 0.6 (${engineOverhead.fitted_on.join(', ')}), each priced by the kernels the shipped calibration gives its xpu: ` +
        'the fit also absorbs how far those kernels are off on that xpu (it is the only current-engine step data public so far); ' +
        (engineOverhead.per_sequence_ms > 0
          ? 'fixed part and part per sequence fitted'
          : `fixed part only: the runs cover fewer than ${MIN_BATCH_SIZES_PER_SEQUENCE} batch sizes, too few to tell a part per sequence from the kernels' error on that xpu`)
      : 'engine overhead: none fitted (no --fitting-cases given)',
  ];
  const checks: KernelCalibrationCheck[] = [];
  const operatorRows = predictVidurOperators(kernelsOnly, texts.vidurOperators, xpu.name, request.excludeModels ?? []);
  if (operatorRows.length > 0) {
    const e = errors(operatorRows);
    checks.push({
      name: `Vidur GEMM operator medians on ${xpu.name} (qkv, o, up, down projections of ${[...new Set(operatorRows.map((r) => r.label.split(' ')[0]))].join(', ')}), another framework's measurements`,
      points: operatorRows.length,
      mape: significant(e.mape),
      max_error: significant(e.max),
    });
  }
  let held: StepPrediction[] = [];
  if (SPLITWISE_XPUS.has(xpu.name)) {
    held = priceSteps(kernelsOnly, stepPoints(stepText, xpu.name, [2, 4, 8]), 'held out');
    for (const phase of ['prefill', 'decode'] as const) {
      const subset = held.filter((s) => s.phase === phase);
      const e = errors(subset);
      checks.push({
        name: `Splitwise ${STEP_MODEL} on ${xpu.name}, ${phase} steps, kernels alone against the 2023 engine (its overhead included in the measurement)`,
        points: subset.length,
        mape: significant(e.mape),
        max_error: significant(e.max),
      });
    }
  }
  const calibration: KernelCalibration = {
    ...kernelsOnly,
    checks,
    notes,
    source: {
      files: [...Object.values(KERNEL_TABLE_FILES), ...(request.fittingCasesPath ? ['benchmark_data/validation/cases.json (split "fitting" only)'] : [])],
      description:
        'Kernel latencies: ai-dynamo/aiconfigurator @ 095f58a (vLLM 0.14.0 GEMM, attention, custom all-reduce; NCCL), Apache-2.0. ' +
        'Element-wise medians: microsoft/vidur @ 7d47513, MIT. Step times: Mutinifni/splitwise-sim @ 8f99e7dc, MIT. ' +
        'Regenerate: llm-sim calibrate --xpu ' + xpu.name + ' --from-kernels benchmark_data/raw/kernels --fitting-cases benchmark_data/validation/cases.json -o benchmark_data/calibration/' + xpu.name + '/kernels.json',
    },
  };
  return { calibration, steps: held, operators: operatorRows };
}

const VIDUR_GPUS: Readonly<Record<string, string>> = { 'a100-80gb': 'a100', 'h100-sxm': 'h100' };

/** Vidur's qkv, o, up and down projection medians (per layer) against the GEMM table's price of their shapes. */
function predictVidurOperators(calibration: Omit<KernelCalibration, 'checks' | 'source'>, text: string, xpu: string, exclude: readonly string[]): StepPrediction[] {
  const gpu = VIDUR_GPUS[xpu];
  if (!gpu) return [];
  const gemm = prepareLatencyTable(toKernelProfile(calibration).profile.gemm, 'gemm table');
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = lines[0].split(',');
  const col = (name: string) => header.indexOf(name);
  const rows = new Map<string, { label: string; tp: number; measured: number[]; predicted: number }>();
  for (const line of lines.slice(1)) {
    const c = line.split(',');
    if (c[col('gpu')] !== gpu || exclude.includes(c[col('model')])) continue;
    const tokens = Number(c[col('num_tokens')]);
    const tp = Number(c[col('tp')]);
    const hidden = Number(c[col('n_embd')]);
    const heads = Number(c[col('n_head')]);
    const kvHeads = Number(c[col('n_kv_head')]);
    const intermediate = Number(c[col('n_expanded_embd')]);
    const headDim = hidden / heads;
    const qOut = (heads / tp) * headDim;
    const kvOut = Math.max(1, kvHeads / tp) * headDim;
    const shapes: [string, number, number][] = [
      ['attn_pre_proj_median_ms', qOut + 2 * kvOut, hidden],
      ['attn_post_proj_median_ms', hidden, qOut],
      ['mlp_up_proj_median_ms', (2 * intermediate) / tp, hidden],
      ['mlp_down_proj_median_ms', hidden, intermediate / tp],
    ];
    for (const [column, n, k] of shapes) {
      const ms = Number(c[col(column)]);
      if (!(ms > 0)) continue;
      const key = `${c[col('model')]} ${column.replace('_median_ms', '')} tp${tp} m${tokens}`;
      const row = rows.get(key) ?? { label: key, tp, measured: [], predicted: lookUpLatency(gemm, [tokens, n, k]) * 1000 };
      row.measured.push(ms);
      rows.set(key, row);
    }
  }
  return [...rows.values()].map((r) => {
    const sorted = [...r.measured].sort((a, b) => a - b);
    return { label: r.label, tp: r.tp, phase: 'prefill' as const, split: 'held out' as const, measuredMs: sorted[Math.floor(sorted.length / 2)], predictedMs: r.predicted };
  });
}

/** vLLM releases from 0.6 on run decode in CUDA (or HIP) graphs with asynchronous output processing: the engine era the kernel tables belong to. */
function isCurrentEngine(c: ValidationCase): boolean {
  const version = /^(\d+)\.(\d+)/.exec(c.engine.version);
  if (c.engine.name !== 'vllm' || !version) return false;
  return Number(version[1]) > 0 || Number(version[2]) >= 6;
}

const seconds = (c: ValidationCase) => (c.measured.unit === 's' ? c.measured.value : c.measured.unit === 'ms' ? c.measured.value / 1000 : Number.NaN);
const kernelDtype = (d: string) => (d === 'fp16' ? 'bf16' : d) as 'bf16';

const MIN_BATCH_SIZES_PER_SEQUENCE = 3;

/** The weighted mean of the samples, floored at zero: a per-step constant with no part per sequence. */
function fitConstant(samples: readonly { y: number; weight: number }[]): { a: number; b: number } {
  const w = samples.reduce((s, p) => s + p.weight, 0);
  const a = samples.reduce((s, p) => s + p.weight * p.y, 0) / w;
  return { a: Math.max(0, a), b: 0 };
}

/**
 * The engine's per-step overhead, a fixed part plus a part per scheduled sequence: fitted to static-batch runs
 * of the fitting split (a static batch is one prefill and outputLen - 1 decode steps of the same sequences),
 * as their measured time beyond the kernels' price, weighted by the relative error of the whole run.
 */
function fitEngineOverhead(cases: readonly ValidationCase[], tablesFor: (xpu: string) => KernelTablesFit) {
  const usable = cases.filter(
    (c) => c.split === 'fitting' && c.workload.kind === 'static-batch' && c.metric.name === 'batch_latency' && isCurrentEngine(c) && Number.isFinite(seconds(c)),
  );
  const noOverhead = { per_step_ms: 0, per_sequence_ms: 0, fitted_on: [] as string[], points: 0, mape: 0 };
  if (usable.length === 0) return noOverhead;
  const runs = usable.map((c) => {
    const xpu = getXpu(c.hardware.xpu);
    const source = KERNEL_TABLE_SYSTEMS[xpu.name] ? xpu.name : TRANSFERRED_XPUS[xpu.name]?.from;
    if (!source) throw new FactoryError('INVALID_CONFIG', `fitting case ${c.id}: no kernels for xpu '${xpu.name}'`);
    const { profile } = toKernelProfile({ ...tablesFor(source), engine_overhead: noOverhead });
    const model = new KernelCalibratedModel({
      model: getModel(c.model.name),
      xpu,
      parallelism: { tp: c.parallelism.tp, pp: c.parallelism.pp },
      dtypes: { weights: kernelDtype(c.precision.weights), activations: kernelDtype(c.precision.activations), kvCache: kernelDtype(c.precision.kvCache) },
      profile,
      overhead: { perStepSeconds: 0, perSequenceSeconds: 0 },
      ...(source !== xpu.name ? { achievedRelative: achievedRelative(xpu.name, source) } : {}),
    });
    const w = c.workload as Extract<ValidationCase['workload'], { kind: 'static-batch' }>;
    let kernelSeconds = model.stepSeconds(prefillBatch(w.batchSize, w.inputLen));
    for (let step = 1; step < w.outputLen; step++) kernelSeconds += model.stepSeconds(decodeBatch(w.batchSize, w.inputLen + step));
    return { id: c.id, steps: w.outputLen, sequences: w.batchSize, measured: seconds(c), kernelSeconds };
  });
  const samples = runs.map((r) => ({ x: r.sequences, y: ((r.measured - r.kernelSeconds) / r.steps) * 1000, weight: 1 / ((r.measured / r.steps) * 1000) ** 2 }));
  // A part per sequence is fitted only where runs at three or more batch sizes can tell it from the kernels'
  // own error at larger batches; two batch sizes fit two figures exactly and would pass any kernel error on
  // that xpu (the fitting runs are on a transferred xpu) into every xpu's overhead.
  const batchSizes = new Set(runs.map((r) => r.sequences)).size;
  const line = batchSizes >= MIN_BATCH_SIZES_PER_SEQUENCE ? fitNonNegativeLine(samples) : fitConstant(samples);
  const predicted = runs.map((r) => r.kernelSeconds + (r.steps * (line.a + line.b * r.sequences)) / 1000);
  return {
    per_step_ms: significant(line.a),
    per_sequence_ms: significant(line.b),
    fitted_on: runs.map((r) => r.id),
    points: runs.length,
    // Rounded so that float noise does not reach the committed file.
    mape: Math.round(errors(runs.map((r, i) => ({ measuredMs: r.measured, predictedMs: predicted[i] }))).mape * 1e6) / 1e6,
  };
}
