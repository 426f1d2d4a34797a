import { z } from 'zod';
import { RooflineError, formatIssues } from './errors.ts';
import type { ModelSpec } from './model-spec.ts';

const degree = z.number().int().positive();

/** How one model instance is split: tensor, pipeline and expert parallel degrees; dp counts replicas. */
export const ParallelismSpecSchema = z.object({
  tp: degree.default(1),
  pp: degree.default(1),
  ep: degree.default(1),
  dp: degree.default(1),
});
export type ParallelismSpec = z.infer<typeof ParallelismSpecSchema>;

export const SINGLE_DEVICE: ParallelismSpec = { tp: 1, pp: 1, ep: 1, dp: 1 };

/** Devices one model instance spans (dp replicas are separate instances). */
export function devicesPerInstance(p: ParallelismSpec): number {
  return p.tp * p.pp;
}

/** KV heads each tensor-parallel rank holds: when tp exceeds the KV heads, vLLM replicates them. */
export function kvHeadsPerDevice(model: ModelSpec, tp: number): number {
  return Math.max(1, model.numKeyValueHeads / tp);
}

/** Checks that the model can be split this way, with errors that say what to change. */
export function validateParallelism(model: ModelSpec, input: Partial<ParallelismSpec>): ParallelismSpec {
  const parsed = ParallelismSpecSchema.safeParse(input);
  if (!parsed.success) {
    throw new RooflineError('INVALID_PARALLELISM', `invalid parallelism: ${formatIssues(parsed.error.issues)}`);
  }
  const p = parsed.data;
  if (model.numAttentionHeads % p.tp !== 0) {
    throw new RooflineError(
      'INVALID_PARALLELISM',
      `tp=${p.tp} does not divide ${model.name}'s ${model.numAttentionHeads} attention heads`,
    );
  }
  const kv = model.numKeyValueHeads;
  if (kv >= p.tp ? kv % p.tp !== 0 : p.tp % kv !== 0) {
    throw new RooflineError(
      'INVALID_PARALLELISM',
      `tp=${p.tp} and ${model.name}'s ${kv} KV heads: one must divide the other`,
    );
  }
  if (p.pp > model.numLayers) {
    throw new RooflineError('INVALID_PARALLELISM', `pp=${p.pp} exceeds ${model.name}'s ${model.numLayers} layers`);
  }
  if (p.ep > 1) {
    if (model.numExperts === 0) {
      throw new RooflineError('INVALID_PARALLELISM', `ep=${p.ep} needs a mixture-of-experts model; ${model.name} is dense`);
    }
    if (model.numExperts % p.ep !== 0) {
      throw new RooflineError('INVALID_PARALLELISM', `ep=${p.ep} does not divide ${model.name}'s ${model.numExperts} experts`);
    }
    if (p.ep > p.tp) {
      throw new RooflineError('INVALID_PARALLELISM', `ep=${p.ep} exceeds tp=${p.tp}: experts are spread over the tensor-parallel group`);
    }
  }
  return p;
}
