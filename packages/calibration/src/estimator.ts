import { AnnotatedPointSchema, isComputeDominated, type AnnotatedPoint, type AnnotatedPointInput, type PhaseFigures } from './annotated-point.ts';
import { CalibrationError, formatIssues } from './errors.ts';
import { evaluateFit, type FitQuality, type Phase } from './evaluate-fit.ts';

/** The spec sheet's figures for the device and dtype: the physical upper bounds of the fit. */
export interface PeakFigures {
  readonly peakFlopsPerSecond: number;
  readonly peakBandwidthBytesPerSecond: number;
}

/** A fitted figure of a phase: effective FLOP/s or effective bandwidth. */
export type FigureName = 'flops' | 'bandwidth';

/**
 * How far the data determine a figure: `identified` when at least two points spend most of their time in
 * its regime (at the fitted figures); `weakly-identified` when only one point does (or only a minor operator
 * is bound by it): the figure then just absorbs that point's residual; `unidentified` when no operator is
 * bound by it, so no measured time depends on it.
 */
export type Identification = 'identified' | 'weakly-identified' | 'unidentified';

/** How far the measurements determine one fitted figure, and which points do. */
export interface FigureIdentification {
  readonly status: Identification;
  /**
   * The points that spend most of their operator time in this figure's regime at the final figures; for a
   * held weakly identified FLOP/s, the point that would have set it at the unconstrained best fit.
   */
  readonly points: readonly string[];
  /** The figure was not fitted but set by the documented default (see RooflineParameterEstimator). */
  readonly held: boolean;
}

/** A bound of the search the fitted figures sit on. */
export type ConstraintName =
  /** The data would put the effective FLOP/s above the peak. */
  | 'flops-at-peak'
  | 'bandwidth-at-peak'
  /** The best overhead would be negative: the counts overestimate the small points. */
  | 'overhead-at-zero'
  /** The figure sits at the bottom of the search range: counts or measurements are probably wrong. */
  | 'flops-at-floor'
  | 'bandwidth-at-floor';

export interface PhaseFit extends FitQuality {
  readonly figures: PhaseFigures;
  /** Figures no point's time depends on; set by the documented default (see RooflineParameterEstimator). */
  readonly unidentified: readonly FigureName[];
  /** Figures a single point (or a minor operator) sets: reported, and a weakly identified FLOP/s is held. */
  readonly weaklyIdentified: readonly FigureName[];
  readonly identification: Readonly<Record<FigureName, FigureIdentification>>;
  /** Effective FLOP/s over effective bandwidth: the ridge the points' regimes are judged against. */
  readonly fittedRidgeFlopsPerByte: number;
  readonly constraintsHit: readonly ConstraintName[];
  /** What a reader of the fit should know, in words: unidentified figures, bounds hit, too few points. */
  readonly notes: readonly string[];
}

/** How `fitRoofline` fits: the loss and its scale, and the bounds of the search. */
export interface FitOptions {
  /**
   * Use a Cauchy (robust) loss on the relative errors with this scale (a fraction, e.g. 0.1) instead of
   * squared relative errors: points whose error exceeds it weigh less and less, so an anomalous measurement
   * cannot drag the fit. Default: plain least squares on relative errors.
   */
  readonly robustScale?: number;
}

/** A point the fit left out, with its position and the reason. */
export interface ExcludedPoint {
  /** Position in the input. */
  readonly index: number;
  readonly label: string;
  readonly reason: string;
}

/** The fitted figures per phase, how well they fit, and the points left out. */
export interface FitResult {
  /** Absent when no usable prefill point was given. */
  readonly prefill?: PhaseFit;
  readonly decode?: PhaseFit;
  readonly excluded: readonly ExcludedPoint[];
  readonly peak: PeakFigures;
  /** Peak FLOP/s over peak bandwidth (the spec ridge); each phase's points are judged against its fitted ridge. */
  readonly ridgePointFlopsPerByte: number;
}

/** The search covers effective figures from 0.1% to 100% of the peak, in log space. */
const LOG_MIN_FRACTION = Math.log(1e-3);
const GRID_STEPS = 48;
/** Coarse searches refined to the final precision. */
const REFINED_STARTS = 4;
const COARSE_LOG_STEP = 1e-3;
/** Coarse ends closer than this in both coordinates are the same basin. */
const DISTINCT_LOG = 0.02;
const FINAL_LOG_STEP = 1e-8;
/**
 * Losses closer than this (relative), or than a squared relative error of 1e-12 summed over points, are ties:
 * rounding noise must not walk the search along a flat direction, and ties keep the figures nearer the peak.
 */
const TIE = 1e-12;
const ABSOLUTE_TIE = 1e-24;
const improves = (loss: number, incumbent: number) => loss < incumbent * (1 - TIE) - ABSOLUTE_TIE;

/** The points of one phase flattened into arrays: the objective runs thousands of times per fit. */
class PhaseProblem {
  private readonly flops: Float64Array;
  private readonly bytes: Float64Array;
  private readonly opEnd: Int32Array;
  private readonly fixedSeconds: Float64Array;
  private readonly measured: Float64Array;
  /** weight / measured^2: squared errors of these weights are squared relative errors. */
  private readonly pointWeight: Float64Array;
  private readonly relativeWeight: Float64Array;
  private readonly base: Float64Array;

  constructor(points: readonly AnnotatedPoint[]) {
    const n = points.length;
    const ops = points.reduce((sum, p) => sum + p.operators.length, 0);
    this.flops = new Float64Array(ops);
    this.bytes = new Float64Array(ops);
    this.opEnd = new Int32Array(n);
    this.fixedSeconds = new Float64Array(n);
    this.measured = new Float64Array(n);
    this.pointWeight = new Float64Array(n);
    this.relativeWeight = new Float64Array(n);
    this.base = new Float64Array(n);
    let k = 0;
    points.forEach((p, i) => {
      for (const o of p.operators) {
        this.flops[k] = o.flops;
        this.bytes[k] = o.bytes;
        k++;
      }
      this.opEnd[i] = k;
      this.fixedSeconds[i] = p.communicationSeconds;
      this.measured[i] = p.measuredSeconds;
      this.pointWeight[i] = p.weight ?? 1;
      this.relativeWeight[i] = this.pointWeight[i] / (p.measuredSeconds * p.measuredSeconds);
    });
  }

  get size(): number {
    return this.measured.length;
  }

  /** Scales each point's weight (iteratively reweighted least squares for the robust fit). */
  reweight(multipliers: Float64Array): void {
    for (let i = 0; i < multipliers.length; i++) {
      this.relativeWeight[i] = (this.pointWeight[i] * multipliers[i]) / (this.measured[i] * this.measured[i]);
    }
  }

  /** Relative error of each point at these figures. */
  relativeErrors(f: PhaseFigures): Float64Array {
    this.evaluate(f.flopsPerSecond, f.bandwidthBytesPerSecond);
    const out = new Float64Array(this.measured.length);
    for (let i = 0; i < out.length; i++) out[i] = (this.base[i] + f.overheadSeconds - this.measured[i]) / this.measured[i];
    return out;
  }

  /**
   * Weighted sum of squared relative errors at figures (F, B), with the overhead that minimises it: for
   * fixed F and B the loss is a quadratic in the overhead, so its best value is the weighted mean of the
   * residuals (weights w / m^2), clamped at zero.
   */
  evaluate(flopsPerSecond: number, bandwidthBytesPerSecond: number): { loss: number; overheadSeconds: number; unclampedOverheadSeconds: number } {
    const { flops, bytes, opEnd, fixedSeconds, measured, relativeWeight, base } = this;
    let num = 0;
    let den = 0;
    let k = 0;
    for (let i = 0; i < opEnd.length; i++) {
      let t = fixedSeconds[i];
      for (; k < opEnd[i]; k++) {
        const compute = flops[k] / flopsPerSecond;
        const memory = bytes[k] / bandwidthBytesPerSecond;
        t += compute > memory ? compute : memory;
      }
      base[i] = t;
      num += relativeWeight[i] * (measured[i] - t);
      den += relativeWeight[i];
    }
    const unclamped = num / den;
    const overhead = unclamped > 0 ? unclamped : 0;
    let loss = 0;
    for (let i = 0; i < opEnd.length; i++) {
      const r = base[i] + overhead - measured[i];
      loss += relativeWeight[i] * r * r;
    }
    return { loss, overheadSeconds: overhead, unclampedOverheadSeconds: unclamped };
  }

  /** Whether some operator's time is set by the FLOP/s, and some by the bandwidth, at these figures. */
  boundFigures(f: PhaseFigures): { flops: boolean; bandwidth: boolean } {
    let flops = false;
    let bandwidth = false;
    for (let k = 0; k < this.flops.length; k++) {
      if (this.flops[k] === 0 && this.bytes[k] === 0) continue;
      if (this.flops[k] / f.flopsPerSecond > this.bytes[k] / f.bandwidthBytesPerSecond) flops = true;
      else bandwidth = true;
    }
    return { flops, bandwidth };
  }

  /**
   * The lowest FLOP/s (or bandwidth) that keeps every operator on the side of the ridge it is on at `f`:
   * moving an unidentified figure down to it changes no prediction.
   */
  floor(figure: FigureName, f: PhaseFigures): number {
    let floor = 0;
    for (let k = 0; k < this.flops.length; k++) {
      const value =
        figure === 'flops'
          ? this.bytes[k] > 0 ? (this.flops[k] * f.bandwidthBytesPerSecond) / this.bytes[k] : 0
          : this.flops[k] > 0 ? (this.bytes[k] * f.flopsPerSecond) / this.flops[k] : 0;
      if (value > floor) floor = value;
    }
    return floor;
  }
}

interface SearchPoint {
  readonly x: number;
  readonly y: number;
  readonly loss: number;
}

/**
 * Minimises the loss over x = ln(F / peak F), y = ln(B / peak B) in [ln 0.001, 0]^2. The loss is piecewise
 * smooth with kinks where an operator crosses its ridge, and can have separate basins (say, the largest
 * decode batches priced as compute-bound with a small overhead, or as memory-bound with a larger one), so:
 * a grid; from the best cell of every grid row and every grid column, a coarse pattern search; the best few
 * of those refined by a fine pattern search. Only strictly better points replace the incumbent and the
 * starts run from the peak downwards, so along a flat direction (a figure the data cannot see) the search
 * stays at the peak.
 */
function search(problem: PhaseProblem, peak: PeakFigures, tied: boolean): SearchPoint {
  const lossAt = (x: number, y: number) => problem.evaluate(peak.peakFlopsPerSecond * Math.exp(x), peak.peakBandwidthBytesPerSecond * Math.exp(y)).loss;
  if (tied) return tiedSearch(lossAt);
  const size = GRID_STEPS + 1;
  const grid = new Float64Array(size * size);
  const coordinate = (i: number) => (LOG_MIN_FRACTION * i) / GRID_STEPS;
  for (let a = 0; a < size; a++) {
    for (let b = 0; b < size; b++) grid[a * size + b] = lossAt(coordinate(a), coordinate(b));
  }
  const starts = new Set<number>();
  for (let a = 0; a < size; a++) {
    let row = a * size;
    let column = a;
    for (let b = 1; b < size; b++) {
      if (improves(grid[a * size + b], grid[row])) row = a * size + b;
      if (improves(grid[b * size + a], grid[column])) column = b * size + a;
    }
    starts.add(row);
    starts.add(column);
  }
  const coarse = [...starts]
    .sort((p, q) => p - q)
    .map((cell) => patternSearch(lossAt, { x: coordinate(Math.floor(cell / size)), y: coordinate(cell % size), loss: grid[cell] }, COARSE_LOG_STEP));
  const order = coarse.map((_, i) => i).sort((i, j) => coarse[i].loss - coarse[j].loss || i - j);
  // Many starts end in the same basin; refine the best few distinct ends.
  const distinct: number[] = [];
  for (const i of order) {
    if (distinct.length === REFINED_STARTS) break;
    if (distinct.every((j) => Math.abs(coarse[i].x - coarse[j].x) > DISTINCT_LOG || Math.abs(coarse[i].y - coarse[j].y) > DISTINCT_LOG)) distinct.push(i);
  }
  let winner: SearchPoint | undefined;
  for (const i of distinct) {
    const refined = patternSearch(lossAt, coarse[i], FINAL_LOG_STEP);
    if (!winner || improves(refined.loss, winner.loss)) winner = refined;
  }
  return winner!;
}

/**
 * The same search along the diagonal x = y: the FLOP/s held at the bandwidth's fraction of its peak (so the
 * ridge stays the spec sheet's), bandwidth and overhead fitted.
 */
function tiedSearch(lossAt: (x: number, y: number) => number): SearchPoint {
  let start: SearchPoint | undefined;
  for (let i = 0; i <= GRID_STEPS; i++) {
    const t = (LOG_MIN_FRACTION * i) / GRID_STEPS;
    const loss = lossAt(t, t);
    if (!start || improves(loss, start.loss)) start = { x: t, y: t, loss };
  }
  return patternSearch(lossAt, patternSearch(lossAt, start!, COARSE_LOG_STEP, TIED_DIRECTIONS), FINAL_LOG_STEP, TIED_DIRECTIONS);
}

/** Compass search over 8 directions, halving the step when no direction improves. */
function patternSearch(lossAt: (x: number, y: number) => number, from: SearchPoint, finalStep: number, directions: readonly (readonly [number, number])[] = DIRECTIONS): SearchPoint {
  let current = from;
  let step = -LOG_MIN_FRACTION / GRID_STEPS;
  while (step > finalStep) {
    // The best of the 8 moves, axis moves winning ties: a diagonal move that gains only along one axis would
    // drag the other figure along a flat direction.
    let next = current;
    for (const [dx, dy] of directions) {
      const x = Math.min(0, Math.max(LOG_MIN_FRACTION, current.x + dx * step));
      const y = Math.min(0, Math.max(LOG_MIN_FRACTION, current.y + dy * step));
      const loss = lossAt(x, y);
      if (improves(loss, next.loss)) next = { x, y, loss };
    }
    if (next === current) step /= 2;
    else current = next;
  }
  return current;
}

const DIRECTIONS = [[1, 0], [-1, 0], [0, 1], [0, -1], [1, 1], [-1, -1], [1, -1], [-1, 1]] as const;
const TIED_DIRECTIONS = [[1, 1], [-1, -1]] as const;

const tflops = (x: number) => `${(x / 1e12).toPrecision(4)} TFLOP/s`;
const gbps = (x: number) => `${(x / 1e9).toPrecision(4)} GB/s`;
const percent = (x: number) => `${(x * 100).toPrecision(3)}%`;

function figuresAt(problem: PhaseProblem, peak: PeakFigures, best: SearchPoint) {
  const flopsPerSecond = best.x === 0 ? peak.peakFlopsPerSecond : peak.peakFlopsPerSecond * Math.exp(best.x);
  const bandwidthBytesPerSecond = best.y === 0 ? peak.peakBandwidthBytesPerSecond : peak.peakBandwidthBytesPerSecond * Math.exp(best.y);
  const { overheadSeconds, unclampedOverheadSeconds } = problem.evaluate(flopsPerSecond, bandwidthBytesPerSecond);
  return { figures: { flopsPerSecond, bandwidthBytesPerSecond, overheadSeconds }, unclampedOverheadSeconds };
}

/**
 * Cauchy loss on the relative errors, by iteratively reweighted least squares from the least-squares fit:
 * a point with relative error r weighs 1 / (1 + (r / scale)^2). A redescending loss, because relative errors
 * are unbounded above: one broken measurement (a prefill reported 7x too fast) would still dominate a Huber
 * loss, whose influence only stops growing.
 */
function robustSearch(problem: PhaseProblem, peak: PeakFigures, threshold: number, tied: boolean): { best: SearchPoint; downweighted: number } {
  problem.reweight(new Float64Array(problem.size).fill(1));
  let best = search(problem, peak, tied);
  let downweighted = 0;
  for (let iteration = 0; iteration < MAX_ROBUST_ITERATIONS; iteration++) {
    const errors = problem.relativeErrors(figuresAt(problem, peak, best).figures);
    const multipliers = new Float64Array(errors.length);
    downweighted = 0;
    for (let i = 0; i < errors.length; i++) {
      const abs = Math.abs(errors[i]);
      multipliers[i] = 1 / (1 + (abs / threshold) ** 2);
      if (abs > threshold) downweighted++;
    }
    problem.reweight(multipliers);
    const next = search(problem, peak, tied);
    const converged = Math.abs(next.x - best.x) < 1e-6 && Math.abs(next.y - best.y) < 1e-6;
    best = next;
    if (converged) break;
  }
  return { best, downweighted };
}

const MAX_ROBUST_ITERATIONS = 30;

function runSearch(problem: PhaseProblem, peak: PeakFigures, options: FitOptions, tied: boolean): { best: SearchPoint; downweighted: number } {
  if (options.robustScale !== undefined) return robustSearch(problem, peak, options.robustScale, tied);
  return { best: search(problem, peak, tied), downweighted: 0 };
}

function fitPhase(phase: Phase, points: readonly AnnotatedPoint[], peak: PeakFigures, options: FitOptions): PhaseFit {
  const problem = new PhaseProblem(points);
  const notes: string[] = [];
  let { best, downweighted } = runSearch(problem, peak, options, false);
  let fitted = figuresAt(problem, peak, best);

  // A FLOP/s that only one point is compute-bound by is that point's residual, not a measured rate: it fits
  // that point exactly and then prices every larger batch compute-bound at it, far outside the measured range
  // (Splitwise's 70B decode: one batch-64 step 75% slower than batch 1 put the FLOP/s at 4.7% of the peak and
  // a batch-256 step at 205 ms). Such a FLOP/s is held at the bandwidth's fraction of its peak, so the ridge
  // stays the spec sheet's, and bandwidth and overhead are refitted; the point shows its error instead.
  const firstFlopsPoints = points.filter((p) => isComputeDominated(p, fitted.figures)).map((p) => p.label);
  const heldFlops = problem.boundFigures(fitted.figures).flops && firstFlopsPoints.length < 2;
  const firstFlops = fitted.figures.flopsPerSecond;
  if (heldFlops) {
    ({ best, downweighted } = runSearch(problem, peak, options, true));
    fitted = figuresAt(problem, peak, best);
  }
  if (downweighted > 0) {
    notes.push(`${downweighted} point(s) with an error above ${percent(options.robustScale!)} down-weighted (Cauchy loss)`);
  }
  const { unclampedOverheadSeconds } = fitted;
  const { flopsPerSecond, bandwidthBytesPerSecond } = fitted.figures;
  let figures: PhaseFigures = fitted.figures;

  const bound = problem.boundFigures(figures);
  const unidentified: FigureName[] = [];
  const constraintsHit: ConstraintName[] = [];
  if (points.length < 3) {
    notes.unshift(`only ${points.length} point(s) for three parameters (FLOP/s, bandwidth, overhead): the figures are not determined by the data`);
  }
  if (heldFlops) {
    const efficiency = figures.flopsPerSecond / peak.peakFlopsPerSecond;
    notes.push(
      `effective FLOP/s weakly identified: ${firstFlopsPoints.length === 1 ? `only ${firstFlopsPoints[0]} was` : 'no point was'} mostly compute-bound at the best fit ` +
        `(${tflops(firstFlops)}), which then sets the FLOP/s alone and prices larger batches compute-bound at it; ` +
        `held at ${tflops(figures.flopsPerSecond)}, the fitted bandwidth's efficiency (${percent(efficiency)} of the peak), so the spec ridge stands: measure more compute-bound steps to determine it`,
    );
  } else if (!bound.flops) {
    // A figure no operator is bound by does not enter any prediction. Rather than leave it at the peak (which
    // would make, say, large-batch decode look faster than anything measured), it gets the same fraction of its
    // peak as the fitted figure, raised where needed so that no fitted point's prediction changes.
    unidentified.push('flops');
    const efficiency = bandwidthBytesPerSecond / peak.peakBandwidthBytesPerSecond;
    const floor = problem.floor('flops', figures);
    const value = Math.min(peak.peakFlopsPerSecond, Math.max(efficiency * peak.peakFlopsPerSecond, floor));
    figures = { ...figures, flopsPerSecond: value };
    notes.push(
      `no operator is compute-bound at the fitted figures, so the data do not determine the effective FLOP/s: set to ${tflops(value)}, ` +
        (value > efficiency * peak.peakFlopsPerSecond
          ? `the lowest value that keeps every fitted point memory-bound (the bandwidth's efficiency, ${percent(efficiency)} of the peak, would be lower)`
          : `the fitted bandwidth's efficiency (${percent(efficiency)} of the peak)`),
    );
  } else if (best.x === 0) {
    constraintsHit.push('flops-at-peak');
    notes.push(`effective FLOP/s held at the peak (${tflops(peak.peakFlopsPerSecond)}): the data would put it higher`);
  } else if (best.x <= LOG_MIN_FRACTION) {
    constraintsHit.push('flops-at-floor');
    notes.push(`effective FLOP/s at the bottom of the search range (0.1% of the peak): check the FLOP counts and the units of the measurements`);
  }
  if (!bound.bandwidth) {
    unidentified.push('bandwidth');
    const efficiency = flopsPerSecond / peak.peakFlopsPerSecond;
    const floor = problem.floor('bandwidth', figures);
    const value = Math.min(peak.peakBandwidthBytesPerSecond, Math.max(efficiency * peak.peakBandwidthBytesPerSecond, floor));
    figures = { ...figures, bandwidthBytesPerSecond: value };
    notes.push(
      `no operator is memory-bound at the fitted figures, so the data do not determine the effective bandwidth: set to ${gbps(value)}, ` +
        (value > efficiency * peak.peakBandwidthBytesPerSecond
          ? `the lowest value that keeps every fitted point compute-bound (the FLOP/s efficiency, ${percent(efficiency)} of the peak, would be lower)`
          : `the fitted FLOP/s efficiency (${percent(efficiency)} of the peak)`),
    );
  } else if (best.y === 0) {
    constraintsHit.push('bandwidth-at-peak');
    notes.push(`effective bandwidth held at the peak (${gbps(peak.peakBandwidthBytesPerSecond)}): the data would put it higher`);
  } else if (best.y <= LOG_MIN_FRACTION) {
    constraintsHit.push('bandwidth-at-floor');
    notes.push(`effective bandwidth at the bottom of the search range (0.1% of the peak): check the byte counts and the units of the measurements`);
  }
  if (unclampedOverheadSeconds < 0) {
    constraintsHit.push('overhead-at-zero');
    notes.push(`overhead held at zero: the best fit would subtract ${(-unclampedOverheadSeconds * 1000).toPrecision(3)} ms per step`);
  }

  const flopsPoints = points.filter((p) => isComputeDominated(p, figures)).map((p) => p.label);
  const bandwidthPoints = points.filter((p) => !isComputeDominated(p, figures)).map((p) => p.label);
  const bandwidthStatus: Identification = unidentified.includes('bandwidth') ? 'unidentified' : bandwidthPoints.length < 2 ? 'weakly-identified' : 'identified';
  if (bandwidthStatus === 'weakly-identified') {
    notes.push(
      `effective bandwidth weakly identified: ${bandwidthPoints.length === 1 ? `only ${bandwidthPoints[0]} is` : 'no point is'} mostly memory-bound at the fitted figures, so that point alone sets it`,
    );
  }
  const identification: Record<FigureName, FigureIdentification> = {
    // A held FLOP/s names the point that would have set it.
    flops: { status: heldFlops ? 'weakly-identified' : unidentified.includes('flops') ? 'unidentified' : 'identified', points: heldFlops ? firstFlopsPoints : flopsPoints, held: heldFlops || unidentified.includes('flops') },
    bandwidth: { status: bandwidthStatus, points: bandwidthPoints, held: unidentified.includes('bandwidth') },
  };
  const weaklyIdentified = (['flops', 'bandwidth'] as const).filter((f) => identification[f].status === 'weakly-identified');
  const fittedRidge = figures.flopsPerSecond / figures.bandwidthBytesPerSecond;
  return {
    ...evaluateFit(phase, points, figures),
    figures,
    unidentified,
    weaklyIdentified,
    identification,
    fittedRidgeFlopsPerByte: fittedRidge,
    constraintsHit,
    notes,
  };
}

function exclusionReason(p: AnnotatedPoint): string | undefined {
  if (p.phase === 'mixed') return "phase 'mixed': steps that mix prefill and decode are not fitted (prefill and decode are fitted apart)";
  if (!(p.measuredSeconds > 0)) return `measuredSeconds must be positive, got ${p.measuredSeconds}`;
  if (p.operators.length === 0 || p.operators.every((o) => o.flops === 0 && o.bytes === 0)) return 'no operator FLOPs or bytes counted for it';
  if (p.communicationSeconds >= p.measuredSeconds) {
    return `the modelled communication (${(p.communicationSeconds * 1000).toPrecision(4)} ms) is not below the measured time (${(p.measuredSeconds * 1000).toPrecision(4)} ms)`;
  }
  return undefined;
}

/**
 * The seeds' RooflineParameterEstimator: fits the effective FLOP/s F, effective bandwidth B and per-step
 * overhead of the roofline's step time, overhead + communication + sum over operators of
 * max(FLOPs / F, bytes / B), to measured points, prefill and decode apart.
 *
 * - Because the formula takes the max per operator, the fit itself decides which operators each figure
 *   prices. Each point is reported compute- or memory-bound by which figure prices most of its operator time
 *   at the fitted figures (the fitted ridge, not the spec sheet's).
 * - Each figure is reported identified (two or more points mostly in its regime), weakly identified (one) or
 *   unidentified (none bound by it), with the points that set it.
 * - A weakly identified F is held at B's fraction of the peak (the spec ridge) and B and the overhead are
 *   refitted: one point must not set a FLOP/s that then prices every larger batch compute-bound.
 * - It minimises the (weighted) sum of squared relative errors, since latencies span orders of magnitude.
 * - Physical bounds: F <= peak FLOP/s, B <= peak bandwidth, overhead >= 0; a bound that binds is reported.
 * - A figure that no operator is bound by (all points in one regime) cannot be estimated: it is set to the
 *   same fraction of its peak as the fitted figure, raised where needed so that no prediction changes, and
 *   reported as unidentified.
 * - Optionally robust (`robustScale`): a Cauchy loss by iteratively reweighted least squares.
 * - Deterministic: a log-space grid and a pattern search, no randomness.
 */
export class RooflineParameterEstimator {
  readonly peak: PeakFigures;
  readonly options: FitOptions;

  constructor(peak: PeakFigures, options: FitOptions = {}) {
    for (const key of ['peakFlopsPerSecond', 'peakBandwidthBytesPerSecond'] as const) {
      const value = peak[key];
      if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
        throw new CalibrationError('INVALID_PEAK_FIGURES', `${key} must be a positive finite number, got ${String(value)}`);
      }
    }
    this.peak = { peakFlopsPerSecond: peak.peakFlopsPerSecond, peakBandwidthBytesPerSecond: peak.peakBandwidthBytesPerSecond };
    const huber = options.robustScale;
    if (huber !== undefined && !(huber > 0 && Number.isFinite(huber))) {
      throw new CalibrationError('INVALID_FIT_OPTIONS', `robustScale must be a positive fraction, got ${String(huber)}`);
    }
    this.options = { ...options };
  }

  get ridgePointFlopsPerByte(): number {
    return this.peak.peakFlopsPerSecond / this.peak.peakBandwidthBytesPerSecond;
  }

  /** Fits both phases; unusable points are returned in `excluded` with the reason, never thrown. */
  fit(points: readonly AnnotatedPointInput[]): FitResult {
    const excluded: ExcludedPoint[] = [];
    const byPhase: Record<Phase, AnnotatedPoint[]> = { prefill: [], decode: [] };
    points.forEach((raw, index) => {
      const parsed = AnnotatedPointSchema.safeParse(raw);
      const rawLabel = (raw as { label?: unknown } | null)?.label;
      const label = typeof rawLabel === 'string' && rawLabel.length > 0 ? rawLabel : `point ${index + 1}`;
      if (!parsed.success) {
        excluded.push({ index, label, reason: `invalid point: ${formatIssues(parsed.error.issues)}` });
        return;
      }
      const reason = exclusionReason(parsed.data);
      if (reason) excluded.push({ index, label, reason });
      else byPhase[parsed.data.phase as Phase].push(parsed.data);
    });
    const ridge = this.ridgePointFlopsPerByte;
    return {
      ...(byPhase.prefill.length > 0 ? { prefill: fitPhase('prefill', byPhase.prefill, this.peak, this.options) } : {}),
      ...(byPhase.decode.length > 0 ? { decode: fitPhase('decode', byPhase.decode, this.peak, this.options) } : {}),
      excluded,
      peak: this.peak,
      ridgePointFlopsPerByte: ridge,
    };
  }
}

/** `new RooflineParameterEstimator(peak, options).fit(points)`. */
export function fitRooflineParameters(points: readonly AnnotatedPointInput[], peak: PeakFigures, options: FitOptions = {}): FitResult {
  return new RooflineParameterEstimator(peak, options).fit(points);
}
