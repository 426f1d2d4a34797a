import { z } from 'zod';
import type { PhaseFigures } from './annotated-point.ts';
import { CalibrationError, formatIssues } from './errors.ts';
import type { FitResult, PhaseFit } from './estimator.ts';

/** The format version of model-level (v1) calibration files this package writes. */
export const CALIBRATION_FORMAT_VERSION = 1;

const PhaseParametersSchema = z
  .object({
    effective_tflops: z.number().positive().describe('effective FLOP/s, in 1e12 FLOP/s'),
    effective_bandwidth_gb_per_s: z.number().positive().optional().describe('effective memory bandwidth, in gigabytes (1e9 bytes) per second'),
    effective_bandwidth_gbps: z
      .number()
      .positive()
      .optional()
      .describe('the old name of effective_bandwidth_gb_per_s (gigabytes, not gigabits, per second), still read'),
    overhead_ms: z.number().nonnegative().describe('fixed time per engine step, in milliseconds'),
  })
  .refine((p) => p.effective_bandwidth_gb_per_s !== undefined || p.effective_bandwidth_gbps !== undefined, {
    message: 'effective_bandwidth_gb_per_s is required',
    path: ['effective_bandwidth_gb_per_s'],
  })
  .refine((p) => p.effective_bandwidth_gb_per_s === undefined || p.effective_bandwidth_gbps === undefined || p.effective_bandwidth_gb_per_s === p.effective_bandwidth_gbps, {
    message: 'give the bandwidth once: effective_bandwidth_gb_per_s (effective_bandwidth_gbps is its old name)',
    path: ['effective_bandwidth_gb_per_s'],
  })
  // Files written before the rename say effective_bandwidth_gbps, in the same unit (GB/s).
  .transform(({ effective_bandwidth_gbps, ...p }) => ({
    effective_tflops: p.effective_tflops,
    effective_bandwidth_gb_per_s: (p.effective_bandwidth_gb_per_s ?? effective_bandwidth_gbps)!,
    overhead_ms: p.overhead_ms,
  }));
/** One phase's fitted figures as a file stores them (see `PhaseParametersSchema`). */
export type PhaseParameters = z.infer<typeof PhaseParametersSchema>;

const IdentificationSchema = z
  .object({
    flops: z.enum(['identified', 'weakly-identified', 'unidentified']),
    bandwidth: z.enum(['identified', 'weakly-identified', 'unidentified']),
  })
  .describe(
    'whether the data determine each effective figure: identified (two or more points mostly in its regime), weakly-identified (one point; a weakly identified FLOP/s is held at the bandwidth\'s fraction of the peak), unidentified (no point depends on it; set by the default rule)',
  );

const FitSummarySchema = z.object({
  prefill_mape: z.number().nonnegative().describe('mean absolute percentage error of the prefill points, as a fraction (0.03 = 3%)'),
  decode_mape: z.number().nonnegative().describe('mean absolute percentage error of the decode points, as a fraction'),
  prefill_r2: z.number().describe('coefficient of determination of the prefill latencies'),
  decode_r2: z.number().describe('coefficient of determination of the decode latencies'),
  prefill_max_error: z.number().nonnegative().optional().describe('largest absolute relative error of a prefill point, as a fraction'),
  decode_max_error: z.number().nonnegative().optional().describe('largest absolute relative error of a decode point, as a fraction'),
  points: z.number().int().nonnegative().describe('points fitted, both phases'),
  prefill_points: z.number().int().nonnegative().optional(),
  decode_points: z.number().int().nonnegative().optional(),
  excluded: z.number().int().nonnegative().describe('points set aside (unusable), with reasons in the fit report'),
  prefill_identification: IdentificationSchema.optional(),
  decode_identification: IdentificationSchema.optional(),
  notes: z.array(z.string()).default([]).describe('unidentified figures, bounds the fit ran into'),
});

/**
 * The calibration file (`--calibration-data`, `performance_model.calibration_data_path`): effective roofline
 * figures for one model on one xpu at one tp/pp/dtype, prefill and decode apart, with how well they fit and
 * where the measurements came from. Keys are snake_case like vLLM's files; the file is versioned.
 */
export const RooflineParametersSchema = z.object({
  format_version: z.literal(CALIBRATION_FORMAT_VERSION),
  model: z.string().min(1).describe("the model's catalog name, e.g. llama-2-70b"),
  xpu: z.string().min(1).describe("the xpu's catalog name, e.g. h100-sxm"),
  tp: z.number().int().positive(),
  pp: z.number().int().positive().default(1),
  dtype: z.string().min(1).default('bf16').describe('weights dtype the measurements ran in'),
  engine: z.string().min(1).default('vllm'),
  engine_version: z.string().nullable().default(null).describe('null when the measurements do not record it'),
  created_at: z.union([z.iso.datetime({ offset: true }), z.iso.date()]).describe('ISO 8601 date or date-time'),
  prefill: PhaseParametersSchema,
  decode: PhaseParametersSchema,
  fit: FitSummarySchema,
  source: z.object({
    files: z.array(z.string()).default([]).describe('measurement files the fit read'),
    description: z.string().default(''),
  }),
});
/** Effective figures for prefill and decode as a v1 file stores them. */
export type RooflineParameters = z.infer<typeof RooflineParametersSchema>;
/** Effective figures as a caller writes them (defaults optional). */
export type RooflineParametersInput = z.input<typeof RooflineParametersSchema>;

/** Effective figures for prefill and decode apart, SI units: the roofline package's `EffectiveRoofline`. */
export interface EffectiveRoofline {
  readonly prefill: PhaseFigures;
  readonly decode: PhaseFigures;
}

/**
 * Parses a calibration file's text. Errors (code INVALID_CALIBRATION_FILE) name the file and the field
 * path: malformed JSON, a missing or invalid field, an unsupported format_version.
 */
export function parseCalibrationFile(text: string, path = 'calibration file'): RooflineParameters {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CalibrationError('INVALID_CALIBRATION_FILE', `${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (json !== null && typeof json === 'object' && !Array.isArray(json)) {
    const version = (json as { format_version?: unknown }).format_version;
    if (version === undefined) {
      throw new CalibrationError('INVALID_CALIBRATION_FILE', `${path}: format_version is missing; calibration files carry "format_version": ${CALIBRATION_FORMAT_VERSION}`);
    }
    if (version !== CALIBRATION_FORMAT_VERSION) {
      throw new CalibrationError(
        'INVALID_CALIBRATION_FILE',
        `${path}: format_version ${JSON.stringify(version)} is not supported; this version of llm-sim reads format_version ${CALIBRATION_FORMAT_VERSION}`,
      );
    }
  }
  const parsed = RooflineParametersSchema.safeParse(json);
  if (!parsed.success) {
    throw new CalibrationError('INVALID_CALIBRATION_FILE', `${path} is not a valid calibration file: ${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}

/** The file's text: validated, two-space indented, with a final newline. */
export function serializeCalibration(params: RooflineParametersInput): string {
  const parsed = RooflineParametersSchema.safeParse(params);
  if (!parsed.success) {
    throw new CalibrationError('INVALID_CALIBRATION_FILE', `cannot write an invalid calibration: ${formatIssues(parsed.error.issues)}`);
  }
  return `${JSON.stringify(parsed.data, null, 2)}\n`;
}

function toPhaseFigures(p: PhaseParameters): PhaseFigures {
  return {
    flopsPerSecond: p.effective_tflops * 1e12,
    bandwidthBytesPerSecond: p.effective_bandwidth_gb_per_s * 1e9,
    overheadSeconds: p.overhead_ms / 1000,
  };
}

/** The calibration in SI units, in the shape the roofline takes as its effective figures. */
export function toEffectiveRoofline(params: Pick<RooflineParameters, 'prefill' | 'decode'>): EffectiveRoofline {
  return { prefill: toPhaseFigures(params.prefill), decode: toPhaseFigures(params.decode) };
}

/** The deployment a calibration was measured on: model, xpu and parallelism, checked before a file is applied. */
export interface CalibrationTarget {
  readonly model: string;
  readonly xpu: string;
  readonly tp: number;
  /** Checked only when given. */
  readonly pp?: number;
  /** Checked only when given. */
  readonly dtype?: string;
}

/**
 * Refuses a calibration made for another deployment: throws CALIBRATION_MISMATCH naming every field that
 * differs, with the file's value and the requested one.
 */
export function checkCalibrationMatch(params: RooflineParameters, expected: CalibrationTarget, path = 'calibration file'): void {
  const mismatches: string[] = [];
  if (params.model !== expected.model) mismatches.push(`model '${params.model}' (requested '${expected.model}')`);
  if (params.xpu !== expected.xpu) mismatches.push(`xpu '${params.xpu}' (requested '${expected.xpu}')`);
  if (params.tp !== expected.tp) mismatches.push(`tp ${params.tp} (requested ${expected.tp})`);
  if (expected.pp !== undefined && params.pp !== expected.pp) mismatches.push(`pp ${params.pp} (requested ${expected.pp})`);
  // fp16 and bf16 run on the same tensor cores at the same rate: a fit in one prices the other.
  const family = (dtype: string) => (dtype === 'fp16' ? 'bf16' : dtype);
  if (expected.dtype !== undefined && family(params.dtype) !== family(expected.dtype)) mismatches.push(`dtype '${params.dtype}' (requested '${expected.dtype}')`);
  if (mismatches.length > 0) {
    throw new CalibrationError('CALIBRATION_MISMATCH', `${path} was fitted for ${mismatches.join(', ')}; calibrate this configuration or pick the matching file`);
  }
}

/** What the fit does not know: the deployment it was measured on, and when. */
export interface CalibrationMetadata {
  readonly model: string;
  readonly xpu: string;
  readonly tp: number;
  readonly pp?: number;
  readonly dtype?: string;
  readonly engine?: string;
  readonly engineVersion?: string | null;
  /** ISO 8601; passed in because library code reads no clock. */
  readonly createdAt: string;
  readonly files?: readonly string[];
  readonly description?: string;
}

/** Six significant digits: plenty for figures fitted to measurements, and a readable committed file. */
const round = (x: number) => (x === 0 ? 0 : Number(x.toPrecision(6)));

const phaseParameters = (fit: PhaseFit): PhaseParameters => ({
  effective_tflops: round(fit.figures.flopsPerSecond / 1e12),
  effective_bandwidth_gb_per_s: round(fit.figures.bandwidthBytesPerSecond / 1e9),
  overhead_ms: round(fit.figures.overheadSeconds * 1000),
});

/**
 * The calibration file's content for a fit. Both phases must have been fitted (NOT_ENOUGH_POINTS names
 * the missing phase and the first excluded points otherwise).
 */
export function toRooflineParameters(fit: FitResult, meta: CalibrationMetadata): RooflineParameters {
  const missing = (['prefill', 'decode'] as const).filter((p) => !fit[p]);
  if (missing.length > 0) {
    const excluded = fit.excluded.slice(0, 3).map((e) => `${e.label}: ${e.reason}`).join('; ');
    throw new CalibrationError(
      'NOT_ENOUGH_POINTS',
      `no usable ${missing.join(' or ')} point to fit${fit.excluded.length > 0 ? ` (${fit.excluded.length} excluded, e.g. ${excluded})` : ''}`,
    );
  }
  const prefill = fit.prefill!;
  const decode = fit.decode!;
  const parsed = RooflineParametersSchema.safeParse({
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
      prefill_mape: round(prefill.mape),
      decode_mape: round(decode.mape),
      prefill_r2: round(prefill.r2),
      decode_r2: round(decode.r2),
      prefill_max_error: round(prefill.maxAbsoluteRelativeError),
      decode_max_error: round(decode.maxAbsoluteRelativeError),
      points: prefill.points.length + decode.points.length,
      prefill_points: prefill.points.length,
      decode_points: decode.points.length,
      excluded: fit.excluded.length,
      prefill_identification: { flops: prefill.identification.flops.status, bandwidth: prefill.identification.bandwidth.status },
      decode_identification: { flops: decode.identification.flops.status, bandwidth: decode.identification.bandwidth.status },
      notes: [...prefill.notes.map((n) => `prefill: ${n}`), ...decode.notes.map((n) => `decode: ${n}`)],
    },
    source: { files: [...(meta.files ?? [])], description: meta.description ?? '' },
  });
  if (!parsed.success) {
    throw new CalibrationError('INVALID_CALIBRATION_FILE', `invalid calibration metadata: ${formatIssues(parsed.error.issues)}`);
  }
  return parsed.data;
}
