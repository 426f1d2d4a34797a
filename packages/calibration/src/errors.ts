/** The stable codes of `CalibrationError`: which input was wrong, or a fit too poor to ship. */
export type CalibrationErrorCode =
  /** Malformed JSON, a missing or invalid field, or an unsupported format_version. */
  | 'INVALID_CALIBRATION_FILE'
  /** The calibration was fitted for another model, xpu, tp, pp or dtype. */
  | 'CALIBRATION_MISMATCH'
  /** A phase has no usable point, so no calibration file can be written. */
  | 'NOT_ENOUGH_POINTS'
  /** Peak figures that are not positive and finite. */
  | 'INVALID_PEAK_FIGURES'
  /** Estimator options out of range. */
  | 'INVALID_FIT_OPTIONS'
  /** The fit's MAPE is above the allowed error. */
  | 'FIT_TOO_POOR'
  /** A calibration predicts new measurements worse than the allowed error. */
  | 'DRIFT_ABOVE_THRESHOLD'
  /** A kernel table (GEMM, attention, collectives, operator medians) without the rows or columns a fit needs. */
  | 'INVALID_KERNEL_TABLE';

/** The one error this package throws; `code` is stable, the message names the field and the reason. */
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
