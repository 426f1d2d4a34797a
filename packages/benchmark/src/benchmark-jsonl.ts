import {
  BenchmarkDataSchema,
  BenchmarkPointSchema,
  type BenchmarkData,
  type BenchmarkPoint,
  type BenchmarkPointInput,
} from './benchmark-point.ts';
import { BenchmarkError, formatIssues, issuePath } from './errors.ts';

/**
 * Points of a raw JSONL file, one per non-blank line. An error names the source, the 1-based line and the
 * field path, so that a hand-edited or half-appended file is easy to fix.
 */
export function parseBenchmarkJsonl(text: string, sourceName: string): BenchmarkPoint[] {
  const points: BenchmarkPoint[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const lineNumber = i + 1;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      throw new BenchmarkError('INVALID_JSON', `${sourceName}:${lineNumber}: not valid JSON (${(e as Error).message})`, {
        file: sourceName,
        line: lineNumber,
      });
    }
    const parsed = BenchmarkPointSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new BenchmarkError(
        'INVALID_POINT',
        `${sourceName}:${lineNumber}: invalid benchmark point: ${formatIssues(parsed.error.issues)}`,
        { file: sourceName, line: lineNumber, field: first ? issuePath(first) : undefined },
      );
    }
    points.push(parsed.data);
  }
  return points;
}

/** Validates a point and writes it as one JSON line (no trailing newline), keys in schema order. */
export function serializeBenchmarkPoint(point: BenchmarkPointInput): string {
  const parsed = BenchmarkPointSchema.safeParse(point);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BenchmarkError('INVALID_POINT', `invalid benchmark point: ${formatIssues(parsed.error.issues)}`, {
      field: first ? issuePath(first) : undefined,
    });
  }
  return JSON.stringify(parsed.data);
}

/** A whole JSONL document: one line per point, newline-terminated. */
export function serializeBenchmarkJsonl(points: readonly BenchmarkPointInput[]): string {
  return points.map((p) => `${serializeBenchmarkPoint(p)}\n`).join('');
}

/** A processed file (`BenchmarkData` JSON); errors name the source and the field path. */
export function parseBenchmarkData(text: string, sourceName: string): BenchmarkData {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BenchmarkError('INVALID_JSON', `${sourceName}: not valid JSON (${(e as Error).message})`, { file: sourceName });
  }
  const parsed = BenchmarkDataSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new BenchmarkError('INVALID_FILE', `${sourceName}: invalid benchmark data: ${formatIssues(parsed.error.issues)}`, {
      file: sourceName,
      field: first ? issuePath(first) : undefined,
    });
  }
  return parsed.data;
}

/** A processed file's text: pretty-printed so that diffs of committed data stay readable. */
export function serializeBenchmarkData(data: BenchmarkData): string {
  return `${JSON.stringify(BenchmarkDataSchema.parse(data), null, 2)}\n`;
}
