import { AnnotatedPointSchema, arithmeticIntensity, predictSeconds, type AnnotatedPoint, type AnnotatedPointInput, type PhaseFigures } from './annotated-point.ts';
import { CalibrationError } from './errors.ts';

export type Phase = 'prefill' | 'decode';

export interface PeakFigures {
  readonly peakFlopsPerSecond: number;
  readonly peakBandwidthBytesPerSecond: number;
}

export interface PointFit {
  readonly label: string;
  readonly phase: Phase;
  readonly measuredSeconds: number;
  readonly predictedSeconds: number;
  /** (predicted - measured) / measured. */
  readonly relativeError: number;
  readonly arithmeticIntensity: number;
  /** Against the ridge point of the peak figures. */
  readonly regime: 'compute' | 'memory';
}

export interface PhaseFit {
  readonly phase: Phase;
  readonly figures: PhaseFigures;
  readonly points: readonly PointFit[];
  /** Mean absolute percentage error, as a fraction (0.03 = 3%). */
  readonly mape: number;
  readonly maxAbsoluteRelativeError: number;
  /** Coefficient of determination of the latencies. */
  readonly r2: number;
  readonly computeBoundPoints: number;
  readonly memoryBoundPoints: number;
  /** Figures the data cannot pin down (no point in that regime), kept at the peak. */
  readonly unidentified: readonly ('flops' | 'bandwidth')[];
  /** Physical limits the fit ran into (an effective figure at the peak, the overhead at zero). */
  readonly constraintsHit: readonly string[];
  /** Points whose error exceeds three times the robust scale: measured, kept, but not what the fit follows. */
  readonly outliers: readonly string[];
}

export interface ExcludedPoint {
  readonly label: string;
  readonly reason: string;
}

export interface FitResult {
  readonly prefill?: PhaseFit;
  readonly decode?: PhaseFit;
  readonly excluded: readonly ExcludedPoint[];
  readonly ridgePointFlopsPerByte: number;
}

/** Log-space search range below the peak: effective figures from 0.5% to 100% of the spec sheet. */
const MIN_FRACTION = 0.005;

/**
 * Scale of the robust loss, as a relative error: residuals well below it count as squares (least squares),
 * residuals far above it only logarithmically, so that one bad measurement (a stalled run, a mislabelled
 * row) cannot drag the figures of every other point.
 */
export const ROBUST_LOSS_SCALE = 0.1;

function objective(points: readonly AnnotatedPoint[], flops: number, bandwidth: number): { loss: number; overhead: number } {
  const base = new Float64Array(points.length);
  const weights = new Float64Array(points.length);
  for (let i = 0; i < points.length; i++) {
    base[i] = predictSeconds(points[i], { flopsPerSecond: flops, bandwidthBytesPerSecond: bandwidth, overheadSeconds: 0 });
    weights[i] = 1;
  }
  // For given F and B the best non-negative overhead is a weighted mean of the residuals (weights 1/m^2, so
  // that every point counts by its relative error), clamped at zero; two reweighting passes make it robust.
  let overhead = 0;
  for (let pass = 0; pass < 3; pass++) {
    let num = 0;
    let den = 0;
    for (let i = 0; i < points.length; i++) {
      const m = points[i].measuredSeconds;
      const w = weights[i] / (m * m);
      num += w * (m - base[i]);
      den += w;
    }
    overhead = Math.max(0, num / den);
    for (let i = 0; i < points.length; i++) {
      const e = (base[i] + overhead - points[i].measuredSeconds) / points[i].measuredSeconds / ROBUST_LOSS_SCALE;
      weights[i] = 1 / (1 + e * e);
    }
  }
  let loss = 0;
  for (let i = 0; i < points.length; i++) {
    const e = (base[i] + overhead - points[i].measuredSeconds) / points[i].measuredSeconds / ROBUST_LOSS_SCALE;
    loss += Math.log1p(e * e);
  }
  return { loss, overhead };
}

function fitFigures(points: readonly AnnotatedPoint[], peak: PeakFigures): PhaseFigures {
  const logMin = Math.log(MIN_FRACTION);
  // Coarse grid from the peak downwards; only a strictly better point replaces the best, so that a figure
  // the data cannot pin down stays at the peak.
  const steps = 48;
  let best = { x: 0, y: 0, loss: Infinity };
  for (let a = 0; a <= steps; a++) {
    for (let b = 0; b <= steps; b++) {
      const x = (logMin * a) / steps;
      const y = (logMin * b) / steps;
      const { loss } = objective(points, peak.peakFlopsPerSecond * Math.exp(x), peak.peakBandwidthBytesPerSecond * Math.exp(y));
      if (loss < best.loss * (1 - 1e-9)) best = { x, y, loss };
    }
  }
  // Pattern search around the best grid point, shrinking the step: deterministic and derivative-free.
  let step = -logMin / steps;
  while (step > 1e-6) {
    let improved = false;
    for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1], [1, -1], [-1, 1]] as const) {
      const x = Math.min(0, Math.max(logMin, best.x + dx * step));
      const y = Math.min(0, Math.max(logMin, best.y + dy * step));
      const { loss } = objective(points, peak.peakFlopsPerSecond * Math.exp(x), peak.peakBandwidthBytesPerSecond * Math.exp(y));
      if (loss < best.loss * (1 - 1e-12)) {
        best = { x, y, loss };
        improved = true;
      }
    }
    if (!improved) step /= 2;
  }
  const flopsPerSecond = peak.peakFlopsPerSecond * Math.exp(best.x);
  const bandwidthBytesPerSecond = peak.peakBandwidthBytesPerSecond * Math.exp(best.y);
  return { flopsPerSecond, bandwidthBytesPerSecond, overheadSeconds: objective(points, flopsPerSecond, bandwidthBytesPerSecond).overhead };
}

/** Per-point error and summary statistics of figures against points. */
export function evaluateFit(phase: Phase, points: readonly AnnotatedPoint[], figures: PhaseFigures, ridge: number): Omit<PhaseFit, 'unidentified' | 'constraintsHit' | 'figures' | 'outliers'> {
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
      regime: intensity >= ridge ? 'compute' : 'memory',
    };
  });
  const n = fits.length;
  const mape = n > 0 ? fits.reduce((a, f) => a + Math.abs(f.relativeError), 0) / n : 0;
  const maxAbs = fits.reduce((a, f) => Math.max(a, Math.abs(f.relativeError)), 0);
  const mean = n > 0 ? fits.reduce((a, f) => a + f.measuredSeconds, 0) / n : 0;
  let ssRes = 0;
  let ssTot = 0;
  for (const f of fits) {
    ssRes += (f.predictedSeconds - f.measuredSeconds) ** 2;
    ssTot += (f.measuredSeconds - mean) ** 2;
  }
  return {
    phase,
    points: fits,
    mape,
    maxAbsoluteRelativeError: maxAbs,
    r2: ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0,
    computeBoundPoints: fits.filter((f) => f.regime === 'compute').length,
    memoryBoundPoints: fits.filter((f) => f.regime === 'memory').length,
  };
}

/** Which figures actually set some operator's time for some point under the fitted figures. */
function identifiedFigures(points: readonly AnnotatedPoint[], figures: PhaseFigures): { flops: boolean; bandwidth: boolean } {
  let flops = false;
  let bandwidth = false;
  for (const p of points) {
    for (const o of p.operators) {
      if (o.flops === 0 && o.bytes === 0) continue;
      if (o.flops / figures.flopsPerSecond > o.bytes / figures.bandwidthBytesPerSecond) flops = true;
      else bandwidth = true;
    }
  }
  return { flops, bandwidth };
}

/**
 * The seeds' RooflineParameterEstimator: fits effective FLOP/s, effective bandwidth and a per-step
 * overhead to measured points, prefill and decode apart, minimising the squared relative error. Each
 * point is classified by its arithmetic intensity against the ridge point of the peak figures: compute-
 * bound points inform the effective FLOP/s, memory-bound ones the effective bandwidth. The figures are
 * kept physical (at most the peak; overhead at least zero). The loss is robust (Cauchy on the relative
 * error, scale ROBUST_LOSS_SCALE): an outlier is reported, not fitted. Deterministic: a grid in log space from the
 * peak down to 0.5% of it, refined by a pattern search.
 */
export class RooflineParameterEstimator {
  readonly peak: PeakFigures;

  constructor(peak: PeakFigures) {
    if (!(peak.peakFlopsPerSecond > 0 && peak.peakBandwidthBytesPerSecond > 0)) {
      throw new CalibrationError('INVALID_POINT', 'peak FLOP/s and bandwidth must be positive');
    }
    this.peak = peak;
  }

  get ridgePointFlopsPerByte(): number {
    return this.peak.peakFlopsPerSecond / this.peak.peakBandwidthBytesPerSecond;
  }

  fit(input: readonly AnnotatedPointInput[]): FitResult {
    const excluded: ExcludedPoint[] = [];
    const byPhase: Record<Phase, AnnotatedPoint[]> = { prefill: [], decode: [] };
    input.forEach((raw, index) => {
      const parsed = AnnotatedPointSchema.safeParse(raw);
      const label = (raw as { label?: string }).label ?? `point ${index + 1}`;
      if (!parsed.success) {
        excluded.push({ label, reason: `invalid point: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` });
        return;
      }
      const p = parsed.data;
      if (!(p.measuredSeconds > 0) || !Number.isFinite(p.measuredSeconds)) {
        excluded.push({ label, reason: `measured time must be positive and finite, got ${p.measuredSeconds}` });
      } else if (p.operators.length === 0 || p.operators.every((o) => o.flops === 0 && o.bytes === 0)) {
        excluded.push({ label, reason: 'no FLOPs or bytes counted for it' });
      } else if (p.phase === 'mixed') {
        excluded.push({ label, reason: 'mixed prefill/decode steps are not fitted; prefill and decode are fitted apart' });
      } else if (p.communicationSeconds >= p.measuredSeconds) {
        excluded.push({ label, reason: 'measured time is below the modelled communication time' });
      } else {
        byPhase[p.phase].push(p);
      }
    });
    const result: { prefill?: PhaseFit; decode?: PhaseFit } = {};
    for (const phase of ['prefill', 'decode'] as const) {
      const points = byPhase[phase];
      if (points.length === 0) continue;
      const figures = fitFigures(points, this.peak);
      const identified = identifiedFigures(points, figures);
      const unidentified: ('flops' | 'bandwidth')[] = [];
      if (!identified.flops) unidentified.push('flops');
      if (!identified.bandwidth) unidentified.push('bandwidth');
      const constraintsHit: string[] = [];
      if (identified.flops && figures.flopsPerSecond >= this.peak.peakFlopsPerSecond * (1 - 1e-9)) constraintsHit.push('effective FLOP/s capped at the peak');
      if (identified.bandwidth && figures.bandwidthBytesPerSecond >= this.peak.peakBandwidthBytesPerSecond * (1 - 1e-9)) constraintsHit.push('effective bandwidth capped at the peak');
      if (figures.overheadSeconds === 0) constraintsHit.push('overhead held at zero');
      result[phase] = {
        ...evaluateFit(phase, points, figures, this.ridgePointFlopsPerByte),
        figures,
        unidentified,
        constraintsHit,
        outliers: [],
      };
      const evaluated = result[phase]!;
      result[phase] = { ...evaluated, outliers: evaluated.points.filter((p) => Math.abs(p.relativeError) > 3 * ROBUST_LOSS_SCALE).map((p) => p.label) };
    }
    return { ...result, excluded, ridgePointFlopsPerByte: this.ridgePointFlopsPerByte };
  }
}

/** Functional form of the estimator. */
export function fitRooflineParameters(points: readonly AnnotatedPointInput[], peak: PeakFigures): FitResult {
  return new RooflineParameterEstimator(peak).fit(points);
}
