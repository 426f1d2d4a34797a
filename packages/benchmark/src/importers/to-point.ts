import type { Dtype } from '@llm-sim/roofline';
import { BenchmarkPointSchema, type BenchmarkPoint, type BenchmarkPointInput } from '../benchmark-point.ts';
import { BenchmarkError, formatIssues, issuePath, locationPrefix, type BenchmarkErrorLocation } from '../errors.ts';

/** What every importer lets the caller state or override: what the file itself does not say, or says differently. */
export interface PointMetadataOptions {
  /** Catalog model name; replaces the file's (e.g. a Hugging Face id). */
  readonly model?: string;
  readonly xpu?: string;
  readonly tp?: number;
  readonly pp?: number;
  readonly dtype?: Dtype;
  readonly engine?: string;
  readonly engineVersion?: string;
  /** ISO date or date-time of the measurement. */
  readonly date?: string;
  /** Replaces the file name as the points' `source` (e.g. a URL with a commit). */
  readonly source?: string;
}

/** Overlays the caller's metadata on what the file said and validates, naming file, line and field. */
export function toPoint(
  base: Partial<BenchmarkPointInput>,
  options: PointMetadataOptions,
  location: BenchmarkErrorLocation,
): BenchmarkPoint {
  const merged: Record<string, unknown> = { ...base };
  for (const key of ['model', 'xpu', 'tp', 'pp', 'dtype', 'engine', 'engineVersion', 'date', 'source'] as const) {
    if (options[key] !== undefined) merged[key] = options[key];
  }
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  const parsed = BenchmarkPointSchema.safeParse(merged);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BenchmarkError(
      'INVALID_POINT',
      `${locationPrefix(location)}cannot make a benchmark point: ${formatIssues(parsed.error.issues)}`,
      { ...location, field: first ? issuePath(first) : undefined },
    );
  }
  return parsed.data;
}

/** Refuses a point the file cannot complete, saying which field is missing and how to supply it. */
export function requireField<T>(value: T | undefined, field: string, how: string, location: BenchmarkErrorLocation): T {
  if (value === undefined || value === null || value === '') {
    throw new BenchmarkError('MISSING_METADATA', `${locationPrefix(location)}${field} is not recorded in the file; ${how}`, {
      ...location,
      field,
    });
  }
  return value;
}
