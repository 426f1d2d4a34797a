import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Runtime imports between this package's own files (`import type` erases at build time and is left out). */
function runtimeImports(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = readFileSync(path.join(here, file), 'utf8');
    const edges: string[] = [];
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'\.\/([\w-]+\.ts)';/gms)) edges.push(m[1]);
    graph.set(file, edges);
  }
  return graph;
}

function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'open') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('factory module graph', () => {
  it('has no import cycle: shared wiring (pools, workloads, cluster config) sits in files of its own', () => {
    const graph = runtimeImports();
    expect(graph.get('config.ts')).toContain('cluster-config.ts');
    expect(graph.get('simulation.ts')).toEqual(expect.arrayContaining(['pool-setup.ts', 'workload-requests.ts']));
    expect(findCycle(graph)).toBeUndefined();
  });
});
