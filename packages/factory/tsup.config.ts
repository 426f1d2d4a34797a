import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/browser.ts'],
  format: ['esm'],
  target: 'node20',
  dts: { compilerOptions: { customConditions: [] } },
  sourcemap: true,
  clean: true,
  // The shipped datasets (benchmark_data/datasets, ~1 MB of JSON) stay in chunks loaded when a run names one.
  splitting: true,
});
