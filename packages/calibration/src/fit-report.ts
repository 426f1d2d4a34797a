import type { FigureIdentification, FitResult, Identification, PhaseFit } from './estimator.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const signedPct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
const ms = (seconds: number) => (seconds * 1000).toFixed(3);

const STATUS: Record<Identification, string> = { identified: 'determined by the data', 'weakly-identified': 'WEAKLY IDENTIFIED', unidentified: 'UNIDENTIFIED' };

function identificationLine(name: string, id: FigureIdentification): string {
  const by = id.points.length === 0 ? 'no point' : id.points.length <= 3 ? id.points.join(', ') : `${id.points.length} points`;
  return `  ${name}: ${STATUS[id.status]} (mostly ${name === 'FLOP/s' ? 'compute' : 'memory'}-bound${id.held && id.status === 'weakly-identified' ? ' at the unconstrained fit' : ''}: ${by})${id.held ? ', set by the default rule' : ''}`;
}

function summary(f: PhaseFit): string[] {
  const lines = [
    `${f.phase}: effective ${(f.figures.flopsPerSecond / 1e12).toFixed(1)} TFLOP/s, ${(f.figures.bandwidthBytesPerSecond / 1e9).toFixed(0)} GB/s, overhead ${ms(f.figures.overheadSeconds)} ms (fitted ridge ${f.fittedRidgeFlopsPerByte.toFixed(1)} FLOP/byte)`,
    `  ${f.points.length} points (${f.computeBoundPoints} compute-bound, ${f.memoryBoundPoints} memory-bound at the fitted figures), MAPE ${pct(f.mape)}, max error ${pct(f.maxAbsoluteRelativeError)}, R^2 ${f.r2.toFixed(4)}`,
    identificationLine('FLOP/s', f.identification.flops),
    identificationLine('bandwidth', f.identification.bandwidth),
  ];
  for (const note of f.notes) lines.push(`  note: ${note}`);
  return lines;
}

/**
 * The fit as text: each phase's figures and quality, then one table row per point (point, phase, measured
 * ms, predicted ms, error %, bound at the fitted figures), then the excluded points and why.
 */
export function formatFitReport(fit: FitResult): string {
  const phases = [fit.prefill, fit.decode].filter((f): f is PhaseFit => f !== undefined);
  const lines = [`spec ridge point ${fit.ridgePointFlopsPerByte.toFixed(1)} FLOP/byte (peak ${(fit.peak.peakFlopsPerSecond / 1e12).toFixed(1)} TFLOP/s, ${(fit.peak.peakBandwidthBytesPerSecond / 1e9).toFixed(0)} GB/s)`];
  if (phases.length === 0) lines.push('no usable point: nothing was fitted');
  for (const f of phases) lines.push(...summary(f));
  const rows = phases.flatMap((f) => f.points).map((p) => [p.label, p.phase, ms(p.measuredSeconds), ms(p.predictedSeconds), signedPct(p.relativeError), p.regime]);
  if (rows.length > 0) {
    const header = ['point', 'phase', 'measured ms', 'predicted ms', 'error %', 'bound'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    // Text columns left-aligned, numbers right-aligned so that their decimal points line up.
    const rightAligned = [false, false, true, true, true, false];
    const format = (r: string[]) => r.map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
    lines.push('', format(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(format));
  }
  if (fit.excluded.length > 0) {
    lines.push('', `excluded ${fit.excluded.length} point(s):`);
    for (const e of fit.excluded) lines.push(`  ${e.label}: ${e.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
