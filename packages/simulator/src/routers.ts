import * as z from 'zod/mini';
import { SimulatorError } from './errors.ts';
import { createLeastKvCacheRouter, createLeastOutstandingRouter, createRoundRobinRouter, type Router } from './router.ts';

/** The built-in routers by name; config enums derive from these keys, so adding one touches this file. */
export const ROUTERS = {
  /** Request i to replica i mod N. */
  'round-robin': createRoundRobinRouter,
  /** To the replica with the fewest requests in flight. */
  'least-outstanding': createLeastOutstandingRouter,
  /** To the replica with the most free KV-cache blocks. */
  'least-kv-cache': createLeastKvCacheRouter,
} as const satisfies Record<string, () => Router>;

/** The name of a built-in router. */
export type RouterName = keyof typeof ROUTERS;
/** The names of the built-in routers, for help texts and validation. */
export const ROUTER_NAMES = Object.keys(ROUTERS) as RouterName[];
/** Validates a built-in router's name. */
export const RouterNameSchema = z.enum(ROUTER_NAMES as [RouterName, ...RouterName[]]);

/** A fresh router (with fresh state) by name. */
export function createRouter(name: string): Router {
  if (!Object.hasOwn(ROUTERS, name)) {
    throw new SimulatorError('UNKNOWN_ROUTER', `unknown router '${name}'; known: ${ROUTER_NAMES.join(', ')}`);
  }
  return ROUTERS[name as RouterName]();
}
