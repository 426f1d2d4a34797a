import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as browser from './browser.ts';
import * as full from './index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const packagesDir = path.resolve(here, '../..');
const NODE_BUILTINS = new Set(builtinModules);

/** Every runtime import reachable from a file (`import type` erases at build time), with the file that makes it. */
function reachableImports(entry: string): { from: string; specifier: string }[] {
  const seen = new Set<string>();
  const found: { from: string; specifier: string }[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
      const specifier = m[1];
      found.push({ from: path.relative(packagesDir, file), specifier });
      if (specifier.startsWith('.') && specifier.endsWith('.ts')) visit(path.resolve(path.dirname(file), specifier));
      const ours = /^@llm-sim\/([\w-]+)$/.exec(specifier);
      if (ours) {
        const index = path.join(packagesDir, ours[1], 'src/index.ts');
        if (existsSync(index)) visit(index);
      }
    }
  };
  visit(entry);
  return found;
}

describe('the browser entry (@llm-sim/factory/browser)', () => {
  it('reaches no Node built-in and none of the Node-only packages (emulator, benchmark) through any import', () => {
    const imports = reachableImports(path.join(here, 'browser.ts'));
    const offending = imports.filter(
      ({ specifier }) => specifier.startsWith('node:') || NODE_BUILTINS.has(specifier) || specifier === '@llm-sim/emulator' || specifier === '@llm-sim/benchmark',
    );
    expect(offending).toEqual([]);
    // The walk really follows the graph: the simulator and the roofline are reached through the factory's files.
    expect(imports.some((i) => i.from.startsWith('simulator/src/'))).toBe(true);
    expect(imports.some((i) => i.from.startsWith('roofline/src/'))).toBe(true);
  });

  it('exports the very functions of the full entry, so the page and the CLI run the same code', () => {
    for (const name of ['runSimulation', 'runDisaggregatedSimulation', 'describeRun', 'computeStep', 'parseSimulationConfig', 'formatRequestResultsCsv', 'formatSeriesCsv'] as const) {
      expect(browser[name], name).toBe(full[name]);
    }
  });

  it('serves the shipped calibrations by their repository path, as the CLI reads them from disk', () => {
    expect(browser.SHIPPED_CALIBRATION_PATHS).toContain('benchmark_data/calibration/h100-sxm/kernels.json');
    for (const file of browser.SHIPPED_CALIBRATION_PATHS) {
      const onDisk = JSON.parse(readFileSync(path.resolve(packagesDir, '..', file), 'utf8'));
      expect(JSON.parse(browser.readShippedCalibration(file)!), file).toEqual(onDisk);
    }
    expect(browser.readShippedCalibration('benchmark_data/calibration/none.json')).toBeUndefined();
  });
});
