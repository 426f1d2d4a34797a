/** Errors raised while turning a user's request into wired objects. */
export type FactoryErrorCode =
  | 'INVALID_CONFIG'
  | 'UNREADABLE_FILE'
  | 'CALIBRATION_MISMATCH'
  | 'UNKNOWN_PERFORMANCE_MODEL';

export class FactoryError extends Error {
  readonly code: FactoryErrorCode;
  constructor(code: FactoryErrorCode, message: string) {
    super(message);
    this.name = 'FactoryError';
    this.code = code;
  }
}

export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
