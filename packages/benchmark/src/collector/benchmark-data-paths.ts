import { join } from 'node:path';
import { BenchmarkError } from '../errors.ts';

/** Which model on which xpu, under which `benchmark_data` folder. */
export interface BenchmarkDataPathsOptions {
  /** The `benchmark_data` directory. */
  readonly root: string;
  readonly xpu: string;
  readonly model: string;
}

/** The raw and processed files of one model on one xpu in a `benchmark_data` folder. */
export interface BenchmarkDataPaths {
  /** `raw/<xpu>/<model>`: append-only JSONL, one point per line. */
  readonly rawDir: string;
  /** `raw/<xpu>/<model>/<name>.jsonl` */
  rawFile(name: string): string;
  /** `processed/<xpu>/<model>`: repeats aggregated. */
  readonly processedDir: string;
  /** `processed/<xpu>/<model>/<name>.json` */
  processedFile(name: string): string;
  /** `calibration/<xpu>/<model>_roofline.json`: the file `--calibration-data` takes. */
  readonly calibrationFile: string;
}

/** One directory or file name: no separators, no `.`/`..`, nothing a shell or Windows would choke on. */
function segment(value: string, field: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(value) || value.includes('..')) {
    throw new BenchmarkError(
      'INVALID_PATH',
      `${field} '${value}' cannot name a benchmark_data path: use letters, digits, '.', '_', '+', '-' (no '/', no '..')`,
      { field },
    );
  }
  return value;
}

/** The benchmark_data layout of the project's seeds, for one model on one xpu. */
export function benchmarkDataPaths(options: BenchmarkDataPathsOptions): BenchmarkDataPaths {
  const xpu = segment(options.xpu, 'xpu');
  const model = segment(options.model, 'model');
  const rawDir = join(options.root, 'raw', xpu, model);
  const processedDir = join(options.root, 'processed', xpu, model);
  return {
    rawDir,
    rawFile: (name) => join(rawDir, `${segment(name, 'name')}.jsonl`),
    processedDir,
    processedFile: (name) => join(processedDir, `${segment(name, 'name')}.json`),
    calibrationFile: join(options.root, 'calibration', xpu, `${model}_roofline.json`),
  };
}

/**
 * Where the run settings of a result file may sit: `<stem>.meta.json` beside `<stem>.json`, then
 * `<file>.meta.json`.
 */
export function sidecarPaths(filePath: string): string[] {
  const withoutJson = filePath.replace(/\.json$/i, '');
  const candidates = [`${withoutJson}.meta.json`, `${filePath}.meta.json`];
  return [...new Set(candidates)];
}
