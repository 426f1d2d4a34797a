import type { ModelSpec, XpuSpec } from '@llm-sim/roofline';
import type { PerformanceModel, SchedulerConfig } from '@llm-sim/simulator';
import { z } from 'zod';
import { FactoryError } from './errors.ts';
import type { ReadTextFile } from './file-access.ts';
import { createPerformanceModel } from './performance-model.ts';
import { resolveModel } from './specs.ts';

/**
 * vLLM's `--speculative-config` JSON (v0.11 `vllm/config/speculative.py`): `method` (ngram, eagle,
 * eagle3, mtp, draft_model; a `model` alone means a draft model), `num_speculative_tokens`, `model`,
 * and vLLM's other keys, kept and ignored. A simulator cannot know how often drafts are accepted, so
 * one more key says it: `acceptance_rate` (each draft accepted with this probability once the ones
 * before it were) or `per_position_acceptance_rate` (vLLM's per-position metric: the share of steps
 * whose draft i was accepted, non-increasing).
 */
export const SpeculativeConfigSchema = z
  .looseObject({
    method: z.enum(['ngram', 'eagle', 'eagle3', 'mtp', 'draft_model']).optional(),
    model: z.string().min(1).optional(),
    num_speculative_tokens: z.number().int().positive().max(32),
    acceptance_rate: z.number().min(0).max(1).optional(),
    per_position_acceptance_rate: z.array(z.number().min(0).max(1)).min(1).optional(),
  })
  .refine((c) => (c.acceptance_rate === undefined) !== (c.per_position_acceptance_rate === undefined), {
    message: 'give acceptance_rate or per_position_acceptance_rate (how often drafts are accepted), one of them',
    path: ['acceptance_rate'],
  })
  .refine((c) => c.per_position_acceptance_rate === undefined || c.per_position_acceptance_rate.length === c.num_speculative_tokens, {
    message: 'per_position_acceptance_rate needs one rate per speculative token',
    path: ['per_position_acceptance_rate'],
  })
  .refine((c) => (c.per_position_acceptance_rate ?? []).every((r, i, all) => i === 0 || r <= all[i - 1]), {
    message: 'per_position_acceptance_rate must not increase: draft i is accepted only when the ones before it were',
    path: ['per_position_acceptance_rate'],
  })
  .refine((c) => (c.method ?? (c.model ? 'draft_model' : undefined)) !== undefined, {
    message: "say the method (ngram, eagle, eagle3, mtp, draft_model) or give a draft 'model'",
    path: ['method'],
  })
  .refine((c) => (c.method ?? 'draft_model') !== 'draft_model' || c.model !== undefined, {
    message: "method 'draft_model' needs 'model' (a catalog name or a config.json path)",
    path: ['model'],
  });
export type SpeculativeConfig = z.infer<typeof SpeculativeConfigSchema>;

/** The conditional acceptance probability of each draft position. */
export function acceptanceProbabilities(c: SpeculativeConfig): number[] {
  if (c.acceptance_rate !== undefined) return new Array<number>(c.num_speculative_tokens).fill(c.acceptance_rate);
  const rates = c.per_position_acceptance_rate!;
  return rates.map((r, i) => (i === 0 ? r : rates[i - 1] > 0 ? r / rates[i - 1] : 0));
}

export interface Speculation {
  readonly speculative: NonNullable<SchedulerConfig['speculative']>;
  /** Prices drafting one token for a batch; undefined for n-gram (drafted on the CPU). */
  readonly proposer?: PerformanceModel;
  readonly method: string;
}

/**
 * The simulator's speculative decoding from the config: the draws' probabilities and seed, and the
 * proposer priced by the spec-sheet roofline on the same devices and TP: a draft model as a whole
 * model, an EAGLE/EAGLE-3 or MTP head as one decoder layer of the target (with its embedding and
 * lm_head), n-gram as free. The draft model's weights are not taken from the KV cache's memory.
 */
export async function resolveSpeculation(
  c: SpeculativeConfig,
  target: ModelSpec,
  xpu: XpuSpec,
  options: { readonly tp: number; readonly seed: number; readonly readTextFile: ReadTextFile },
): Promise<Speculation> {
  const method = c.method ?? 'draft_model';
  const speculative = { numSpeculativeTokens: c.num_speculative_tokens, acceptanceProbabilities: acceptanceProbabilities(c), seed: options.seed };
  if (method === 'ngram') return { speculative, method };
  let proposerModel: ModelSpec;
  if (method === 'draft_model') {
    proposerModel = await resolveModel(c.model!, options.readTextFile);
  } else {
    proposerModel = { ...target, name: `${target.name} ${method} head`, numLayers: 1, firstDenseLayers: Math.min(target.firstDenseLayers, 1), windowedLayers: 0 };
  }
  try {
    const proposer = await createPerformanceModel('roofline', { model: proposerModel, xpu, parallelism: { tp: options.tp }, readTextFile: options.readTextFile });
    return { speculative, proposer, method };
  } catch (error) {
    throw new FactoryError('INVALID_CONFIG', `speculative_config: cannot price the ${method} proposer: ${error instanceof Error ? error.message : String(error)}`);
  }
}
