import { ROBUST_LOSS_SCALE, type FitResult, type PhaseFit } from './estimator.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

function phaseTable(f: PhaseFit): string {
  let out = `${f.phase}: effective ${(f.figures.flopsPerSecond / 1e12).toFixed(1)} TFLOP/s, ${(f.figures.bandwidthBytesPerSecond / 1e9).toFixed(0)} GB/s, overhead ${(f.figures.overheadSeconds * 1000).toFixed(3)} ms\n`;
  out += `  MAPE ${pct(f.mape)}, max error ${pct(f.maxAbsoluteRelativeError)}, R^2 ${f.r2.toFixed(4)}, ${f.points.length} points (${f.computeBoundPoints} compute-bound, ${f.memoryBoundPoints} memory-bound)\n`;
  for (const note of [...f.unidentified.map((u) => `${u} not identified (kept at the peak)`), ...f.constraintsHit, ...f.outliers.map((o) => `outlier (error above ${Math.round(300 * ROBUST_LOSS_SCALE)}%): ${o}`)]) out += `  note: ${note}\n`;
  out += `  ${'point'.padEnd(34)}${'measured ms'.padStart(13)}${'predicted ms'.padStart(14)}${'error'.padStart(9)}  bound\n`;
  for (const p of f.points) {
    out += `  ${p.label.padEnd(34)}${(p.measuredSeconds * 1000).toFixed(3).padStart(13)}${(p.predictedSeconds * 1000).toFixed(3).padStart(14)}${pct(p.relativeError).padStart(9)}  ${p.regime}\n`;
  }
  return out;
}

/** A readable fit report: figures, quality, and every point's measured and predicted time. */
export function formatFitReport(fit: FitResult): string {
  let out = `ridge point ${fit.ridgePointFlopsPerByte.toFixed(1)} FLOP/byte\n`;
  if (fit.prefill) out += phaseTable(fit.prefill);
  if (fit.decode) out += phaseTable(fit.decode);
  if (fit.excluded.length > 0) {
    out += `excluded ${fit.excluded.length} point(s):\n`;
    for (const e of fit.excluded) out += `  ${e.label}: ${e.reason}\n`;
  }
  return out;
}
