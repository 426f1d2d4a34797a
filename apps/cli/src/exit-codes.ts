/**
 * Exit codes of the `llm-sim` command, stable so that CI jobs can act on them.
 * Only the CLI maps errors to codes: libraries throw typed errors with a `code` string.
 */
export const ExitCode = {
  ok: 0,
  /** An unexpected failure: a bug, please report it. */
  internal: 1,
  /** Bad input: an unknown model or xpu, a malformed file, an invalid flag value. */
  badInput: 2,
  /** The configuration does not fit in device memory. */
  doesNotFit: 3,
  /** The server could not be reached, or some benchmark points failed. */
  serverUnreachable: 4,
  /** The calibration fit is worse than the allowed error. */
  fitTooPoor: 5,
  /** Predictions drifted from new measurements beyond the threshold. */
  driftAboveThreshold: 6,
} as const;

export type ExitCodeName = keyof typeof ExitCode;

const codeToExit: Record<string, number> = {
  DOES_NOT_FIT: ExitCode.doesNotFit,
  SERVER_UNREACHABLE: ExitCode.serverUnreachable,
  BENCHMARK_POINTS_FAILED: ExitCode.serverUnreachable,
  CONNECTION_ERROR: ExitCode.serverUnreachable,
  TIMEOUT: ExitCode.serverUnreachable,
  HTTP_ERROR: ExitCode.serverUnreachable,
  PROTOCOL_ERROR: ExitCode.serverUnreachable,
  ABORTED: ExitCode.serverUnreachable,
  FIT_TOO_POOR: ExitCode.fitTooPoor,
  DRIFT_ABOVE_THRESHOLD: ExitCode.driftAboveThreshold,
  VALIDATION_REGRESSED: ExitCode.driftAboveThreshold,
};

/** The exit code for an error thrown by one of our packages (anything with a string `code`). */
export function exitCodeFor(error: unknown): number {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') {
    return codeToExit[error.code] ?? ExitCode.badInput;
  }
  return ExitCode.internal;
}
