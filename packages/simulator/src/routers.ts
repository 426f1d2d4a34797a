/**
 * Where an arriving request goes. A router sees, per replica, what it needs to decide and nothing else.
 */
export interface ReplicaLoad {
  /** Requests routed to the replica and not finished (waiting or running). */
  readonly outstandingRequests: number;
  /** Share of the replica's KV-cache blocks in use, in [0, 1]. */
  readonly kvCacheUtilization: number;
  readonly waitingRequests: number;
}

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

/** Built-in routers; config enums derive from these keys. Ties go to the lowest replica index. */
export const ROUTERS = {
  'round-robin': (): Router => {
    let next = 0;
    return {
      name: 'round-robin',
      route(_request, loads) {
        const r = next % loads.length;
        next = r + 1;
        return r;
      },
    };
  },
  'least-outstanding': (): Router => ({
    name: 'least-outstanding',
    route: (_request, loads) => argmin(loads, (l) => l.outstandingRequests),
  }),
  'least-kv-cache': (): Router => ({
    name: 'least-kv-cache',
    route: (_request, loads) => argmin(loads, (l) => l.kvCacheUtilization + l.waitingRequests * 1e-6),
  }),
} as const satisfies Record<string, () => Router>;

export type RouterName = keyof typeof ROUTERS;
export const ROUTER_NAMES = Object.keys(ROUTERS) as RouterName[];

export function createRouter(name: RouterName): Router {
  return ROUTERS[name]();
}
