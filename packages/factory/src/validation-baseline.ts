import { z } from 'zod';
import { FactoryError, formatIssues } from './errors.ts';
import type { ValidationReport } from './validate.ts';

/** How `llm-sim validate` wrote the committed baseline; the same command rewrites it. */
export const BASELINE_COMMAND = 'llm-sim validate --split all --write-baseline benchmark_data/validation/baseline.json';

/**
 * The signed error (percent) of every case each performance model predicted, as committed. Per case, so that a
 * model that starts covering more cases (a new calibration) is compared on the cases both runs share.
 */
export const ValidationBaselineSchema = z.strictObject({
  generated_by: z.string(),
  /** Case id -> performance model -> signed error in percent, rounded to 0.01. */
  error_pct: z.record(z.string(), z.record(z.string(), z.number())),
  /** MAPE per performance model over every case it predicted, for people reading the file. */
  mape: z.record(z.string(), z.number().nullable()),
});
/** The committed baseline of validation errors (see `ValidationBaselineSchema`). */
export type ValidationBaseline = z.infer<typeof ValidationBaselineSchema>;

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The baseline of a validation run: each case's signed error and each model's MAPE, rounded to 0.01 percent. */
export function makeValidationBaseline(report: ValidationReport): ValidationBaseline {
  const errorPct: ValidationBaseline['error_pct'] = {};
  for (const c of report.cases) {
    const entries = Object.entries(c.error_pct).map(([model, e]) => [model, round2(e as number)] as const);
    if (entries.length > 0) errorPct[c.id] = Object.fromEntries(entries);
  }
  const mape = Object.fromEntries(Object.entries(report.mape).map(([model, m]) => [model, m === null || m === undefined ? null : round2(m)]));
  return { generated_by: BASELINE_COMMAND, error_pct: errorPct, mape };
}

/** Reads a baseline file's text; a `FactoryError` (`INVALID_CONFIG`) names `source` and the bad field. */
export function parseValidationBaseline(text: string, source: string): ValidationBaseline {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FactoryError('INVALID_CONFIG', `baseline '${source}' is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ValidationBaselineSchema.safeParse(json);
  if (!parsed.success) throw new FactoryError('INVALID_CONFIG', `baseline '${source}': ${formatIssues(parsed.error.issues)}`);
  return parsed.data;
}

/** One performance model's MAPE now and in the baseline, on the cases both predicted, and whether it regressed. */
export interface ModelComparison {
  readonly performance_model: string;
  /** Cases predicted both now and in the baseline. */
  readonly shared_cases: number;
  readonly baseline_mape: number | null;
  readonly current_mape: number | null;
  readonly regressed: boolean;
  /** Predicted now, not in the baseline (a model that learned a new xpu), and the reverse. */
  readonly new_cases: readonly string[];
  readonly lost_cases: readonly string[];
}

/**
 * Compares a run with the baseline, model by model, on the cases both predicted: a model regresses when its MAPE
 * there grows by more than `tolerancePp` percentage points, or when it no longer predicts a case it did.
 */
export function compareWithBaseline(report: ValidationReport, baseline: ValidationBaseline, tolerancePp: number): ModelComparison[] {
  return report.performance_models.map((model) => {
    const now = new Map(report.cases.flatMap((c) => (c.error_pct[model] === undefined ? [] : [[c.id, c.error_pct[model] as number] as const])));
    const before = new Map(Object.entries(baseline.error_pct).flatMap(([id, byModel]) => (byModel[model] === undefined ? [] : [[id, byModel[model]] as const])));
    const inRun = new Set(report.cases.map((c) => c.id));
    const shared = [...now.keys()].filter((id) => before.has(id));
    const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length);
    const currentMape = mean(shared.map((id) => now.get(id) as number));
    const baselineMape = mean(shared.map((id) => before.get(id) as number));
    const lost = [...before.keys()].filter((id) => inRun.has(id) && !now.has(id));
    return {
      performance_model: model,
      shared_cases: shared.length,
      baseline_mape: baselineMape,
      current_mape: currentMape,
      regressed: lost.length > 0 || (currentMape !== null && baselineMape !== null && currentMape > baselineMape + tolerancePp),
      new_cases: [...now.keys()].filter((id) => !before.has(id)),
      lost_cases: lost,
    };
  });
}
