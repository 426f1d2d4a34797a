import { z } from 'zod';
import { SimulatorError } from './errors.ts';
import { createLeastKvCacheRouter, createLeastOutstandingRouter, createRoundRobinRouter, type Router } from './router.ts';

/** The built-in routers by name; config enums derive from these keys, so adding one touches this file. */
export const ROUTERS = {
  'round-robin': createRoundRobinRouter,
  'least-outstanding': createLeastOutstandingRouter,
  'least-kv-cache': createLeastKvCacheRouter,
} as const satisfies Record<string, () => Router>;

export type RouterName = keyof typeof ROUTERS;
export const ROUTER_NAMES = Object.keys(ROUTERS) as RouterName[];
export const RouterNameSchema = z.enum(ROUTER_NAMES as [RouterName, ...RouterName[]]);

/** A fresh router (with fresh state) by name. */
export function createRouter(name: string): Router {
  if (!Object.hasOwn(ROUTERS, name)) {
    throw new SimulatorError('UNKNOWN_ROUTER', `unknown router '${name}'; known: ${ROUTER_NAMES.join(', ')}`);
  }
  return ROUTERS[name as RouterName]();
}
