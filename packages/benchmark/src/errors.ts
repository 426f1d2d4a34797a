/** Why a `BenchmarkError` was thrown: a stable code to branch on. */
export type BenchmarkErrorCode =
  | 'INVALID_POINT'
  | 'INVALID_JSON'
  | 'INVALID_CSV'
  | 'INVALID_FILE'
  | 'MISSING_METADATA'
  | 'UNKNOWN_FORMAT'
  | 'UNKNOWN_NAME'
  | 'CONTRADICTS_FILE'
  | 'INVALID_EXPERIMENT'
  | 'INVALID_PATH';

/** Where bad input sits: file, line and field, as far as they are known. */
export interface BenchmarkErrorLocation {
  /** File or source name the data came from. */
  readonly file?: string;
  /** 1-based line number in that file. */
  readonly line?: number;
  /** Dotted path of the offending field (`spread.minMs`, `prompt_time`). */
  readonly field?: string;
}

/** Every error this package throws: a stable `code` for callers, the location for people. */
export class BenchmarkError extends Error {
  readonly code: BenchmarkErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;

  constructor(code: BenchmarkErrorCode, message: string, location: BenchmarkErrorLocation = {}) {
    super(message);
    this.name = 'BenchmarkError';
    this.code = code;
    this.file = location.file;
    this.line = location.line;
    this.field = location.field;
  }
}

/** `file:line: ` (or the part of it that is known), the prefix every located message starts with. */
export function locationPrefix(location: BenchmarkErrorLocation): string {
  if (location.file === undefined && location.line === undefined) return '';
  const file = location.file ?? '<input>';
  return location.line === undefined ? `${file}: ` : `${file}:${location.line}: `;
}

interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export function issuePath(issue: IssueLike): string {
  return issue.path.map(String).join('.') || '(root)';
}

/** `field: reason; field: reason`, the way zod issues are reported everywhere in this package. */
export function formatIssues(issues: readonly IssueLike[]): string {
  return issues.map((i) => `${issuePath(i)}: ${i.message}`).join('; ');
}
