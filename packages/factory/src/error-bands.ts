import { findXpu } from '@llm-sim/roofline';
import { z } from 'zod';
import shipped from './error-bands.json' with { type: 'json' };
import type { ValidationReport } from './validate.ts';

/** How the shipped bands were made; the same command rewrites them. */
export const ERROR_BANDS_COMMAND = 'llm-sim validate --split validation --write-error-bands packages/factory/src/error-bands.json';

/** How far one performance model's predictions fell from the validation set's measurements on one xpu. */
export const ErrorBandSchema = z.strictObject({
  performance_model: z.string(),
  xpu: z.string(),
  /** Validation cases behind the band. */
  cases: z.number().int().positive(),
  /** Mean absolute error in percent: the band, ±. */
  mape_pct: z.number().nonnegative(),
  /** Mean signed error in percent, (predicted - measured) / measured in each case's own metric: a hint of the bias. */
  mean_signed_pct: z.number(),
  max_abs_pct: z.number().nonnegative(),
});
/** How far one performance model's predictions fell from the validation set on one xpu (see `ErrorBandSchema`). */
export type ErrorBand = z.infer<typeof ErrorBandSchema>;

/** The error bands file: the command that made it, and one band per performance model and xpu. */
export const ErrorBandsSchema = z.strictObject({ generated_by: z.string(), bands: z.array(ErrorBandSchema) });
/** The error bands file (see `ErrorBandsSchema`). */
export type ErrorBands = z.infer<typeof ErrorBandsSchema>;

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The bands of a validation run: one per performance model and xpu it predicted validation cases on. */
export function computeErrorBands(report: ValidationReport): ErrorBands {
  const bands: ErrorBand[] = [];
  for (const model of report.performance_models) {
    const byXpu = new Map<string, number[]>();
    for (const c of report.cases) {
      const e = c.error_pct[model];
      if (c.split !== 'validation' || e === undefined) continue;
      byXpu.set(c.xpu, [...(byXpu.get(c.xpu) ?? []), e]);
    }
    for (const [xpu, errors] of [...byXpu].sort(([a], [b]) => a.localeCompare(b))) {
      bands.push({
        performance_model: model,
        xpu,
        cases: errors.length,
        mape_pct: round1(errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length),
        mean_signed_pct: round1(errors.reduce((s, e) => s + e, 0) / errors.length),
        max_abs_pct: round1(Math.max(...errors.map(Math.abs))),
      });
    }
  }
  return { generated_by: ERROR_BANDS_COMMAND, bands };
}

const SHIPPED: ErrorBands = ErrorBandsSchema.parse(shipped);

/** What the shipped validation says about a prediction of this performance model on this xpu. */
export interface ErrorBandReport {
  readonly performance_model: string;
  readonly xpu: string;
  /** Null when the validation set has no run of this model on this xpu. */
  readonly band: ErrorBand | null;
  /** One sentence for people: "typically within ±9.1% (mean absolute error over 7 validated h100-sxm runs)". */
  readonly text: string;
}

/** `xpu` may be a catalog alias (`h100`); a custom xpu file's name has no validated runs. */
export function errorBandFor(performanceModel: string, xpuNameOrAlias: string, bands: ErrorBands = SHIPPED): ErrorBandReport {
  const xpu = findXpu(xpuNameOrAlias)?.name ?? xpuNameOrAlias;
  const band = bands.bands.find((b) => b.performance_model === performanceModel && b.xpu === xpu) ?? null;
  const text = band
    ? `typically within ±${band.mape_pct.toFixed(1)}% (mean absolute error of ${performanceModel} over ${band.cases} validated ${xpu} run${band.cases === 1 ? '' : 's'}; worst ${band.max_abs_pct.toFixed(1)}%)`
    : `no validated ${xpu} runs for ${performanceModel}: accuracy on this xpu is unknown`;
  return { performance_model: performanceModel, xpu, band, text };
}
