import type { BenchmarkPoint, BenchmarkPointInput } from '../benchmark-point.ts';
import { BenchmarkError } from '../errors.ts';
import { parseCsv, type CsvRow } from './csv.ts';
import { toPoint, type PointMetadataOptions } from './to-point.ts';

/** Columns the importer reads; the file also carries peak_power, average_power and e2e_time. */
export const SPLITWISE_COLUMNS = [
  'model',
  'hardware',
  'prompt_size',
  'batch_size',
  'token_size',
  'prompt_time',
  'token_time',
  'tensor_parallel',
] as const;

/** Splitwise model names to the catalog's; a name not listed is kept as written (the caller filters). */
export const SPLITWISE_MODEL_NAMES: Readonly<Record<string, string>> = {
  'llama2-70b': 'llama-2-70b',
  'bloom-176b': 'bloom-176b',
};

/**
 * Splitwise hardware names (as in Mutinifni/splitwise-sim data/perf_model.csv) to xpu names. DGX-H100 is an
 * SXM part; the power-capped rows get their own name because they are derived, not measured (see notes).
 */
export const SPLITWISE_HARDWARE_NAMES: Readonly<Record<string, string>> = {
  'a100-80gb': 'a100-80gb',
  'h100-80gb': 'h100-sxm',
  'h100-80gb-pcap': 'h100-sxm-powercap',
};

const POWERCAP_NOTE =
  'power-capped H100 rows repeat the H100 decode times and scale its prefill times by 1.3: not an independent measurement';

export interface SplitwiseImportOptions extends PointMetadataOptions {
  /** Extra or replacement hardware-name mappings. */
  readonly hardwareNames?: Readonly<Record<string, string>>;
  readonly modelNames?: Readonly<Record<string, string>>;
}

function positiveNumber(row: CsvRow, column: string, file: string, integer: boolean): number {
  const raw = row.values[column];
  const value = Number(raw);
  const ok = raw !== '' && Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value));
  if (!ok) {
    throw new BenchmarkError(
      'INVALID_CSV',
      `${file}:${row.line}: column ${column} must be a positive ${integer ? 'integer' : 'number'}, got '${raw}'`,
      { file, line: row.line, field: column },
    );
  }
  return value;
}

/**
 * Points of a Splitwise `perf_model.csv`: each row yields a prefill point (the batch's `prompt_time`, ms, for
 * `batch_size` prompts of `prompt_size` tokens) and a decode point (`token_time`, the mean decode step, ms).
 * A decode step's cached context grows from prompt_size to prompt_size + token_size - 1 over the run, so the
 * decode point sits at the mean context, prompt_size + token_size / 2 (rounded). Each row is one repeat:
 * `aggregateRepeats` folds the file's five repeats per configuration into a median with spread.
 * Rows identical in every column are read once: the published file lists the batch-1, prompt-512,
 * 128-output configuration in each of its three sweeps (prompt, batch, output) with the same five
 * measurements, which would otherwise count as fifteen repeats.
 */
export function importSplitwiseCsv(text: string, file: string, options: SplitwiseImportOptions = {}): BenchmarkPoint[] {
  const table = parseCsv(text, file, SPLITWISE_COLUMNS);
  const hardwareNames = { ...SPLITWISE_HARDWARE_NAMES, ...options.hardwareNames };
  const modelNames = { ...SPLITWISE_MODEL_NAMES, ...options.modelNames };
  const points: BenchmarkPoint[] = [];
  const seen = new Set<string>();
  for (const row of table.rows) {
    const identity = JSON.stringify(table.columns.map((c) => row.values[c]));
    if (seen.has(identity)) continue;
    seen.add(identity);
    const hardware = row.values.hardware;
    const xpu = hardwareNames[hardware];
    if (xpu === undefined) {
      throw new BenchmarkError(
        'UNKNOWN_NAME',
        `${file}:${row.line}: unknown hardware '${hardware}'; known: ${Object.keys(hardwareNames).join(', ')} (map it with the hardwareNames option)`,
        { file, line: row.line, field: 'hardware' },
      );
    }
    const rawModel = row.values.model;
    if (rawModel === '') {
      throw new BenchmarkError('INVALID_CSV', `${file}:${row.line}: column model is empty`, { file, line: row.line, field: 'model' });
    }
    const model = modelNames[rawModel] ?? rawModel;
    const inputLen = positiveNumber(row, 'prompt_size', file, true);
    const batchSize = positiveNumber(row, 'batch_size', file, true);
    const outputLen = positiveNumber(row, 'token_size', file, true);
    const prefillMs = positiveNumber(row, 'prompt_time', file, false);
    const decodeMs = positiveNumber(row, 'token_time', file, false);
    const tp = positiveNumber(row, 'tensor_parallel', file, true);
    const notes = hardware.endsWith('-pcap') ? POWERCAP_NOTE : undefined;
    const common = {
      model,
      xpu,
      tp,
      batchSize,
      inputLen,
      outputLen,
      engine: 'unknown',
      dtype: 'fp16',
      source: file,
      notes,
    } satisfies Partial<BenchmarkPointInput>;
    const location = { file, line: row.line };
    points.push(toPoint({ ...common, phase: 'prefill', contextLen: 0, latencyMs: prefillMs }, options, location));
    points.push(
      toPoint({ ...common, phase: 'decode', contextLen: inputLen + Math.round(outputLen / 2), latencyMs: decodeMs }, options, location),
    );
  }
  return points;
}
