import * as z from 'zod/mini';
import { RooflineError, formatIssues } from './errors.ts';
import type { ModelSpec } from './model-spec.ts';
import { ENGLISH_ISSUES } from './english-issues.ts';

const degree = z.int().check(z.positive());

/**
 * How one model instance is split: tensor, pipeline and expert parallel degrees, and vLLM's data-parallel size.
 *
 * For a mixture-of-experts model `dp` ranks form one engine group, as vLLM runs them (`--data-parallel-size`):
 * each rank runs attention (tp-way) on its own sequences with its own KV cache, and the MoE layers of all ranks
 * run together over the tp x dp devices, steps in lockstep. `ep` is the number of devices the routed experts are
 * spread over whole (vLLM's `--enable-expert-parallel` sets it to tp x dp); ep = 1 slices every expert over the
 * tp x dp devices (vLLM's FusedMoE flattens tp x dp into its tensor-parallel size when EP is off). For a dense
 * model dp ranks are independent replicas, which the serving layer simulates as replicas; the roofline refuses
 * dp > 1 there.
 */
export const ParallelismSpecSchema = z.object({
  tp: z._default(degree, 1),
  pp: z._default(degree, 1),
  ep: z._default(degree, 1),
  dp: z._default(degree, 1),
});
/** How one model instance is split: tensor, pipeline and expert parallel degrees, and data-parallel attention. */
export type ParallelismSpec = z.infer<typeof ParallelismSpecSchema>;

/** No parallelism: the whole model on one device. */
export const SINGLE_DEVICE: ParallelismSpec = { tp: 1, pp: 1, ep: 1, dp: 1 };

/** Devices one model instance spans: tp x pp, times dp for a mixture-of-experts engine group. */
export function devicesPerInstance(p: ParallelismSpec): number {
  return p.tp * p.pp * p.dp;
}

/** Devices the MoE layers of one pipeline stage spread over: every tensor-parallel rank of every data-parallel rank. */
export function moeDevices(p: ParallelismSpec): number {
  return p.tp * p.dp;
}

/** vLLM's `--enable-expert-parallel`: experts spread over all tp x dp devices. */
export function expertParallelOf(p: Pick<ParallelismSpec, 'tp' | 'dp'>): number {
  return p.tp * p.dp;
}

/** KV heads each tensor-parallel rank holds: when tp exceeds the KV heads, vLLM replicates them. */
export function kvHeadsPerDevice(model: ModelSpec, tp: number): number {
  return Math.max(1, model.numKeyValueHeads / tp);
}

/** Checks that the model can be split this way, with errors that say what to change. */
export function validateParallelism(model: ModelSpec, input: Partial<ParallelismSpec>): ParallelismSpec {
  const parsed = ParallelismSpecSchema.safeParse(input, ENGLISH_ISSUES);
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
  if (p.dp > 1 && model.numExperts === 0) {
    throw new RooflineError(
      'INVALID_PARALLELISM',
      `dp=${p.dp} couples data-parallel ranks of a mixture-of-experts model; ${model.name} is dense, so its data-parallel ranks are replicas (num_replicas)`,
    );
  }
  if (p.ep > 1) {
    if (model.numExperts === 0) {
      throw new RooflineError('INVALID_PARALLELISM', `ep=${p.ep} needs a mixture-of-experts model; ${model.name} is dense`);
    }
    if (model.numExperts % p.ep !== 0) {
      throw new RooflineError('INVALID_PARALLELISM', `ep=${p.ep} does not divide ${model.name}'s ${model.numExperts} experts`);
    }
    const devices = moeDevices(p);
    if (devices % p.ep !== 0) {
      throw new RooflineError(
        'INVALID_PARALLELISM',
        `ep=${p.ep} does not divide the tp x dp = ${devices} devices the experts spread over (vLLM's --enable-expert-parallel uses ep = ${devices})`,
      );
    }
  }
  return p;
}

/** "tp=8 pp=1", with " dp=8 ep=64" where they are not 1: how outputs name a deployment. */
export function describeParallelism(p: ParallelismSpec): string {
  return `tp=${p.tp} pp=${p.pp}${p.dp > 1 ? ` dp=${p.dp}` : ''}${p.ep > 1 ? ` ep=${p.ep}` : ''}`;
}
