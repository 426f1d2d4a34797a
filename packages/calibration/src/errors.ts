export type CalibrationErrorCode =
  | 'INVALID_CALIBRATION_FILE'
  | 'CALIBRATION_MISMATCH'
  | 'NOT_ENOUGH_POINTS'
  | 'INVALID_POINT'
  | 'FIT_TOO_POOR'
  | 'DRIFT_ABOVE_THRESHOLD';

export class CalibrationError extends Error {
  readonly code: CalibrationErrorCode;
  constructor(code: CalibrationErrorCode, message: string) {
    super(message);
    this.name = 'CalibrationError';
    this.code = code;
  }
}

export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
