import { RooflineError } from './errors.ts';

/**
 * Measured kernel latencies on a grid of shapes: `axes[d]` holds the ascending, positive values of
 * dimension d; `latencySeconds` the latency of every grid point, row-major (the last axis varies fastest).
 */
export interface LatencyTable {
  readonly axes: readonly (readonly number[])[];
  readonly latencySeconds: readonly number[];
}

/** A table prepared for lookups: logs precomputed once, so a lookup costs a few multiply-adds. */
export interface PreparedLatencyTable {
  readonly logAxes: readonly Float64Array[];
  readonly logLatency: Float64Array;
  readonly strides: readonly number[];
  /**
   * The cell and fraction of the last value looked up on each axis: consecutive lookups of a simulation repeat
   * most of their shape (the heads, the batch of a decode run), and finding the cell again is the costly part.
   */
  readonly recent: { readonly value: Float64Array; readonly cell: Int32Array; readonly fraction: Float64Array };
}

/** Checks a latency table (axes ascending and positive, one latency per grid point) and precomputes its logarithms for lookups; errors name `name`. */
export function prepareLatencyTable(table: LatencyTable, name: string): PreparedLatencyTable {
  const size = table.axes.reduce((n, axis) => n * axis.length, 1);
  if (table.axes.length === 0 || table.axes.some((a) => a.length < 2)) {
    throw new RooflineError('INVALID_EFFICIENCY', `${name}: every axis needs at least two values`);
  }
  if (table.axes.length > 4) {
    throw new RooflineError('INVALID_EFFICIENCY', `${name}: ${table.axes.length} axes, at most 4 are supported`);
  }
  if (table.latencySeconds.length !== size) {
    throw new RooflineError('INVALID_EFFICIENCY', `${name}: ${table.latencySeconds.length} latencies for a grid of ${size} points`);
  }
  for (const axis of table.axes) {
    for (let i = 0; i < axis.length; i++) {
      if (!(axis[i] > 0) || (i > 0 && !(axis[i] > axis[i - 1]))) {
        throw new RooflineError('INVALID_EFFICIENCY', `${name}: axis values must be positive and ascending`);
      }
    }
  }
  if (table.latencySeconds.some((s) => !(s > 0) || !Number.isFinite(s))) {
    throw new RooflineError('INVALID_EFFICIENCY', `${name}: latencies must be positive and finite`);
  }
  const strides: number[] = [];
  let stride = 1;
  for (let d = table.axes.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= table.axes[d].length;
  }
  return {
    logAxes: table.axes.map((a) => Float64Array.from(a, Math.log)),
    logLatency: Float64Array.from(table.latencySeconds, Math.log),
    strides,
    recent: { value: new Float64Array(4).fill(Number.NaN), cell: new Int32Array(4), fraction: new Float64Array(4) },
  };
}

/**
 * Latency at an arbitrary shape: multilinear in log(shape) and log(latency) between grid points. Below an
 * axis' first value the latency stays that of the first (a kernel never gets cheaper than at its smallest
 * measured shape); above the last it follows the last segment's log-log slope (work grows with the shape).
 */
export function lookUpLatency(table: PreparedLatencyTable, shape: readonly number[]): number {
  return lookUp(table, shape[0], shape[1], shape[2], shape[3]);
}

// The weights and grid indices of the corners of the lookup in progress (up to 4 dimensions, 16 corners),
// reused by every lookup: the simulator prices millions of steps.
const cornerWeights = new Float64Array(16);
const cornerIndices = new Int32Array(16);

/**
 * lookUpLatency with the shape's values as arguments (the hot path: no array per lookup); unused dimensions
 * are ignored. Corner weights are built one axis at a time, each corner's weight the product of its axes'
 * factors in axis order, and summed in corner order: the same arithmetic, to the bit, as weighting every
 * corner on its own.
 */
export function lookUp(table: PreparedLatencyTable, s0: number, s1: number, s2 = 0, s3 = 0): number {
  const dims = table.logAxes.length;
  const { value: recentValue, cell: recentCell, fraction: recentFraction } = table.recent;
  const weights = cornerWeights;
  const indices = cornerIndices;
  weights[0] = 1;
  indices[0] = 0;
  let corners = 1;
  for (let d = 0; d < dims; d++) {
    const value = d === 0 ? s0 : d === 1 ? s1 : d === 2 ? s2 : s3;
    let i: number;
    let t: number;
    if (value === recentValue[d]) {
      i = recentCell[d];
      t = recentFraction[d];
    } else {
      const axis = table.logAxes[d];
      const n = axis.length;
      const x = Math.log(value > 0 ? value : 1);
      if (x <= axis[0]) {
        i = 0;
        t = 0;
      } else if (x >= axis[n - 1]) {
        i = n - 2;
        t = (x - axis[n - 2]) / (axis[n - 1] - axis[n - 2]);
      } else {
        i = 0;
        while (axis[i + 1] < x) i++;
        t = (x - axis[i]) / (axis[i + 1] - axis[i]);
      }
      recentValue[d] = value;
      recentCell[d] = i;
      recentFraction[d] = t;
    }
    const stride = table.strides[d];
    const below = 1 - t;
    // Corner c + corners takes the upper value on axis d, corner c the lower.
    for (let c = corners - 1; c >= 0; c--) {
      const w = weights[c];
      const index = indices[c] + i * stride;
      weights[c + corners] = w * t;
      indices[c + corners] = index + stride;
      weights[c] = w * below;
      indices[c] = index;
    }
    corners *= 2;
  }
  let logSum = 0;
  for (let c = 0; c < corners; c++) {
    const weight = weights[c];
    if (weight !== 0) logSum += weight * table.logLatency[indices[c]];
  }
  return Math.exp(logSum);
}
