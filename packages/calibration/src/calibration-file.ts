import { z } from 'zod';
import type { AnnotatedPointInput, PhaseFigures } from './annotated-point.ts';
import { AnnotatedPointSchema } from './annotated-point.ts';
import { CalibrationError, formatIssues } from './errors.ts';
import { evaluateFit, type FitResult, type PhaseFit } from './estimator.ts';

export const CALIBRATION_FORMAT_VERSION = 1;

const PhaseParametersSchema = z.object({
  effective_tflops: z.number().positive(),
  effective_bandwidth_gbps: z.number().positive(),
  overhead_ms: z.number().nonnegative(),
});

/**
 * The calibration file (`--calibration-data`): effective roofline figures for one model on one xpu at one
 * tp, prefill and decode apart, with how well they fit and where the measurements came from.
 */
export const RooflineParametersSchema = z.object({
  format_version: z.literal(CALIBRATION_FORMAT_VERSION),
  model: z.string().min(1),
  xpu: z.string().min(1),
  tp: z.number().int().positive(),
  pp: z.number().int().positive().default(1),
  dtype: z.string().default('bf16'),
  engine: z.string().default('vllm'),
  engine_version: z.string().nullable().default(null),
  created_at: z.string(),
  prefill: PhaseParametersSchema,
  decode: PhaseParametersSchema,
  fit: z.object({
    prefill_mape: z.number().nonnegative(),
    decode_mape: z.number().nonnegative(),
    prefill_r2: z.number(),
    decode_r2: z.number(),
    prefill_points: z.number().int().nonnegative(),
    decode_points: z.number().int().nonnegative(),
    points: z.number().int().nonnegative(),
    excluded: z.number().int().nonnegative(),
    notes: z.array(z.string()).default([]),
  }),
  source: z.object({
    files: z.array(z.string()).default([]),
    description: z.string().default(''),
  }),
});
export type RooflineParameters = z.infer<typeof RooflineParametersSchema>;
export type RooflineParametersInput = z.input<typeof RooflineParametersSchema>;

export interface EffectiveRoofline {
  readonly prefill: PhaseFigures;
  readonly decode: PhaseFigures;
}

/** Parses a calibration file's text; errors name the file and the field. */
export function parseCalibrationFile(text: string, path = 'calibration file'): RooflineParameters {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CalibrationError('INVALID_CALIBRATION_FILE', `${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const version = (json as { format_version?: unknown } | null)?.format_version;
  if (version !== undefined && version !== CALIBRATION_FORMAT_VERSION) {
    throw new CalibrationError(
      'INVALID_CALIBRATION_FILE',
      `${path}: format_version ${JSON.stringify(version)} is not supported; this version of llm-sim reads format_version ${CALIBRATION_FORMAT_VERSION}`,
    );
  }
  const parsed = RooflineParametersSchema.safeParse(json);
  if (!parsed.success) {
    throw new CalibrationError('INVALID_CALIBRATION_FILE', `${path} is not a calibration file: ${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

export function serializeCalibration(params: RooflineParametersInput): string {
  return `${JSON.stringify(RooflineParametersSchema.parse(params), null, 2)}\n`;
}

function toPhaseFigures(p: RooflineParameters['prefill']): PhaseFigures {
  return {
    flopsPerSecond: p.effective_tflops * 1e12,
    bandwidthBytesPerSecond: p.effective_bandwidth_gbps * 1e9,
    overheadSeconds: p.overhead_ms / 1000,
  };
}

/** The calibration in SI units, as the roofline's effective figures. */
export function toEffectiveRoofline(params: RooflineParameters): EffectiveRoofline {
  return { prefill: toPhaseFigures(params.prefill), decode: toPhaseFigures(params.decode) };
}

/** Refuses a calibration made for another model, xpu or tp. */
export function checkCalibrationMatch(params: RooflineParameters, expected: { model: string; xpu: string; tp: number }, path = 'calibration file'): void {
  const mismatches: string[] = [];
  if (params.model !== expected.model) mismatches.push(`model '${params.model}' (requested '${expected.model}')`);
  if (params.xpu !== expected.xpu) mismatches.push(`xpu '${params.xpu}' (requested '${expected.xpu}')`);
  if (params.tp !== expected.tp) mismatches.push(`tp ${params.tp} (requested ${expected.tp})`);
  if (mismatches.length > 0) {
    throw new CalibrationError('CALIBRATION_MISMATCH', `${path} was fitted for ${mismatches.join(', ')}; calibrate this configuration or pick the matching file`);
  }
}

export interface CalibrationMetadata {
  readonly model: string;
  readonly xpu: string;
  readonly tp: number;
  readonly pp?: number;
  readonly dtype?: string;
  readonly engine?: string;
  readonly engineVersion?: string | null;
  readonly createdAt: string;
  readonly files?: readonly string[];
  readonly description?: string;
}

const phaseParameters = (fit: PhaseFit) => ({
  effective_tflops: fit.figures.flopsPerSecond / 1e12,
  effective_bandwidth_gbps: fit.figures.bandwidthBytesPerSecond / 1e9,
  overhead_ms: fit.figures.overheadSeconds * 1000,
});

/** The calibration file for a fit; both phases must have been fitted. */
export function toRooflineParameters(fit: FitResult, meta: CalibrationMetadata): RooflineParameters {
  const missing = (['prefill', 'decode'] as const).filter((p) => !fit[p]);
  if (missing.length > 0) {
    throw new CalibrationError(
      'NOT_ENOUGH_POINTS',
      `no ${missing.join(' or ')} points to fit${fit.excluded.length > 0 ? ` (${fit.excluded.length} excluded: ${fit.excluded.slice(0, 3).map((e) => `${e.label}: ${e.reason}`).join('; ')})` : ''}`,
    );
  }
  const prefill = fit.prefill!;
  const decode = fit.decode!;
  const notes: string[] = [];
  for (const f of [prefill, decode]) {
    for (const u of f.unidentified) notes.push(`${f.phase}: no point is ${u === 'flops' ? 'compute' : 'memory'}-bound, effective ${u === 'flops' ? 'FLOP/s' : 'bandwidth'} kept at the peak`);
    for (const c of f.constraintsHit) notes.push(`${f.phase}: ${c}`);
    for (const o of f.outliers) notes.push(`${f.phase}: outlier ${o}`);
  }
  return RooflineParametersSchema.parse({
    format_version: CALIBRATION_FORMAT_VERSION,
    model: meta.model,
    xpu: meta.xpu,
    tp: meta.tp,
    pp: meta.pp ?? 1,
    dtype: meta.dtype ?? 'bf16',
    engine: meta.engine ?? 'vllm',
    engine_version: meta.engineVersion ?? null,
    created_at: meta.createdAt,
    prefill: phaseParameters(prefill),
    decode: phaseParameters(decode),
    fit: {
      prefill_mape: prefill.mape,
      decode_mape: decode.mape,
      prefill_r2: prefill.r2,
      decode_r2: decode.r2,
      prefill_points: prefill.points.length,
      decode_points: decode.points.length,
      points: prefill.points.length + decode.points.length,
      excluded: fit.excluded.length,
      notes,
    },
    source: { files: [...(meta.files ?? [])], description: meta.description ?? '' },
  });
}

export interface CalibrationEvaluation {
  readonly prefill?: ReturnType<typeof evaluateFit>;
  readonly decode?: ReturnType<typeof evaluateFit>;
  /** Over every point of both phases. */
  readonly mape: number;
  readonly points: number;
}

/**
 * How well a (committed) calibration predicts new measurements: what a nightly job compares to decide
 * whether the deployment drifted.
 */
export function evaluateCalibration(params: RooflineParameters, points: readonly AnnotatedPointInput[], ridgePointFlopsPerByte: number): CalibrationEvaluation {
  const figures = toEffectiveRoofline(params);
  const parsed = points.map((p) => AnnotatedPointSchema.parse(p)).filter((p) => p.phase !== 'mixed' && p.measuredSeconds > 0);
  const out: { prefill?: ReturnType<typeof evaluateFit>; decode?: ReturnType<typeof evaluateFit> } = {};
  let sum = 0;
  let n = 0;
  for (const phase of ['prefill', 'decode'] as const) {
    const ps = parsed.filter((p) => p.phase === phase);
    if (ps.length === 0) continue;
    const e = evaluateFit(phase, ps, figures[phase], ridgePointFlopsPerByte);
    out[phase] = e;
    sum += e.mape * ps.length;
    n += ps.length;
  }
  return { ...out, mape: n > 0 ? sum / n : 0, points: n };
}
