import { z } from 'zod';

export const OperatorCountSchema = z.object({
  op: z.string(),
  flops: z.number().nonnegative(),
  bytes: z.number().nonnegative(),
});

/**
 * A measured step with the work the roofline counts for it: per-operator FLOPs and bytes, and the
 * communication time taken from the interconnect spec (not fitted).
 */
export const AnnotatedPointSchema = z.object({
  label: z.string(),
  phase: z.enum(['prefill', 'decode', 'mixed']),
  measuredSeconds: z.number(),
  operators: z.array(OperatorCountSchema),
  communicationSeconds: z.number().nonnegative().default(0),
  batchSize: z.number().int().positive(),
  inputLen: z.number().int().nonnegative().optional(),
  contextLen: z.number().int().nonnegative().optional(),
});
export type AnnotatedPoint = z.infer<typeof AnnotatedPointSchema>;
export type AnnotatedPointInput = z.input<typeof AnnotatedPointSchema>;

/** Figures one phase is priced with, in SI units (the roofline package's PhaseFigures). */
export interface PhaseFigures {
  readonly flopsPerSecond: number;
  readonly bandwidthBytesPerSecond: number;
  readonly overheadSeconds: number;
}

/**
 * The roofline's step time, the same formula the roofline package prices steps with:
 * overhead + communication + sum over operators of max(FLOPs / F, bytes / B).
 */
export function predictSeconds(point: AnnotatedPoint, figures: PhaseFigures): number {
  let total = figures.overheadSeconds + point.communicationSeconds;
  for (const o of point.operators) {
    const compute = o.flops / figures.flopsPerSecond;
    const memory = o.bytes / figures.bandwidthBytesPerSecond;
    total += compute > memory ? compute : memory;
  }
  return total;
}

export function arithmeticIntensity(point: AnnotatedPoint): number {
  let flops = 0;
  let bytes = 0;
  for (const o of point.operators) {
    flops += o.flops;
    bytes += o.bytes;
  }
  return bytes > 0 ? flops / bytes : 0;
}

export function totalFlops(point: AnnotatedPoint): number {
  return point.operators.reduce((a, o) => a + o.flops, 0);
}
