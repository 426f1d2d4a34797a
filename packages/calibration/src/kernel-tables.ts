import { CalibrationError } from './errors.ts';

/** Rows of a comma-separated file with a header line, keyed by column name (the files hold no quoted commas). */
export function parseCsvRows(text: string, name: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length < 2) throw new CalibrationError('INVALID_KERNEL_TABLE', `${name} holds no rows`);
  const header = lines[0].split(',');
  return lines.slice(1).map((line) => {
    const cells = line.split(',');
    const row: Record<string, string> = {};
    header.forEach((h, i) => (row[h] = cells[i] ?? ''));
    return row;
  });
}

export function numberColumn(row: Record<string, string>, column: string, name: string): number {
  const value = Number(row[column]);
  if (row[column] === undefined || row[column] === '' || !Number.isFinite(value)) {
    throw new CalibrationError('INVALID_KERNEL_TABLE', `${name}: column '${column}' is missing or not a number`);
  }
  return value;
}

/** A grid of latencies in seconds, row-major (last axis fastest), with how many cells were filled in. */
export interface Grid {
  readonly axes: number[][];
  readonly latencySeconds: number[];
  readonly measuredCells: number;
  readonly filledCells: number;
}

/**
 * Puts measured points on the grid of their distinct coordinates; a cell measured several times takes the
 * geometric mean. Cells the source did not measure are filled from their measured neighbours along every axis
 * (geometric mean, repeated outward until none is left), so that lookups interpolate between real points.
 */
export function buildGrid(points: readonly { coordinates: readonly number[]; seconds: number }[], name: string): Grid {
  if (points.length === 0) throw new CalibrationError('INVALID_KERNEL_TABLE', `${name}: no measured point`);
  const dims = points[0].coordinates.length;
  const axes: number[][] = [];
  for (let d = 0; d < dims; d++) axes.push([...new Set(points.map((p) => p.coordinates[d]))].sort((a, b) => a - b));
  const strides: number[] = [];
  let size = 1;
  for (let d = dims - 1; d >= 0; d--) {
    strides[d] = size;
    size *= axes[d].length;
  }
  const logSum = new Float64Array(size);
  const count = new Float64Array(size);
  const indexOf = axes.map((a) => new Map(a.map((v, i) => [v, i])));
  for (const p of points) {
    if (!(p.seconds > 0)) throw new CalibrationError('INVALID_KERNEL_TABLE', `${name}: a latency is not positive`);
    let index = 0;
    for (let d = 0; d < dims; d++) index += indexOf[d].get(p.coordinates[d])! * strides[d];
    logSum[index] += Math.log(p.seconds);
    count[index] += 1;
  }
  const log = new Float64Array(size).fill(Number.NaN);
  let measuredCells = 0;
  for (let i = 0; i < size; i++) {
    if (count[i] > 0) {
      log[i] = logSum[i] / count[i];
      measuredCells++;
    }
  }
  let missing = size - measuredCells;
  while (missing > 0) {
    const next = Float64Array.from(log);
    let filled = 0;
    for (let i = 0; i < size; i++) {
      if (!Number.isNaN(log[i])) continue;
      let sum = 0;
      let n = 0;
      for (let d = 0; d < dims; d++) {
        const position = Math.floor(i / strides[d]) % axes[d].length;
        if (position > 0 && !Number.isNaN(log[i - strides[d]])) {
          sum += log[i - strides[d]];
          n++;
        }
        if (position < axes[d].length - 1 && !Number.isNaN(log[i + strides[d]])) {
          sum += log[i + strides[d]];
          n++;
        }
      }
      if (n > 0) {
        next[i] = sum / n;
        filled++;
      }
    }
    if (filled === 0) break;
    log.set(next);
    missing -= filled;
  }
  return {
    axes,
    latencySeconds: Array.from(log, (l) => Math.exp(l)),
    measuredCells,
    filledCells: size - measuredCells,
  };
}

/** Latency of a measured series at x: piecewise linear in log-log, held flat beyond its ends. */
export function interpolateSeries(series: readonly { x: number; seconds: number }[], x: number): number {
  // A size measured more than once takes the geometric mean of its latencies.
  const bySize = new Map<number, number[]>();
  for (const p of series) bySize.set(p.x, [...(bySize.get(p.x) ?? []), Math.log(p.seconds)]);
  const s = [...bySize].map(([size, logs]) => ({ x: size, seconds: Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length) })).sort((a, b) => a.x - b.x);
  if (s.length === 1) return s[0].seconds;
  if (x <= s[0].x) return s[0].seconds;
  if (x >= s[s.length - 1].x) return s[s.length - 1].seconds * (x / s[s.length - 1].x) ** logSlope(s[s.length - 2], s[s.length - 1]);
  let i = 0;
  while (s[i + 1].x < x) i++;
  const t = (Math.log(x) - Math.log(s[i].x)) / (Math.log(s[i + 1].x) - Math.log(s[i].x));
  return Math.exp((1 - t) * Math.log(s[i].seconds) + t * Math.log(s[i + 1].seconds));
}

function logSlope(a: { x: number; seconds: number }, b: { x: number; seconds: number }): number {
  return Math.max(0, Math.log(b.seconds / a.seconds) / Math.log(b.x / a.x));
}

/**
 * Weighted least squares for y ~ a + b x with a, b >= 0. The weight defaults to 1/y^2 (relative errors of y);
 * a fit of a residual passes 1/total^2 so that errors stay relative to the whole measured time.
 */
export function fitNonNegativeLine(points: readonly { x: number; y: number; weight?: number }[]): { a: number; b: number } {
  // Weighted normal equations, then the boundary solutions if a coefficient goes negative.
  let sw = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
  for (const { x, y, weight } of points) {
    const w = weight ?? 1 / (y * y);
    sw += w;
    sx += w * x;
    sxx += w * x * x;
    sy += w * y;
    sxy += w * x * y;
  }
  const det = sw * sxx - sx * sx;
  let a = det !== 0 ? (sy * sxx - sx * sxy) / det : sy / sw;
  let b = det !== 0 ? (sw * sxy - sx * sy) / det : 0;
  if (a < 0 || b < 0) {
    const onlyB = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
    const onlyA = Math.max(0, sy / sw);
    const loss = (aa: number, bb: number) => points.reduce((s, p) => s + (p.weight ?? 1 / (p.y * p.y)) * (aa + bb * p.x - p.y) ** 2, 0);
    [a, b] = loss(0, onlyB) <= loss(onlyA, 0) ? [0, onlyB] : [onlyA, 0];
  }
  return { a, b };
}

/**
 * Replaces measurement glitches: a cell whose efficiency (work / latency) is below `threshold` times the median
 * efficiency of its measured neighbours along every axis takes that median efficiency. Kernel tables hold a
 * few such cells (a GEMM four times slower than both a smaller and a larger one); interpolating through them
 * would price every nearby shape wrong. Returns the number of cells replaced.
 */
export function rejectSlowOutliers(grid: Grid, work: (coordinates: readonly number[]) => number, threshold = 0.5): number {
  const dims = grid.axes.length;
  const strides: number[] = [];
  let size = 1;
  for (let d = dims - 1; d >= 0; d--) {
    strides[d] = size;
    size *= grid.axes[d].length;
  }
  const coordinatesOf = (index: number) => grid.axes.map((axis, d) => axis[Math.floor(index / strides[d]) % axis.length]);
  const efficiency = grid.latencySeconds.map((s, i) => work(coordinatesOf(i)) / s);
  let replaced = 0;
  for (let i = 0; i < size; i++) {
    const neighbours: number[] = [];
    for (let d = 0; d < dims; d++) {
      const position = Math.floor(i / strides[d]) % grid.axes[d].length;
      if (position > 0) neighbours.push(efficiency[i - strides[d]]);
      if (position < grid.axes[d].length - 1) neighbours.push(efficiency[i + strides[d]]);
    }
    neighbours.sort((a, b) => a - b);
    const middle = neighbours.length % 2 ? neighbours[(neighbours.length - 1) / 2] : (neighbours[neighbours.length / 2 - 1] + neighbours[neighbours.length / 2]) / 2;
    if (efficiency[i] < threshold * middle) {
      grid.latencySeconds[i] = work(coordinatesOf(i)) / middle;
      replaced++;
    }
  }
  return replaced;
}
