import type { BenchmarkPoint } from './benchmark-point.ts';
import { summarizeLatencies } from './latency-stats.ts';

/** Everything that says what was measured (not the measurement itself): points equal here are repeats. */
function repeatKey(p: BenchmarkPoint): string {
  return JSON.stringify([
    p.phase, p.model, p.xpu, p.tp, p.pp, p.dtype, p.batchSize, p.inputLen, p.contextLen, p.outputLen,
    p.engine, p.engineVersion ?? null, p.source,
  ]);
}

/**
 * Repeats of the same measurement folded into one point: `latencyMs` is the median of the repeats'
 * `latencyMs`, `repeats` their summed count, `spread` mean/std/min/max/percentiles over them (min and max
 * also honour spreads the inputs already carried). Each input point counts as one sample, so feed it
 * single measurements (raw data) for a true median. The latest date is kept (the data is as recent as its
 * newest repeat); distinct notes are joined. Groups keep the order of their first point.
 */
export function aggregateRepeats(points: readonly BenchmarkPoint[]): BenchmarkPoint[] {
  const groups = new Map<string, BenchmarkPoint[]>();
  for (const p of points) {
    const key = repeatKey(p);
    const group = groups.get(key);
    if (group) group.push(p);
    else groups.set(key, [p]);
  }
  const out: BenchmarkPoint[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    if (group.length === 1) {
      // Alone, a point keeps whatever spread it already had (a file that reported its own statistics).
      out.push(first);
      continue;
    }
    const { medianMs, spread } = summarizeLatencies(group.map((p) => p.latencyMs));
    let minMs = spread.minMs ?? medianMs;
    let maxMs = spread.maxMs ?? medianMs;
    for (const p of group) {
      if (p.spread?.minMs !== undefined) minMs = Math.min(minMs, p.spread.minMs);
      if (p.spread?.maxMs !== undefined) maxMs = Math.max(maxMs, p.spread.maxMs);
    }
    const dates = group.map((p) => p.date).filter((d): d is string => d !== undefined).sort();
    const notes = [...new Set(group.map((p) => p.notes).filter((n): n is string => n !== undefined))];
    const point: BenchmarkPoint = {
      ...first,
      latencyMs: medianMs,
      repeats: group.reduce((s, p) => s + p.repeats, 0),
      spread: { ...spread, minMs, maxMs },
    };
    if (dates.length > 0) point.date = dates[dates.length - 1];
    if (notes.length > 0) point.notes = notes.join(' | ');
    out.push(point);
  }
  return out;
}
