import { describe, expect, it } from 'vitest';
import type { ReplicaLoad } from './router.ts';
import { ROUTERS, ROUTER_NAMES, RouterNameSchema, createRouter } from './routers.ts';

const request = 0;
const loads = (outstanding: number[]): ReplicaLoad[] =>
  outstanding.map((o) => ({ outstandingRequests: o, waitingRequests: 0, runningRequests: o, kvCacheUtilization: o / 10 }));

describe('routers', () => {
  it('round-robin cycles through the replicas, with state per router instance', () => {
    const a = createRouter('round-robin');
    expect([0, 1, 2, 3].map(() => a.route(request, loads([0, 0, 0])))).toEqual([0, 1, 2, 0]);
    expect(createRouter('round-robin').route(request, loads([0, 0, 0]))).toBe(0);
  });

  it('least-outstanding picks the least loaded replica, the lowest index on ties', () => {
    const r = createRouter('least-outstanding');
    expect(r.route(request, loads([3, 1, 2]))).toBe(1);
    expect(r.route(request, loads([2, 1, 1]))).toBe(1);
  });

  it('least-kv-cache picks the replica with the emptiest KV cache', () => {
    expect(createRouter('least-kv-cache').route(request, loads([5, 2, 7]))).toBe(1);
  });

  it('derives the config enum from the registry and lists the known names for an unknown one', () => {
    expect(RouterNameSchema.options).toEqual(Object.keys(ROUTERS));
    expect(ROUTER_NAMES).toEqual(['round-robin', 'least-outstanding', 'least-kv-cache']);
    expect(() => createRouter('random')).toThrow("unknown router 'random'; known: round-robin, least-outstanding, least-kv-cache");
  });
});
