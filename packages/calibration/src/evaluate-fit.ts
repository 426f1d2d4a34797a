import { arithmeticIntensity, isComputeDominated, predictSeconds, type AnnotatedPoint, type PhaseFigures } from './annotated-point.ts';

/** A phase of serving: prefill or decode. */
export type Phase = 'prefill' | 'decode';

/** One point's measured and predicted time. */
export interface PointFit {
  readonly label: string;
  readonly phase: Phase;
  readonly measuredSeconds: number;
  readonly predictedSeconds: number;
  /** (predicted - measured) / measured: positive when the model is too slow. */
  readonly relativeError: number;
  /** FLOPs per byte over the step. */
  readonly arithmeticIntensity: number;
  /** Whether most of the point's operator time is priced by the FLOP/s or by the bandwidth, at the figures evaluated. */
  readonly regime: 'compute' | 'memory';
}

/** How well figures predict a set of points of one phase. */
export interface FitQuality {
  readonly phase: Phase;
  readonly points: readonly PointFit[];
  /** Mean absolute percentage error, as a fraction (0.03 = 3%). */
  readonly mape: number;
  /** The largest |relativeError|, as a fraction. */
  readonly maxAbsoluteRelativeError: number;
  /** Coefficient of determination of the latencies (1 - SS_res / SS_tot). */
  readonly r2: number;
  readonly computeBoundPoints: number;
  readonly memoryBoundPoints: number;
}

/**
 * Per-point error and summary statistics of figures against points of one phase. A point is compute-bound
 * when most of its operator time is priced by the FLOP/s at these figures (their ridge, not the spec sheet's:
 * a calibrated 2023 vLLM can be compute-bound well below the H100's spec ridge).
 */
export function evaluateFit(phase: Phase, points: readonly AnnotatedPoint[], figures: PhaseFigures): FitQuality {
  const fits: PointFit[] = points.map((p) => {
    const predictedSeconds = predictSeconds(p, figures);
    const intensity = arithmeticIntensity(p);
    return {
      label: p.label,
      phase,
      measuredSeconds: p.measuredSeconds,
      predictedSeconds,
      relativeError: (predictedSeconds - p.measuredSeconds) / p.measuredSeconds,
      arithmeticIntensity: intensity,
      regime: isComputeDominated(p, figures) ? 'compute' : 'memory',
    };
  });
  return { phase, ...summarise(fits) };
}

/** MAPE, max error and R^2 of point fits. */
export function summarise(fits: readonly PointFit[]): Omit<FitQuality, 'phase'> {
  const n = fits.length;
  let absSum = 0;
  let maxAbs = 0;
  let mean = 0;
  for (const f of fits) {
    const abs = Math.abs(f.relativeError);
    absSum += abs;
    if (abs > maxAbs) maxAbs = abs;
    mean += f.measuredSeconds / n;
  }
  let ssRes = 0;
  let ssTot = 0;
  for (const f of fits) {
    ssRes += (f.predictedSeconds - f.measuredSeconds) ** 2;
    ssTot += (f.measuredSeconds - mean) ** 2;
  }
  return {
    points: fits,
    mape: n > 0 ? absSum / n : 0,
    maxAbsoluteRelativeError: maxAbs,
    // A single point (or identical latencies) has no variance to explain: R^2 is 1 only for an exact fit.
    r2: ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0,
    computeBoundPoints: fits.filter((f) => f.regime === 'compute').length,
    memoryBoundPoints: fits.filter((f) => f.regime === 'memory').length,
  };
}
