/**
 * Where an arriving request goes. A router sees, per replica, what it needs to decide and nothing else.
 */
export interface ReplicaLoad {
  /** Requests routed to the replica and not finished (waiting or running). */
  readonly outstandingRequests: number;
  /** Share of the replica's KV-cache blocks in use, in [0, 1]. */
  readonly kvCacheUtilization: number;
  readonly waitingRequests: number;
  readonly runningRequests: number;
}

/**
 * Picks the replica for each new request. One router instance serves one simulation (it may keep
 * state, e.g. a round-robin cursor). A disaggregated cluster would route to a prefill pool with the
 * same interface.
 */
export interface Router {
  readonly name: string;
  /** Picks a replica index for request `requestIndex`; `loads` has one entry per replica. */
  route(requestIndex: number, loads: readonly ReplicaLoad[]): number;
}

function argmin(loads: readonly ReplicaLoad[], key: (l: ReplicaLoad) => number): number {
  let best = 0;
  for (let i = 1; i < loads.length; i++) if (key(loads[i]) < key(loads[best])) best = i;
  return best;
}

/** A router that sends request i to replica i mod N, whatever their load. */
export function createRoundRobinRouter(): Router {
  let next = 0;
  return {
    name: 'round-robin',
    route(_request, loads) {
      const r = next % loads.length;
      next = r + 1;
      return r;
    },
  };
}

/** The replica with the fewest requests waiting or running; ties go to the lowest index. */
export function createLeastOutstandingRouter(): Router {
  return { name: 'least-outstanding', route: (_request, loads) => argmin(loads, (l) => l.outstandingRequests) };
}

/** The replica with the emptiest KV cache; ties by fewer waiting requests, then the lowest index. */
export function createLeastKvCacheRouter(): Router {
  return {
    name: 'least-kv-cache',
    route: (_request, loads) => argmin(loads, (l) => l.kvCacheUtilization + l.waitingRequests * 1e-9),
  };
}
