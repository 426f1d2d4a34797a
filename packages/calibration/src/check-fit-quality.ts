import { CalibrationError } from './errors.ts';
import type { FitResult } from './estimator.ts';

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/**
 * Throws FIT_TOO_POOR when a phase's MAPE exceeds `maxMape` (a fraction), naming the phase, its MAPE and its
 * worst point: a calibration job refuses to write a file that would mislead.
 */
export function checkFitQuality(fit: FitResult, { maxMape }: { readonly maxMape: number }): void {
  const poor: string[] = [];
  for (const phase of [fit.prefill, fit.decode]) {
    if (!phase || phase.mape <= maxMape) continue;
    const worst = phase.points.reduce((a, b) => (Math.abs(b.relativeError) > Math.abs(a.relativeError) ? b : a));
    poor.push(`${phase.phase} MAPE ${pct(phase.mape)} (worst: ${worst.label}, ${pct(worst.relativeError)})`);
  }
  if (poor.length > 0) {
    throw new CalibrationError('FIT_TOO_POOR', `the fit is worse than the allowed MAPE ${pct(maxMape)}: ${poor.join('; ')}`);
  }
}
