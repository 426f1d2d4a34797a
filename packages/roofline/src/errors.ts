/** The stable codes of `RooflineError`: an unknown catalog name, an invalid config or xpu file, an impossible parallelism, a model that does not fit. */
export type RooflineErrorCode =
  | 'UNKNOWN_MODEL'
  | 'UNKNOWN_XPU'
  | 'INVALID_MODEL_CONFIG'
  | 'UNSUPPORTED_ARCHITECTURE'
  | 'INVALID_XPU_SPEC'
  | 'INVALID_EFFICIENCY'
  | 'INVALID_PARALLELISM'
  | 'UNSUPPORTED_DTYPE'
  | 'INVALID_BATCH'
  | 'INVALID_MEMORY_OPTIONS'
  | 'DOES_NOT_FIT';

/** Every error this package throws: a stable `code` for programs, a message for people. */
export class RooflineError extends Error {
  readonly code: RooflineErrorCode;
  constructor(code: RooflineErrorCode, message: string) {
    super(message);
    this.name = 'RooflineError';
    this.code = code;
  }
}

/** Formats zod issues as "path: message; path: message" so that errors name the field. */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
