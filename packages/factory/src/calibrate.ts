import {
  aggregateRepeats,
  deriveDecodeFromLatencyRuns,
  detectFormat,
  importBenchmarkFileFromFs,
  type BenchmarkFs,
  type BenchmarkPoint,
} from '@llm-sim/benchmark';
import {
  evaluateCalibration,
  fitRooflineParameters,
  toRooflineParameters,
  type CalibrationEvaluation,
  type FitResult,
  type RooflineParameters,
} from '@llm-sim/calibration';
import { RooflinePerformanceModel, type Dtype } from '@llm-sim/roofline';
import { annotatePoints } from './annotate.ts';
import { FactoryError } from './errors.ts';
import { resolveModel, resolveXpu } from './specs.ts';

/** Which deployment to calibrate (model, xpu, tp, pp, dtype) from which measurement files. */
export interface CalibrationRequest {
  readonly model: string;
  readonly xpu: string;
  /** Default: the one tp the files record for this model and xpu, else 1. */
  readonly tp?: number;
  readonly pp?: number;
  readonly dtype?: Dtype;
  /** Measurement files in any supported format (vllm bench serve/latency, Splitwise CSV, points JSONL). */
  readonly files: readonly string[];
  readonly fs: BenchmarkFs;
  /** The calibration's timestamp (ISO), supplied by the caller so runs are reproducible. */
  readonly createdAt: string;
  readonly engineVersion?: string;
}

/** A fitted calibration: its parameters, the fit, the points behind it and the calibrated roofline. */
export interface CalibrationOutcome {
  readonly parameters: RooflineParameters;
  readonly fit: FitResult;
  /** The measurements used, repeats aggregated. */
  readonly points: readonly BenchmarkPoint[];
  readonly roofline: RooflinePerformanceModel;
  /** What the importers had to assume or set aside, one located sentence each (also in `parameters.fit.notes`). */
  readonly warnings: readonly string[];
  /** The points as fitted: each with the roofline's per-operator FLOPs and bytes. */
  readonly annotated: ReturnType<typeof annotatePoints>;
}

function readFrom(fs: BenchmarkFs) {
  return async (path: string): Promise<string> => {
    const text = await fs.readText(path);
    if (text === undefined) throw new FactoryError('UNREADABLE_FILE', `cannot read '${path}': no such file`);
    return text;
  };
}

/**
 * Imports every file; the points of this model and xpu at this tp and pp, repeats aggregated. The caller's model
 * and xpu fill in what a file does not record and may not contradict what it does (the importers refuse). tp: the
 * request's, else the one tp the files record for this model and xpu, else 1. `warnings`: what the importers had
 * to assume or set aside (concurrency estimated from throughput and latency, TTFTs that are mixed steps).
 */
export async function loadMeasurements(
  request: Omit<CalibrationRequest, 'createdAt'>,
): Promise<{ points: BenchmarkPoint[]; modelName: string; xpuName: string; tp: number; warnings: string[] }> {
  const readTextFile = readFrom(request.fs);
  const model = await resolveModel(request.model, readTextFile);
  const xpu = await resolveXpu(request.xpu, readTextFile);
  if (request.files.length === 0) throw new FactoryError('INVALID_CONFIG', 'no measurement files given (--from FILE...)');
  const all: BenchmarkPoint[] = [];
  const warnings: string[] = [];
  for (const file of request.files) {
    const options = {
      model: model.name,
      xpu: xpu.name,
      tp: request.tp,
      pp: request.pp,
      engineVersion: request.engineVersion,
      onWarning: (message: string) => warnings.push(message),
    };
    // Points files and Splitwise CSVs hold several deployments: keep what they record, pick the matching ones below.
    const selfDescribing = { onWarning: options.onWarning };
    const text = await readTextFile(file);
    const format = detectFormat(text, file);
    all.push(...(await importBenchmarkFileFromFs(request.fs, file, format === 'splitwise-csv' || format === 'benchmark-jsonl' ? selfDescribing : options)));
  }
  const pp = request.pp ?? 1;
  const ofDeployment = all.filter((p) => p.model === model.name && p.xpu === xpu.name && p.pp === pp);
  const recordedTps = [...new Set(ofDeployment.map((p) => p.tp))].sort((a, b) => a - b);
  if (request.tp === undefined && recordedTps.length > 1) {
    throw new FactoryError(
      'INVALID_CONFIG',
      `the measurements of ${model.name} on ${xpu.name} are at tp ${recordedTps.join(', ')}: pass --tp to say which to fit`,
    );
  }
  const tp = request.tp ?? recordedTps[0] ?? 1;
  const matching = ofDeployment.filter((p) => p.tp === tp);
  if (matching.length === 0) {
    const found = [...new Set(all.map((p) => `${p.model} on ${p.xpu} at tp=${p.tp}${p.pp > 1 ? ` pp=${p.pp}` : ''}`))].sort();
    throw new FactoryError(
      'INVALID_CONFIG',
      `no measurement of ${model.name} on ${xpu.name} at tp=${tp}${pp > 1 ? ` pp=${pp}` : ''} in ${request.files.join(', ')}; they hold: ${found.slice(0, 12).join('; ')}${found.length > 12 ? '; ...' : ''}`,
    );
  }
  const derived = deriveDecodeFromLatencyRuns(matching);
  return { points: aggregateRepeats([...matching, ...derived]), modelName: model.name, xpuName: xpu.name, tp, warnings };
}

/** Relative error below which a point counts fully in the fit. */
export const ROBUST_SCALE = 0.1;

interface AnnotatedMeasurements {
  readonly points: BenchmarkPoint[];
  readonly annotated: ReturnType<typeof annotatePoints>;
  readonly roofline: RooflinePerformanceModel;
  readonly modelName: string;
  readonly xpuName: string;
  readonly tp: number;
  readonly dtype: string;
  readonly warnings: string[];
}

/** Measurements of this deployment, each annotated with the roofline's per-operator FLOPs and bytes. */
async function annotateMeasurements(request: Omit<CalibrationRequest, 'createdAt'>): Promise<AnnotatedMeasurements> {
  const { points, modelName, xpuName, tp, warnings } = await loadMeasurements(request);
  const model = await resolveModel(request.model, readFrom(request.fs));
  const xpu = await resolveXpu(request.xpu, readFrom(request.fs));
  const dtype = request.dtype ?? points[0]?.dtype ?? 'bf16';
  const roofline = new RooflinePerformanceModel({
    model,
    xpu,
    parallelism: { tp, pp: request.pp ?? 1 },
    // fp16 and bf16 are priced alike; Splitwise recorded fp16.
    dtypes: { weights: dtype === 'fp16' ? 'bf16' : (dtype as Dtype), activations: 'bf16', kvCache: 'bf16' },
  });
  return { points, annotated: annotatePoints(points.map(toMeasuredStep), roofline), roofline, modelName, xpuName, tp, dtype, warnings };
}

/**
 * The calibration pipeline: import measurements, keep those of this deployment, annotate each with the
 * roofline's per-operator FLOPs and bytes, fit effective figures for prefill and decode apart, and
 * produce the calibration file.
 */
export async function calibrateFromFiles(request: CalibrationRequest): Promise<CalibrationOutcome> {
  const { points, annotated, roofline, modelName, xpuName, tp, dtype, warnings } = await annotateMeasurements(request);
  const peak = { peakFlopsPerSecond: roofline.figures.prefill.flopsPerSecond, peakBandwidthBytesPerSecond: roofline.figures.prefill.bandwidthBytesPerSecond };
  refuseImplausiblePoints(annotated, peak, `${modelName} on ${xpuName} at tp=${tp}`);
  // Robust (Cauchy) loss at a 10% scale: a broken measurement is down-weighted and reported, not followed.
  const fit = fitRooflineParameters(annotated, peak, { robustScale: ROBUST_SCALE });
  const engineVersions = [...new Set(points.map((p) => p.engineVersion).filter((v): v is string => Boolean(v)))];
  const parameters = toRooflineParameters(fit, {
    model: modelName,
    xpu: xpuName,
    tp,
    pp: request.pp ?? 1,
    dtype,
    engine: points[0]?.engine ?? 'vllm',
    engineVersion: request.engineVersion ?? (engineVersions.length > 0 ? engineVersions.join(', ') : null),
    createdAt: request.createdAt,
    files: request.files,
    description: `${points.length} measured steps (repeats aggregated) from ${[...new Set(points.map((p) => p.source))].join(', ')}`,
  });
  // What the importers assumed belongs with the figures: it travels in the file (and `calibrate --json`).
  const withWarnings = warnings.length === 0 ? parameters : { ...parameters, fit: { ...parameters.fit, notes: [...parameters.fit.notes, ...warnings.map((w) => `import: ${w}`)] } };
  return { parameters: withWarnings, fit, points, roofline, annotated, warnings };
}

/**
 * A step measured this many times slower than the roofline allows at the spec sheet's peaks is not a
 * measurement of this deployment (wrong units, wrong model, a stalled server): the best real steps run
 * at a few times the spec-peak time, so no fit could use it.
 */
export const MAX_SLOWDOWN_OVER_SPEC_PEAKS = 1000;

function refuseImplausiblePoints(
  points: ReturnType<typeof annotatePoints>,
  peak: { peakFlopsPerSecond: number; peakBandwidthBytesPerSecond: number },
  deployment: string,
): void {
  const implausible = points
    .filter((p) => p.operators.length > 0)
    .map((p) => {
      const specSeconds =
        p.operators.reduce((sum, o) => sum + Math.max(o.flops / peak.peakFlopsPerSecond, o.bytes / peak.peakBandwidthBytesPerSecond), 0) + (p.communicationSeconds ?? 0);
      return { label: p.label, measuredSeconds: p.measuredSeconds, specSeconds };
    })
    .filter((p) => !(p.measuredSeconds <= MAX_SLOWDOWN_OVER_SPEC_PEAKS * p.specSeconds));
  if (implausible.length === 0) return;
  const worst = implausible.reduce((a, b) => (b.measuredSeconds / b.specSeconds > a.measuredSeconds / a.specSeconds ? b : a));
  throw new FactoryError(
    'FIT_TOO_POOR',
    `${implausible.length} point(s) are more than ${MAX_SLOWDOWN_OVER_SPEC_PEAKS}x slower than ${deployment} can be at its spec peaks ` +
      `(worst: ${worst.label} measured ${(worst.measuredSeconds * 1000).toPrecision(4)} ms, spec-peak roofline ${(worst.specSeconds * 1000).toPrecision(4)} ms): ` +
      'not measurements of this deployment; no calibration written',
  );
}

function toMeasuredStep(p: BenchmarkPoint) {
  return {
    phase: p.phase,
    batchSize: p.batchSize,
    inputLen: p.inputLen,
    contextLen: p.contextLen,
    latencyMs: p.latencyMs,
    label: `${p.phase} b${p.batchSize} ${p.phase === 'decode' ? `ctx${p.contextLen}` : `in${p.inputLen}`}`,
  };
}

/** Compares a committed calibration with new measurements: what a nightly job runs to detect drift. */
export async function checkCalibrationDrift(
  parameters: RooflineParameters,
  request: Omit<CalibrationRequest, 'createdAt'>,
  maxMape: number,
): Promise<CalibrationEvaluation & { maxMape: number; drifted: boolean }> {
  const { annotated } = await annotateMeasurements(request);
  const evaluation = evaluateCalibration(parameters, annotated);
  return { ...evaluation, maxMape, drifted: evaluation.mape > maxMape };
}
