import type { ReplicaLoad, Router } from './router.ts';
import { createRouter, type RouterName } from './routers.ts';

/**
 * The pair of choices of a disaggregated cluster: which prefill instance computes a request's prompt
 * (asked when it arrives) and which decode instance generates its output (asked when its prompt is
 * computed, so the choice sees the decode pool as it is then). Decode loads count the requests
 * already routed to an instance whose KV cache is still waiting or in transfer.
 */
export interface DisaggregatedRouter {
  readonly name: string;
  /** The prefill instance for a newly arrived request, given the prefill instances' loads. */
  routePrefill(requestIndex: number, prefillLoads: readonly ReplicaLoad[]): number;
  /** The decode instance for a request whose prefill finished on `prefillInstance`, given the decode instances' loads. */
  routeDecode(requestIndex: number, decodeLoads: readonly ReplicaLoad[], prefillInstance: number): number;
}

/** A disaggregated router from one router per pool (a built-in name or any `Router`); a single name serves both. */
export function createDisaggregatedRouter(
  prefill: RouterName | Router = 'round-robin',
  decode: RouterName | Router = typeof prefill === 'string' ? prefill : 'round-robin',
): DisaggregatedRouter {
  const p = typeof prefill === 'string' ? createRouter(prefill) : prefill;
  const d = typeof decode === 'string' ? createRouter(decode) : decode;
  return {
    name: p.name === d.name ? p.name : `${p.name}/${d.name}`,
    routePrefill: (requestIndex, loads) => p.route(requestIndex, loads),
    routeDecode: (requestIndex, loads) => d.route(requestIndex, loads),
  };
}
