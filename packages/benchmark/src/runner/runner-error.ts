/** Why a `RunnerError` was thrown: a stable code to branch on. */
export type RunnerErrorCode =
  /** An option of the runner is out of range or malformed. */
  | 'INVALID_RUNNER_OPTIONS'
  /** The server answered with something that is not the OpenAI completions protocol. */
  | 'PROTOCOL_ERROR'
  /** The server answered with an HTTP error status. */
  | 'HTTP_ERROR'
  /** No connection, or it was reset or closed before the stream's end. */
  | 'CONNECTION_ERROR'
  /** A request took longer than its time limit, or went quiet for too long. */
  | 'TIMEOUT'
  /** The served model id is not among those the server lists. */
  | 'UNKNOWN_MODEL'
  /** The caller's signal stopped the run. */
  | 'ABORTED';

/**
 * Every error the runner throws or reports. Request failures carry what the report needs: the HTTP status
 * and the start of the body, or the socket error code, and whether trying again may help.
 */
export class RunnerError extends Error {
  readonly code: RunnerErrorCode;
  /** HTTP status, for `HTTP_ERROR`. */
  readonly status?: number;
  /** Socket or undici error code (`ECONNREFUSED`, `ECONNRESET`, `UND_ERR_SOCKET`), for `CONNECTION_ERROR`. */
  readonly errno?: string;
  /** Whether the same request may succeed if sent again (connection errors, 5xx, 429). */
  readonly retryable: boolean;

  constructor(
    code: RunnerErrorCode,
    message: string,
    details: { status?: number; errno?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RunnerError';
    this.code = code;
    this.status = details.status;
    this.errno = details.errno;
    this.retryable = details.retryable ?? false;
  }
}
