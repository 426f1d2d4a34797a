import type { BenchmarkPoint } from '../benchmark-point.ts';
import { parseBenchmarkJsonl } from '../benchmark-jsonl.ts';
import { detectFormat, type BenchmarkFormat } from './detect-format.ts';
import { importSplitwiseCsv, type SplitwiseImportOptions } from './splitwise-csv.ts';
import { importVllmLatency, type VllmLatencyImportOptions } from './vllm-latency.ts';
import { importVllmServe, type VllmServeImportOptions } from './vllm-serve.ts';
import { toPoint } from './to-point.ts';

/** Options of every importer together (run settings the file lacks), plus a format that skips detection. */
export type ImportOptions = SplitwiseImportOptions &
  VllmServeImportOptions &
  VllmLatencyImportOptions & {
    /** Skip detection. */
    readonly format?: BenchmarkFormat;
  };

/** Points of any supported file, its format detected from the content (see `detectFormat`). */
export function importBenchmarkFile(text: string, filename: string, options: ImportOptions = {}): BenchmarkPoint[] {
  const format = options.format ?? detectFormat(text, filename);
  switch (format) {
    case 'splitwise-csv':
      return importSplitwiseCsv(text, filename, options);
    case 'vllm-serve':
      return importVllmServe(text, filename, options);
    case 'vllm-latency':
      return importVllmLatency(text, filename, options);
    case 'benchmark-jsonl':
      // Already points: the caller's metadata still applies (e.g. naming the xpu of a shared file).
      return parseBenchmarkJsonl(text, filename).map((p) => toPoint(p, options, { file: filename }));
  }
}
