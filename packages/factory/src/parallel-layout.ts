import { expertParallelOf, validateParallelism, type ModelSpec, type ParallelismSpec } from '@llm-sim/roofline';
import { FactoryError } from './errors.ts';

/** The parallelism settings a config or the CLI gives, as vLLM's flags name them. */
export interface ParallelismRequest {
  readonly tp: number;
  readonly pp: number;
  /** Devices the routed experts are spread over whole (`--ep`); 1 slices them. */
  readonly ep?: number;
  /** vLLM's `--data-parallel-size`. */
  readonly dp?: number;
  /** vLLM's `--enable-expert-parallel`: ep = tp x dp. */
  readonly enableExpertParallel?: boolean;
}

/** How vLLM lays a model out: one simulated instance's parallelism and the replicas data parallelism adds. */
export interface ParallelLayout {
  /** One simulated instance: for a MoE model all dp ranks together (they step in lockstep). */
  readonly parallelism: ParallelismSpec;
  /** Independent copies the data-parallel size adds: dp for a dense model (its ranks never talk), else 1. */
  readonly dataParallelReplicas: number;
}

/**
 * How vLLM lays a model out for these flags. A MoE model's data-parallel ranks form one engine group (attention per
 * rank, experts over all tp x dp devices); a dense model's are independent replicas. `--enable-expert-parallel`
 * sets ep = tp x dp, as vLLM does (FusedMoEParallelConfig); an explicit ep that disagrees with it is refused.
 * vLLM ignores the flag on a dense model, and so does this.
 */
export function resolveParallelLayout(model: ModelSpec, request: ParallelismRequest): ParallelLayout {
  const dp = request.dp ?? 1;
  const moe = model.numExperts > 0;
  let ep = request.ep ?? 1;
  if (request.enableExpertParallel && moe) {
    const implied = expertParallelOf({ tp: request.tp, dp });
    if (request.ep !== undefined && request.ep !== 1 && request.ep !== implied) {
      throw new FactoryError(
        'INVALID_CONFIG',
        `parallelism.ep=${request.ep} disagrees with enable_expert_parallel, which spreads the experts over tp x dp = ${implied} devices; give one of them`,
      );
    }
    ep = implied;
  }
  const parallelism = validateParallelism(model, { tp: request.tp, pp: request.pp, ep, dp: moe ? dp : 1 });
  return { parallelism, dataParallelReplicas: moe ? 1 : dp };
}
