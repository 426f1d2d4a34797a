import { BenchmarkError } from '../errors.ts';
import { csvFields } from './csv.ts';

/** The benchmark file formats `importBenchmarkFile` reads. */
export const BENCHMARK_FORMATS = ['benchmark-jsonl', 'vllm-serve', 'vllm-latency', 'splitwise-csv'] as const;
/** One of `BENCHMARK_FORMATS`. */
export type BenchmarkFormat = (typeof BENCHMARK_FORMATS)[number];

function firstJsonObject(text: string): Record<string, unknown> | undefined {
  const tryParse = (s: string): Record<string, unknown> | undefined => {
    try {
      let v: unknown = JSON.parse(s);
      // vllm bench sweep's summary.json: an array of serve results.
      if (Array.isArray(v)) v = v[0];
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  return tryParse(text) ?? tryParse(text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '');
}

/**
 * Which importer reads a file, from its content (the file name only breaks ties, e.g. an empty CSV):
 * - a CSV header with prompt_size, token_size, prompt_time and token_time: Splitwise `perf_model.csv`;
 * - JSON with `avg_latency` and `latencies` or `percentiles`: `vllm bench latency --output-json`;
 * - JSON with `completed` and `total_input_tokens` (the first line's, for appended results; the first element's, for
 *   the array `vllm bench sweep` writes to summary.json): `vllm bench serve`;
 * - JSON lines whose first object has `phase` and `latencyMs`: this package's raw benchmark JSONL.
 */
export function detectFormat(text: string, filename: string): BenchmarkFormat {
  const firstLine = (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '').replace(/^\uFEFF/, '').trim();
  if (!firstLine.startsWith('{') && !firstLine.startsWith('[')) {
    const header = csvFields(firstLine);
    if (['prompt_size', 'token_size', 'prompt_time', 'token_time'].every((c) => header.includes(c))) return 'splitwise-csv';
  } else {
    const obj = firstJsonObject(text);
    if (obj) {
      if ('avg_latency' in obj && ('latencies' in obj || 'percentiles' in obj)) return 'vllm-latency';
      if ('completed' in obj && 'total_input_tokens' in obj) return 'vllm-serve';
      if ('phase' in obj && 'latencyMs' in obj) return 'benchmark-jsonl';
    }
  }
  throw new BenchmarkError(
    'UNKNOWN_FORMAT',
    `${filename}: cannot tell the format from its content; known: ${BENCHMARK_FORMATS.join(', ')} ` +
      '(Splitwise CSV header with prompt_size,token_size,prompt_time,token_time; vllm bench latency JSON with avg_latency; ' +
      'vllm bench serve JSON with completed and total_input_tokens; JSONL of points with phase and latencyMs)',
    { file: filename, line: 1 },
  );
}
