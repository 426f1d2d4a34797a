import { aggregateRepeats } from '../aggregate-repeats.ts';
import type { BenchmarkData, BenchmarkPoint, BenchmarkPointInput, Provenance } from '../benchmark-point.ts';
import { parseBenchmarkData, parseBenchmarkJsonl, serializeBenchmarkData, serializeBenchmarkPoint } from '../benchmark-jsonl.ts';
import { BenchmarkError } from '../errors.ts';
import { importBenchmarkFile, type ImportOptions } from '../importers/import-benchmark-file.ts';
import { benchmarkDataPaths, sidecarPaths, type BenchmarkDataPathsOptions } from './benchmark-data-paths.ts';

/**
 * The file operations the collector needs; `createNodeBenchmarkFs` is the real one, tests may pass their own.
 */
export interface BenchmarkFs {
  /** The file's text, or undefined when it does not exist. */
  readText(path: string): Promise<string | undefined>;
  /**
   * Appends one line durably: creates the file and its directories if needed, starts on a new line if the
   * file does not end with one (a crash may have cut the last append short), and syncs before returning.
   */
  appendLine(path: string, line: string): Promise<void>;
  /** Replaces the file in one step (write aside, sync, rename), creating directories if needed. */
  writeTextAtomic(path: string, text: string): Promise<void>;
}

/** Validates and appends one point to a raw JSONL file. */
export async function appendBenchmarkPoint(fs: BenchmarkFs, path: string, point: BenchmarkPointInput): Promise<void> {
  await fs.appendLine(path, serializeBenchmarkPoint(point));
}

/** The points of a raw JSONL file; none when it does not exist yet. */
export async function readBenchmarkPoints(fs: BenchmarkFs, path: string): Promise<BenchmarkPoint[]> {
  const text = await fs.readText(path);
  return text === undefined ? [] : parseBenchmarkJsonl(text, path);
}

/** Writes a processed benchmark file in one step (atomically), after validating it. */
export async function writeProcessedData(fs: BenchmarkFs, path: string, data: BenchmarkData): Promise<void> {
  await fs.writeTextAtomic(path, serializeBenchmarkData(data));
}

/** The processed benchmark file at `path`, validated; undefined when it does not exist. */
export async function readProcessedData(fs: BenchmarkFs, path: string): Promise<BenchmarkData | undefined> {
  const text = await fs.readText(path);
  return text === undefined ? undefined : parseBenchmarkData(text, path);
}

/** Which raw file to aggregate into a processed one, and the provenance to record with it. */
export interface ProcessRawOptions extends BenchmarkDataPathsOptions {
  /** The raw file's name without extension (`splitwise` for raw/<xpu>/<model>/splitwise.jsonl). */
  readonly name: string;
  readonly provenance: Provenance;
}

/** raw/<xpu>/<model>/<name>.jsonl -> processed/<xpu>/<model>/<name>.json, repeats aggregated. */
export async function processRawBenchmark(fs: BenchmarkFs, options: ProcessRawOptions): Promise<BenchmarkData> {
  const paths = benchmarkDataPaths(options);
  const raw = await readBenchmarkPoints(fs, paths.rawFile(options.name));
  const data: BenchmarkData = { schemaVersion: 1, provenance: options.provenance, points: aggregateRepeats(raw) };
  await writeProcessedData(fs, paths.processedFile(options.name), data);
  return data;
}

/**
 * Imports a result file from disk, with its run settings from the first sidecar of `sidecarPaths(path)` that
 * exists (unless `options.meta` is given).
 */
export async function importBenchmarkFileFromFs(fs: BenchmarkFs, path: string, options: ImportOptions = {}): Promise<BenchmarkPoint[]> {
  const text = await fs.readText(path);
  if (text === undefined) throw new BenchmarkError('INVALID_PATH', `${path}: no such file`, { file: path });
  if (options.meta !== undefined) return importBenchmarkFile(text, path, options);
  for (const candidate of sidecarPaths(path)) {
    const metaText = await fs.readText(candidate);
    if (metaText === undefined) continue;
    let meta: unknown;
    try {
      meta = JSON.parse(metaText);
    } catch (e) {
      throw new BenchmarkError('INVALID_JSON', `${candidate}: not valid JSON (${(e as Error).message})`, { file: candidate });
    }
    return importBenchmarkFile(text, path, { ...options, meta, metaSource: candidate });
  }
  return importBenchmarkFile(text, path, options);
}
