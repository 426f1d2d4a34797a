/** The stable codes of `SimulatorError`: which input was wrong (workload, trace, config, router, a model's step time) or an internal fault. */
export type SimulatorErrorCode =
  | 'INVALID_WORKLOAD'
  | 'INVALID_TRACE'
  | 'INVALID_CONFIG'
  | 'UNKNOWN_ROUTER'
  | 'INVALID_STEP_TIME'
  | 'INTERNAL';

/** Every error this package throws; `code` is stable, the message names the field and the reason. */
export class SimulatorError extends Error {
  readonly code: SimulatorErrorCode;
  constructor(code: SimulatorErrorCode, message: string) {
    super(message);
    this.name = 'SimulatorError';
    this.code = code;
  }
}

export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
