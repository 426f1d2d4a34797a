import { AnnotatedPointSchema, type AnnotatedPoint, type AnnotatedPointInput } from './annotated-point.ts';
import { toEffectiveRoofline, type RooflineParameters } from './calibration-file.ts';
import { CalibrationError, formatIssues } from './errors.ts';
import type { ExcludedPoint } from './estimator.ts';
import { evaluateFit, summarise, type FitQuality, type Phase, type PointFit } from './evaluate-fit.ts';

/** How well a calibration predicts a set of points, per phase. */
export interface CalibrationEvaluation {
  readonly prefill?: FitQuality;
  readonly decode?: FitQuality;
  /** Every evaluated point, prefill then decode. */
  readonly points: readonly PointFit[];
  /** Over every evaluated point of both phases, as a fraction. */
  readonly mape: number;
  readonly maxAbsoluteRelativeError: number;
  /** Points that could not be evaluated (the same rules as the estimator's), with the reason. */
  readonly excluded: readonly ExcludedPoint[];
}

/**
 * How well a (committed) calibration predicts new measurements, with the same step-time formula the fit
 * and the roofline use: what a nightly job compares to decide whether the deployment drifted.
 */
export function evaluateCalibration(
  params: Pick<RooflineParameters, 'prefill' | 'decode'>,
  points: readonly AnnotatedPointInput[],
): CalibrationEvaluation {
  const figures = toEffectiveRoofline(params);
  const excluded: ExcludedPoint[] = [];
  const byPhase: Record<Phase, AnnotatedPoint[]> = { prefill: [], decode: [] };
  points.forEach((raw, index) => {
    const rawLabel = (raw as { label?: unknown } | null)?.label;
    const label = typeof rawLabel === 'string' && rawLabel.length > 0 ? rawLabel : `point ${index + 1}`;
    const parsed = AnnotatedPointSchema.safeParse(raw);
    if (!parsed.success) excluded.push({ index, label, reason: `invalid point: ${formatIssues(parsed.error.issues)}` });
    else if (parsed.data.phase === 'mixed') excluded.push({ index, label, reason: "phase 'mixed' is not evaluated: the calibration has prefill and decode figures" });
    else if (!(parsed.data.measuredSeconds > 0)) excluded.push({ index, label, reason: `measuredSeconds must be positive, got ${parsed.data.measuredSeconds}` });
    else if (parsed.data.operators.length === 0) excluded.push({ index, label, reason: 'no operator FLOPs or bytes counted for it' });
    else byPhase[parsed.data.phase].push(parsed.data);
  });
  const result: { prefill?: FitQuality; decode?: FitQuality } = {};
  for (const phase of ['prefill', 'decode'] as const) {
    if (byPhase[phase].length === 0) continue;
    // Each point's regime is judged against the calibration's own figures.
    result[phase] = evaluateFit(phase, byPhase[phase], figures[phase]);
  }
  const all = [...(result.prefill?.points ?? []), ...(result.decode?.points ?? [])];
  const { mape, maxAbsoluteRelativeError } = summarise(all);
  return { ...result, points: all, mape, maxAbsoluteRelativeError, excluded };
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/**
 * Throws DRIFT_ABOVE_THRESHOLD when a calibration's MAPE on new measurements exceeds `maxMape` (a fraction),
 * naming the MAPE and the worst point; the CLI maps the code to its own exit code.
 */
export function checkDrift(evaluation: CalibrationEvaluation, { maxMape }: { readonly maxMape: number }): void {
  if (evaluation.points.length > 0 && !(evaluation.mape <= maxMape)) {
    const worst = evaluation.points.reduce((a, b) => (Math.abs(b.relativeError) > Math.abs(a.relativeError) ? b : a));
    throw new CalibrationError(
      'DRIFT_ABOVE_THRESHOLD',
      `the calibration predicts the new measurements with MAPE ${pct(evaluation.mape)}, above the allowed ${pct(maxMape)} ` +
        `(worst: ${worst.label}, measured ${(worst.measuredSeconds * 1000).toPrecision(4)} ms, predicted ${(worst.predictedSeconds * 1000).toPrecision(4)} ms)`,
    );
  }
}
