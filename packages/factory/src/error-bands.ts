import { findXpu, isMla, isMoe, type ModelSpec } from '@llm-sim/roofline';
import { z } from 'zod';
import shipped from './error-bands.json' with { type: 'json' };
import type { ValidationReport } from './validate.ts';

/** How the shipped bands were made; the same command rewrites them. */
export const ERROR_BANDS_COMMAND = 'llm-sim validate --split validation --write-error-bands packages/factory/src/error-bands.json';

/**
 * What kind of model a band speaks for. The error of a prediction depends on which operators dominate it: a dense
 * model's GEMMs and attention are priced from measured kernels, while routed experts and latent attention fall back
 * to the spec roofline; a band measured on one kind says nothing about the other.
 */
export const MODEL_CLASSES = ['dense', 'moe', 'mla', 'moe-mla'] as const;
/** Validates a `ModelClass` (see `MODEL_CLASSES`). */
export const ModelClassSchema = z.enum(MODEL_CLASSES);
/** What kind of model a band speaks for: dense or MoE, with or without MLA attention (see `MODEL_CLASSES`). */
export type ModelClass = z.infer<typeof ModelClassSchema>;

const CLASS_WORDS: Record<ModelClass, string> = {
  dense: 'dense models',
  moe: 'MoE models',
  mla: 'dense models with MLA attention',
  'moe-mla': 'MoE models with MLA attention',
};

/** The kind of a model (see `ModelClass`): routed experts make it `moe`, latent attention `mla`, both `moe-mla`. */
export function modelClassOf(model: ModelSpec): ModelClass {
  if (isMoe(model)) return isMla(model) ? 'moe-mla' : 'moe';
  return isMla(model) ? 'mla' : 'dense';
}

/** How far one performance model's predictions fell from the validation set's measurements on one xpu, for one class of model. */
export const ErrorBandSchema = z.strictObject({
  performance_model: z.string(),
  xpu: z.string(),
  model_class: ModelClassSchema,
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

/** The bands of a validation run: one per performance model, xpu and model class it predicted validation cases of. */
export function computeErrorBands(report: ValidationReport): ErrorBands {
  const bands: ErrorBand[] = [];
  for (const model of report.performance_models) {
    const groups = new Map<string, { xpu: string; model_class: ModelClass; errors: number[] }>();
    for (const c of report.cases) {
      const e = c.error_pct[model];
      if (c.split !== 'validation' || e === undefined) continue;
      const key = `${c.xpu}\u0000${c.model_class}`;
      const group = groups.get(key) ?? { xpu: c.xpu, model_class: c.model_class, errors: [] };
      group.errors.push(e);
      groups.set(key, group);
    }
    const ordered = [...groups.values()].sort((a, b) => a.xpu.localeCompare(b.xpu) || MODEL_CLASSES.indexOf(a.model_class) - MODEL_CLASSES.indexOf(b.model_class));
    for (const { xpu, model_class, errors } of ordered) {
      bands.push({
        performance_model: model,
        xpu,
        model_class,
        cases: errors.length,
        mape_pct: round1(errors.reduce((s, e) => s + Math.abs(e), 0) / errors.length),
        mean_signed_pct: round1(errors.reduce((s, e) => s + e, 0) / errors.length),
        max_abs_pct: round1(Math.max(...errors.map(Math.abs))),
      });
    }
  }
  return { generated_by: ERROR_BANDS_COMMAND, bands };
}

// Parsed on first use, so that `llm-sim validate --write-error-bands` can still rewrite a file of an older shape.
let shippedBands: ErrorBands | undefined;
const shippedErrorBands = (): ErrorBands => (shippedBands ??= ErrorBandsSchema.parse(shipped));

/** What the shipped validation says about a prediction of this performance model, on this xpu, for this class of model. */
export interface ErrorBandReport {
  readonly performance_model: string;
  readonly xpu: string;
  readonly model_class: ModelClass;
  /** Null when the validation set has no run of this class of model on this xpu with this performance model: no other band stands in. */
  readonly band: ErrorBand | null;
  /**
   * Only when `band` is null: the bands that come closest, for orientation and not as this prediction's band: other
   * classes of model on this xpu, then this class on other xpus (most validated runs first).
   */
  readonly nearest: readonly ErrorBand[];
  /** One sentence for people: "typically within ±9.1% (mean absolute error of vllm_roofline over 7 validated runs of dense models on h100-sxm; worst 69.7%)". */
  readonly text: string;
}

const runs = (n: number) => `${n} run${n === 1 ? '' : 's'}`;

/** `xpu` may be a catalog alias (`h100`); a custom xpu file's name has no validated runs. */
export function errorBandFor(performanceModel: string, xpuNameOrAlias: string, modelClass: ModelClass, bands: ErrorBands = shippedErrorBands()): ErrorBandReport {
  const xpu = findXpu(xpuNameOrAlias)?.name ?? xpuNameOrAlias;
  const ofModel = bands.bands.filter((b) => b.performance_model === performanceModel);
  const band = ofModel.find((b) => b.xpu === xpu && b.model_class === modelClass) ?? null;
  const what = CLASS_WORDS[modelClass];
  if (band) {
    const text = `typically within ±${band.mape_pct.toFixed(1)}% (mean absolute error of ${performanceModel} over ${band.cases} validated run${band.cases === 1 ? '' : 's'} of ${what} on ${xpu}; worst ${band.max_abs_pct.toFixed(1)}%)`;
    return { performance_model: performanceModel, xpu, model_class: modelClass, band, nearest: [], text };
  }
  const nearest = [
    ...ofModel.filter((b) => b.xpu === xpu),
    ...ofModel.filter((b) => b.xpu !== xpu && b.model_class === modelClass).sort((a, b) => b.cases - a.cases || a.xpu.localeCompare(b.xpu)),
  ];
  const near = nearest.map((b) => `${CLASS_WORDS[b.model_class]} on ${b.xpu} ±${b.mape_pct.toFixed(1)}% over ${runs(b.cases)}`);
  const text =
    `no validated runs of ${what} on ${xpu} for ${performanceModel}: accuracy unknown` +
    (near.length > 0 ? `; nearest (not a band for this prediction): ${near.join('; ')}` : '');
  return { performance_model: performanceModel, xpu, model_class: modelClass, band: null, nearest, text };
}
