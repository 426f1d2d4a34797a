/** The stable codes of `EmulatorError`: an invalid configuration, or a request that can never run. */
export type EmulatorErrorCode =
  | 'INVALID_CONFIG'
  /** The request can never run: longer than max_model_len, the KV cache or (without chunked prefill) one step's budget. */
  | 'REQUEST_TOO_LONG'
  | 'ENGINE_CLOSED'
  | 'INVALID_STEP_TIME'
  | 'INTERNAL';

/** Every error this package throws; `code` is stable, the message names the field and the reason. */
export class EmulatorError extends Error {
  readonly code: EmulatorErrorCode;
  constructor(code: EmulatorErrorCode, message: string) {
    super(message);
    this.name = 'EmulatorError';
    this.code = code;
  }
}
