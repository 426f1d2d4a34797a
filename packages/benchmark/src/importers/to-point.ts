import type { Dtype } from '@llm-sim/roofline';
import { BenchmarkPointSchema, type BenchmarkPoint, type BenchmarkPointInput } from '../benchmark-point.ts';
import { BenchmarkError, formatIssues, issuePath, locationPrefix, type BenchmarkErrorLocation } from '../errors.ts';
import { catalogModelName, catalogXpuName } from './catalog-names.ts';

/** What every importer lets the caller state or override: what the file itself does not say, or says differently. */
export interface PointMetadataOptions {
  /**
   * The deployment measured: model (catalog name, alias or Hugging Face id), xpu, tp and pp. Each fills in what
   * the file does not record; where the file records another value the import is refused (CONTRADICTS_FILE).
   */
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
  /**
   * Told what the importer had to assume or set aside (a concurrency estimated from throughput and latency, a
   * point refused), one located sentence each; the caller prints or records them.
   */
  readonly onWarning?: (message: string) => void;
}

const OVERLAID = ['model', 'xpu', 'tp', 'pp', 'dtype', 'engine', 'engineVersion', 'date', 'source'] as const;

/** What the file records about the deployment, checked against what the caller states (see `toPoint`). */
const DEPLOYMENT = ['model', 'xpu', 'tp', 'pp'] as const;

function canonical(key: 'model' | 'xpu', name: string): string {
  return (key === 'model' ? catalogModelName(name) : catalogXpuName(name)) ?? name;
}

/**
 * Whether the caller's value contradicts the file's. Names compare as catalog names (an alias or a Hugging Face
 * id of the same model agrees). A name the catalog does not know in the file contradicts a catalog name from the
 * caller: a file of `meta-llama/Llama-3.2-3B` is no measurement of llama-3.1-8b. A caller's name the catalog does
 * not know (a config.json of a fine-tune) cannot be checked and wins.
 */
function contradicts(key: (typeof DEPLOYMENT)[number], recorded: unknown, stated: unknown): boolean {
  if (recorded === undefined || stated === undefined) return false;
  if (key === 'tp' || key === 'pp') return recorded !== stated;
  const statedName = String(stated);
  const statedCanonical = key === 'model' ? catalogModelName(statedName) : catalogXpuName(statedName);
  if (statedCanonical === undefined) return false;
  return canonical(key, String(recorded)) !== statedCanonical;
}

const FLAG = { model: '--model', xpu: '--xpu', tp: '--tp', pp: '--pp' } as const;

/**
 * Overlays the caller's metadata on what the file said and validates, naming file, line and field. Model and
 * xpu names are stored as catalog names (aliases resolved), so that points imported under `llama-3-70b` are
 * found under `llama-3.1-70b`. Where the file records the model, xpu, tp or pp and the caller states another,
 * the point is refused (CONTRADICTS_FILE): a file is never silently re-labelled as another deployment.
 */
export function toPoint(
  base: Partial<BenchmarkPointInput>,
  options: PointMetadataOptions,
  location: BenchmarkErrorLocation,
): BenchmarkPoint {
  for (const key of DEPLOYMENT) {
    if (contradicts(key, base[key], options[key])) {
      throw new BenchmarkError(
        'CONTRADICTS_FILE',
        `${locationPrefix(location)}the file records ${key} ${String(base[key])}, but ${FLAG[key]} says ${String(options[key])}: ` +
          `this is not a measurement of that deployment (leave ${FLAG[key]} out to import it as recorded)`,
        { ...location, field: key },
      );
    }
  }
  const merged: Record<string, unknown> = { ...base };
  for (const key of OVERLAID) {
    if (options[key] !== undefined) merged[key] = options[key];
  }
  for (const key of ['model', 'xpu'] as const) {
    if (typeof merged[key] === 'string') merged[key] = canonical(key, merged[key]);
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
