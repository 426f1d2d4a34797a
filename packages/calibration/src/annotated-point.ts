import { z } from 'zod';

/** One operator's work in one engine step, per device, summed over layers. */
export const OperatorCountSchema = z.object({
  op: z.string().min(1),
  flops: z.number().nonnegative(),
  bytes: z.number().nonnegative(),
});
/** One operator's FLOPs and bytes in a measured step (see `OperatorCountSchema`). */
export type OperatorCount = z.infer<typeof OperatorCountSchema>;

/**
 * A measured engine step annotated with the work the roofline counts for it: per-operator FLOPs and bytes,
 * and the communication time the roofline derives from the interconnect spec (not fitted).
 * `phase: 'mixed'` is accepted so that callers can pass every measurement; the estimator sets it aside.
 */
export const AnnotatedPointSchema = z.object({
  /** Names the point in reports and errors. */
  label: z.string().min(1),
  phase: z.enum(['prefill', 'decode', 'mixed']),
  /** May be non-positive here (a failed measurement): the estimator excludes it with the reason. */
  measuredSeconds: z.number(),
  operators: z.array(OperatorCountSchema),
  communicationSeconds: z.number().nonnegative().default(0),
  batchSize: z.number().int().positive(),
  inputLen: z.number().int().nonnegative().optional(),
  contextLen: z.number().nonnegative().optional(),
  /** Relative weight in the fit (default 1), e.g. the number of repeats folded into the point. */
  weight: z.number().positive().optional(),
});
/** A measured step time with the work the roofline counts in it: the unit a calibration is fitted from. */
export type AnnotatedPoint = z.infer<typeof AnnotatedPointSchema>;
/** An annotated point as written in a file (defaults optional). */
export type AnnotatedPointInput = z.input<typeof AnnotatedPointSchema>;

/** Figures one phase is priced with, in SI units: the roofline package's `PhaseFigures`. */
export interface PhaseFigures {
  readonly flopsPerSecond: number;
  readonly bandwidthBytesPerSecond: number;
  readonly overheadSeconds: number;
}

/** What `predictSeconds` needs of a point (parsed points and raw inputs both have it): its operators and, where measured apart, its communication time. */
export type PricedPoint = Pick<AnnotatedPoint, 'operators'> & { readonly communicationSeconds?: number };

/**
 * The roofline's step time, the formula the roofline package prices steps with and the one the fit
 * matches: overhead + communication + sum over operators of max(FLOPs / F, bytes / B).
 */
export function predictSeconds(point: PricedPoint, figures: PhaseFigures): number {
  let total = figures.overheadSeconds + (point.communicationSeconds ?? 0);
  for (const o of point.operators) {
    const compute = o.flops / figures.flopsPerSecond;
    const memory = o.bytes / figures.bandwidthBytesPerSecond;
    total += compute > memory ? compute : memory;
  }
  return total;
}

/**
 * Whether most of the point's operator time is priced by the FLOP/s at these figures: its regime judged
 * against the figures themselves (their ridge), not the spec sheet's.
 */
export function isComputeDominated(point: Pick<AnnotatedPoint, 'operators'>, figures: Pick<PhaseFigures, 'flopsPerSecond' | 'bandwidthBytesPerSecond'>): boolean {
  let compute = 0;
  let memory = 0;
  for (const o of point.operators) {
    const c = o.flops / figures.flopsPerSecond;
    const m = o.bytes / figures.bandwidthBytesPerSecond;
    if (c > m) compute += c;
    else memory += m;
  }
  return compute > memory;
}

/** The point's FLOPs, summed over its operators. */
export function totalFlops(point: Pick<AnnotatedPoint, 'operators'>): number {
  return point.operators.reduce((sum, o) => sum + o.flops, 0);
}

/** The point's bytes moved, summed over its operators. */
export function totalBytes(point: Pick<AnnotatedPoint, 'operators'>): number {
  return point.operators.reduce((sum, o) => sum + o.bytes, 0);
}

/** FLOPs per byte over the whole step; Infinity for a step that moves no bytes. */
export function arithmeticIntensity(point: Pick<AnnotatedPoint, 'operators'>): number {
  const bytes = totalBytes(point);
  const flops = totalFlops(point);
  if (bytes > 0) return flops / bytes;
  return flops > 0 ? Number.POSITIVE_INFINITY : 0;
}
