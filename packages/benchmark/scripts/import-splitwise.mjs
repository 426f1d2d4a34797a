// Regenerates benchmark_data/{raw,processed}/<xpu>/<model>/splitwise.* from the Splitwise perf_model.csv with
// this package's importer. Run from packages/benchmark: `pnpm import:splitwise [path/to/perf_model.csv]`, which
// bundles this file with the workspace sources (esbuild, `@llm-sim/source` condition) so no build is needed.
import { chmod, copyFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findModel } from '@llm-sim/roofline';
import {
  aggregateRepeats,
  benchmarkDataPaths,
  createNodeBenchmarkFs,
  importSplitwiseCsv,
  serializeBenchmarkData,
  serializeBenchmarkJsonl,
} from '@llm-sim/benchmark';

// pnpm runs package scripts in the package directory: packages/benchmark.
const repoRoot = resolve(process.cwd(), '../..');
const csvPath = resolve(process.argv[2] ?? join(repoRoot, '../shared/data/splitwise_perf_model.csv'));
const dataRoot = join(repoRoot, 'benchmark_data');
const ORIGIN = 'Mutinifni/splitwise-sim@8f99e7dc:data/perf_model.csv';
const provenance = {
  description:
    'Splitwise (Patel et al., ISCA 2024) profiles: prefill of the batch (prompt_time) and mean decode step (token_time), 5 repeats per configuration, 2023, engine version not recorded',
  repository: 'https://github.com/Mutinifni/splitwise-sim',
  commit: '8f99e7dc',
  path: 'data/perf_model.csv (some rows kept aside upstream)',
  license: 'MIT',
  importedWith: '@llm-sim/benchmark importSplitwiseCsv + aggregateRepeats (packages/benchmark/scripts/import-splitwise.mjs)',
  notes:
    'decode points sit at the mean cached context prompt_size + token_size/2; h100-sxm-powercap rows are derived from h100 ones (decode equal, prefill x1.3), not measured; 16-bit weights assumed (dtype fp16: the file does not record it; fp16 and bf16 share tensor-core rates on A100 and H100); 120 rows that repeat the batch-1/prompt-512/output-128 measurements in a second and third sweep are read once',
};

const fs = createNodeBenchmarkFs();
const points = importSplitwiseCsv(await readFile(csvPath, 'utf8'), ORIGIN, { source: ORIGIN });
// Only models the catalog knows can be calibrated; BLOOM-176B stays in the copied CSV.
const known = points.filter((p) => findModel(p.model) !== undefined);

const groups = new Map();
for (const p of known) {
  const key = `${p.xpu}\u0000${p.model}`;
  groups.set(key, [...(groups.get(key) ?? []), p]);
}
for (const group of groups.values()) {
  const { xpu, model } = group[0];
  const paths = benchmarkDataPaths({ root: dataRoot, xpu, model });
  await fs.writeTextAtomic(paths.rawFile('splitwise'), serializeBenchmarkJsonl(group));
  const processed = { schemaVersion: 1, provenance, points: aggregateRepeats(group) };
  await fs.writeTextAtomic(paths.processedFile('splitwise'), serializeBenchmarkData(processed));
  process.stdout.write(`${xpu}/${model}: ${group.length} raw points, ${processed.points.length} processed\n`);
}
await mkdir(join(dataRoot, 'raw/splitwise'), { recursive: true });
const copy = join(dataRoot, 'raw/splitwise/perf_model.csv');
await copyFile(csvPath, copy);
await chmod(copy, 0o644); // the shared original may be read-only

