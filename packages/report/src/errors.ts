/** The stable codes of `ReportError`: invalid report input, or an invalid argument. */
export type ReportErrorCode = 'INVALID_INPUT' | 'INVALID_ARGUMENT';

/** Every error this package throws: a stable `code` for programs, a message for people. */
export class ReportError extends Error {
  readonly code: ReportErrorCode;
  constructor(code: ReportErrorCode, message: string) {
    super(message);
    this.name = 'ReportError';
    this.code = code;
  }
}

/** Formats zod issues as "path: message; path: message" so that errors name the field. */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
