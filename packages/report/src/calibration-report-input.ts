import { z } from 'zod';
import { ConfigurationEntrySchema } from './common-schemas.ts';

/** Validates a phase name: prefill or decode. */
export const PhaseSchema = z.enum(['prefill', 'decode']);
/** A phase of serving: prefill or decode. */
export type Phase = z.infer<typeof PhaseSchema>;

/** Whether the data determine one fitted figure, and which points set it. */
export const FigureIdentificationSchema = z.object({
  /** identified: two or more points mostly in its regime; weakly-identified: one; unidentified: none. */
  status: z.enum(['identified', 'weakly-identified', 'unidentified']),
  points: z.array(z.string()).default([]),
  /** Set by the estimator's default rule rather than fitted. */
  held: z.boolean().default(false),
});
export type FigureIdentification = z.infer<typeof FigureIdentificationSchema>;

/** An effective roof the calibration fitted for one phase. */
export const FittedRoofSchema = z.object({
  flopsPerSecond: z.number().positive(),
  bandwidthBytesPerSecond: z.number().positive(),
  /** Fixed time per step the fit added on top of the roofline, if it fitted one. */
  overheadSeconds: z.number().nonnegative().optional(),
  /** Which of the two figures the measurements determine; shown beside the roofs when given. */
  identification: z.object({ flops: FigureIdentificationSchema, bandwidth: FigureIdentificationSchema }).optional(),
  /** What the fit says about itself (bounds hit, held figures, down-weighted points). */
  notes: z.array(z.string()).default([]),
});
/** An effective roof fitted for one phase (see `FittedRoofSchema`). */
export type FittedRoof = z.infer<typeof FittedRoofSchema>;

/** Validates one measured point of a calibration report: its phase, arithmetic intensity, measured and predicted times. */
export const CalibrationPointSchema = z.object({
  phase: PhaseSchema,
  label: z.string().optional(),
  arithmeticIntensityFlopsPerByte: z.number().positive(),
  attainedFlopsPerSecond: z.number().positive(),
  measuredMs: z.number().positive(),
  predictedMs: z.number().positive(),
});
/** One measured point of a calibration report (see `CalibrationPointSchema`). */
export type CalibrationPoint = z.infer<typeof CalibrationPointSchema>;

/** Validates one phase's fit quality in a calibration report. */
export const PhaseFitSchema = z.object({
  phase: PhaseSchema,
  /** Mean absolute percentage error as a fraction (0.05 is 5%). */
  mape: z.number().nonnegative(),
  r2: z.number().max(1),
  points: z.number().int().nonnegative(),
  /** Largest absolute relative error as a fraction, when known. */
  maxAbsoluteRelativeError: z.number().nonnegative().optional(),
});
/** One phase's fit quality (see `PhaseFitSchema`). */
export type PhaseFit = z.infer<typeof PhaseFitSchema>;

/** Validates what a calibration report shows: the fitted roofs, the points and the fit per phase. */
export const CalibrationReportInputSchema = z.object({
  title: z.string().min(1),
  subtitle: z.string().optional(),
  configuration: z.array(ConfigurationEntrySchema).default([]),
  xpu: z.object({
    name: z.string().min(1),
    peakFlopsPerSecond: z.number().positive(),
    bandwidthBytesPerSecond: z.number().positive(),
  }),
  fitted: z.object({
    prefill: FittedRoofSchema.optional(),
    decode: FittedRoofSchema.optional(),
  }),
  points: z.array(CalibrationPointSchema).min(1),
  fit: z.array(PhaseFitSchema).default([]),
});

/** What the renderer works with, defaults applied. */
export type CalibrationReportInput = z.infer<typeof CalibrationReportInputSchema>;
/** What callers may pass: optional sections can be left out. */
export type CalibrationReportInputInput = z.input<typeof CalibrationReportInputSchema>;
